"""Delivery never blocks the web process: a 100-page upload is answered at once and the Celery
worker (a real process, on the real broker) makes and delivers the copy."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from delivery.models import Delivery
from requests_app.models import Request, Status
from tests.delivery import scans
from tests.factories import make_institution, make_staff
from tests.requests_app.factories import make_copy
from tests.services import start_celery_worker


def wait_for_delivery(item: Request, *, timeout: float = 300.0) -> Delivery:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery = Delivery.objects.get(request=item)
        if not delivery.is_open:
            return delivery
        time.sleep(0.5)
    raise TimeoutError(f"delivery of request {item.pk} still {delivery.status}")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_100_page_upload_is_answered_at_once_and_delivered_by_the_worker(
    broker: str, media_root: Path, tmp_path: Path
) -> None:
    worker = start_celery_worker(broker, tmp_path / "worker.log", {"MEDIA_ROOT": str(media_root)})
    try:
        item = make_copy(make_institution())
        desk = Client()
        desk.force_login(make_staff())
        upload = SimpleUploadedFile("thick.pdf", scans.text_pdf("Page", pages=100))
        data: dict[str, Any] = {"seen_status": "new", "delivery_method": "electronic"}
        response = desk.post(reverse("desk:act", args=[item.pk, "fill"]), {**data, "scans": upload})
        assert response.status_code == 302
        assert wait_for_delivery(item).status == Delivery.Status.DELIVERED
    finally:
        worker.discard()
    item.refresh_from_db()
    assert item.status == Status.DELIVERED
    assert "Task delivery.prepare" in worker.log()  # made by the worker, not the web process
    with item.delivered_file.open("rb") as pdf:
        text = scans.text_of(pdf.read())
    assert "Page 1" in text and "Page 100" in text
