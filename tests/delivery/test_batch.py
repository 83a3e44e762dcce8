"""Scans dropped together find their requests by the pull slip's barcode or their name, wait
on the review page, and are delivered one by one or as a batch (docs/delivery.md)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from delivery import services
from delivery.models import Delivery, Source
from registration.models import Institution
from requests_app.models import Request, Status
from tests.delivery import scans
from tests.requests_app.factories import make_copy, make_loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def drop(desk: Client, django_capture_on_commit_callbacks: Any) -> Any:
    """Drop scans on the batch page; the tasks queued after commit run in-process."""

    def post(*files: SimpleUploadedFile) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            response = desk.post(reverse("delivery:drop"), {"scans": list(files)})
        assert response.status_code == 302, response.content.decode()[:2000]
        return response

    return post


@pytest.fixture
def deliver(desk: Client, django_capture_on_commit_callbacks: Any) -> Any:
    def post(url: str, **data: str) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return desk.post(url, data)

    return post


def scan_for(number: int, name: str, marker: str = "") -> SimpleUploadedFile:
    """A scan with the pull slip of request `number`, and `marker`, a plain word OCR reads
    reliably (digits glued to letters it may not), to tell which scan a request received."""
    words = [*scans.WORDS, marker]
    return SimpleUploadedFile(name, scans.image_pdf(scans.page(words, slip_for=number)))


def test_scans_dropped_together_land_on_their_requests_by_barcode(
    drop: Any, deliver: Any, desk: Client, institution: Institution
) -> None:
    first, second = make_copy(institution), make_copy(institution, article_title="Second")
    response = drop(
        scan_for(second.pk, "scan-0001.pdf", "pelican"),
        scan_for(first.pk, "scan-0002.pdf", "walrus"),
    )
    review = desk.get(response.url).content.decode()
    assert "Pull slip barcode" in review.replace("pull slip barcode", "Pull slip barcode")
    deliver(response.url + "deliver/", confirmed="1")
    for item, marker in ((first, "walrus"), (second, "pelican")):
        item.refresh_from_db()
        with item.delivered_file.open("rb") as pdf:
            assert marker in scans.text_of(pdf.read()).lower()
        assert item.status == Status.DELIVERED


def test_a_scan_finds_its_request_by_its_file_name(
    drop: Any, desk: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    response = drop(SimpleUploadedFile(f"{item.pk}.pdf", scans.text_pdf("Named by number")))
    delivery = Delivery.objects.get()
    assert (delivery.request_id, delivery.found_by, delivery.status) == (
        item.pk,
        "file_name",
        "ready",
    )
    review = desk.get(response.url).content.decode()
    assert "Named by number 1" in review and f'href="/desk/{item.pk}/"' in review
    thumbnail = desk.get(reverse("delivery:thumbnail", args=[delivery.pk]))
    assert b"".join(thumbnail.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]


def test_a_reviewed_scan_is_delivered_with_its_own_confirmation(
    drop: Any, deliver: Any, institution: Institution
) -> None:
    item, other = make_copy(institution), make_copy(institution)
    drop(
        SimpleUploadedFile(f"{item.pk}.pdf", scans.text_pdf("One")),
        SimpleUploadedFile(f"{other.pk}.pdf", scans.text_pdf("Other")),
    )
    one = Delivery.objects.get(request=item)
    deliver(reverse("delivery:deliver_one", args=[one.pk]))
    statuses = dict(Request.objects.values_list("pk", "status"))
    assert (statuses[item.pk], statuses[other.pk]) == (Status.DELIVERED, Status.NEW)


@pytest.mark.parametrize("what", ["unknown number", "a loan", "a delivered copy"])
def test_a_barcode_matching_no_open_copy_request_is_refused_and_changes_nothing(
    what: str, drop: Any, desk: Client, institution: Institution
) -> None:
    target = {
        "unknown number": lambda: 987654,
        "a loan": lambda: make_loan(institution).pk,
        "a delivered copy": lambda: _delivered_copy(institution).pk,
    }[what]()
    before = list(Request.objects.values_list("pk", "status", "updated_at"))
    response = drop(scan_for(target, "scan-0003.pdf"))
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.REFUSED and delivery.request is None
    message = f"scan-0003.pdf: the barcode {target} matches no open copy request."
    assert delivery.problem == message and message in desk.get(response.url).content.decode()
    assert list(Request.objects.values_list("pk", "status", "updated_at")) == before


def _delivered_copy(institution: Institution) -> Request:
    item = make_copy(institution)
    Request.objects.filter(pk=item.pk).update(status=Status.DELIVERED)
    return item


def test_a_bad_file_in_a_batch_is_refused_and_the_others_go_on(
    drop: Any, desk: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    response = drop(
        SimpleUploadedFile("notes.pdf", b"not a scan at all " * 30),
        SimpleUploadedFile(f"{item.pk}.pdf", scans.text_pdf("Fine")),
    )
    page = desk.get(response.url).content.decode()
    assert "notes.pdf: this is not a PDF, TIFF, JPEG or PNG file." in page
    assert Delivery.objects.get(request=item).status == Delivery.Status.READY


def test_the_hot_folder_command_takes_every_scan_in_the_folder(
    tmp_path: Path, institution: Institution, django_capture_on_commit_callbacks: Any
) -> None:
    item = make_copy(institution)
    hot = tmp_path / "hot"
    hot.mkdir()
    (hot / f"{item.pk}.pdf").write_bytes(scans.text_pdf("From the scanner"))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("deliver_scans", str(hot))
    assert Delivery.objects.get(request=item).status == Delivery.Status.READY
    assert [p.name for p in hot.iterdir()] == ["received"]


def test_a_library_cannot_open_the_batch_pages(portal: Client) -> None:
    assert portal.get(reverse("delivery:drop")).status_code == 302


def test_a_request_that_changed_before_delivery_is_left_as_it_is(
    drop: Any, institution: Institution, staff: Any, django_capture_on_commit_callbacks: Any
) -> None:
    item = make_copy(institution)
    drop(SimpleUploadedFile(f"{item.pk}.pdf", scans.text_pdf("Late")))
    delivery = Delivery.objects.get()
    with django_capture_on_commit_callbacks() as queued:
        services.confirm(delivery, acting_user=staff)
    Request.objects.filter(pk=item.pk).update(status=Status.CANCELLED)
    for callback in queued:
        callback()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.REFUSED and "changed since" in delivery.problem
    item.refresh_from_db()
    assert (item.status, item.delivered_file.name) == (Status.CANCELLED, "")


def test_the_review_page_reads_a_batch_in_a_fixed_number_of_queries(
    desk: Client, institution: Institution, django_assert_max_num_queries: Any
) -> None:
    batch = uuid.uuid4()
    for n in range(12):
        delivery = Delivery.objects.create(
            batch=batch, request=make_copy(institution), status=Delivery.Status.READY, pages=2
        )
        Source.objects.create(delivery=delivery, position=0, file=f"s/{n}.pdf", name=f"{n}.pdf")
    with django_assert_max_num_queries(12):
        page = desk.get(reverse("delivery:review", args=[batch])).content.decode()
    assert "11.pdf" in page and "12 ready to deliver" in page
