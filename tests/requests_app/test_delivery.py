"""Electronic delivery: a PDF the institution downloads for a limited time, then removed."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registration.models import Institution
from requests_app import scheduled, services
from requests_app.models import Request, Status
from tests.factories import make_staff
from tests.requests_app.factories import make_copy

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def deliver(desk: Client, item: Request) -> Request:
    """The fill service with the finished file, as the delivery pipeline calls it once the
    copy is made (the pipeline itself: tests/delivery)."""
    upload = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
    services.fill_copy(
        item, seen=item.status, delivery_method="electronic", pdf=upload, acting_user=None
    )
    item.refresh_from_db()
    return item


def test_filled_copy_is_downloadable_by_the_institution(
    desk: Client, portal: Client, institution: Institution
) -> None:
    item = deliver(desk, make_copy(institution))
    response = portal.get(reverse("requests:download", args=[item.pk]))
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]


def test_filled_copy_feeds_the_copyright_record(desk: Client, institution: Institution) -> None:
    item = deliver(desk, make_copy(institution))
    assert (item.status, item.record.status) == (Status.DELIVERED, "filled")
    assert item.record.fulfilled_at is not None


def test_download_expires_after_the_delivery_period(
    desk: Client, institution: Institution, settings: object
) -> None:
    item = deliver(desk, make_copy(institution))
    assert item.file_expires_at is not None
    days = (item.file_expires_at - timezone.now()).days + 1
    assert days == settings.REQUESTS_DELIVERY_DAYS  # type: ignore[attr-defined]


def test_daily_task_removes_the_file_once_expired(desk: Client, institution: Institution) -> None:
    item = deliver(desk, make_copy(institution))
    path = Path(item.delivered_file.path)
    assert item.file_expires_at is not None
    removed = scheduled.remove_expired_files(now=item.file_expires_at + timedelta(seconds=1))
    item.refresh_from_db()
    assert (removed, item.delivered_file.name, path.exists()) == (1, "", False)


def test_daily_task_keeps_a_file_still_in_its_period(
    desk: Client, institution: Institution
) -> None:
    item = deliver(desk, make_copy(institution))
    assert item.file_expires_at is not None
    removed = scheduled.remove_expired_files(now=item.file_expires_at - timedelta(seconds=1))
    assert removed == 0 and Path(item.delivered_file.path).exists()


def test_expired_download_is_not_found(
    desk: Client, portal: Client, institution: Institution
) -> None:
    item = deliver(desk, make_copy(institution))
    Request.objects.filter(pk=item.pk).update(file_expires_at=timezone.now() - timedelta(days=1))
    assert portal.get(reverse("requests:download", args=[item.pk])).status_code == 404


def test_mailed_copy_has_no_file(desk: Client, institution: Institution) -> None:
    item = make_copy(institution)
    data = {"seen_status": "new", "delivery_method": "mail"}
    desk.post(reverse("desk:act", args=[item.pk, "fill"]), data)
    item.refresh_from_db()
    assert (item.status, item.delivery_method, item.delivered_file.name) == (
        Status.DELIVERED,
        "mail",
        "",
    )


def test_electronic_delivery_needs_the_pdf(desk: Client, institution: Institution) -> None:
    item = make_copy(institution)
    data = {"seen_status": "new", "delivery_method": "electronic"}
    response = desk.post(reverse("desk:act", args=[item.pk, "fill"]), data)
    assert response.status_code == 400 and b'id="id_fill_scans_error"' in response.content


def test_stale_fill_leaves_no_file_behind(
    desk: Client, institution: Institution, media_root: Path
) -> None:
    item = make_copy(institution)
    Request.objects.filter(pk=item.pk).update(status=Status.CANCELLED)
    upload = SimpleUploadedFile("scan.pdf", PDF)
    with pytest.raises(services.StaleRequest):
        services.fill_copy(
            item, seen="new", delivery_method="electronic", pdf=upload, acting_user=None
        )
    assert not any(p.is_file() for p in Path(media_root).rglob("*"))


def test_staff_download_the_delivered_copy_from_the_desk(
    desk: Client, institution: Institution
) -> None:
    item = deliver(desk, make_copy(institution))
    response = desk.get(reverse("desk:download", args=[item.pk]))
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]


def test_desk_download_is_an_attachment_never_inline(
    desk: Client, institution: Institution
) -> None:
    item = deliver(desk, make_copy(institution))
    response = desk.get(reverse("desk:download", args=[item.pk]))
    response.close()  # the streamed file is not read here
    disposition = response["Content-Disposition"]
    assert (response["Content-Type"], disposition.split(";")[0]) == (
        "application/pdf",
        "attachment",
    )


def test_desk_detail_links_the_delivered_copy(desk: Client, institution: Institution) -> None:
    item = deliver(desk, make_copy(institution))
    page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    assert f'href="{reverse("desk:download", args=[item.pk])}"' in page


def test_institution_account_cannot_use_the_desk_download(
    desk: Client, portal: Client, institution: Institution
) -> None:
    item = deliver(desk, make_copy(institution))
    response = portal.get(reverse("desk:download", args=[item.pk]))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_without_request_permission_cannot_download(
    desk: Client, institution: Institution
) -> None:
    item = deliver(desk, make_copy(institution))
    client = Client()
    client.force_login(make_staff(is_superuser=False))
    assert client.get(reverse("desk:download", args=[item.pk])).status_code == 403


def test_desk_download_of_an_expired_file_is_not_found(
    desk: Client, institution: Institution
) -> None:
    item = deliver(desk, make_copy(institution))
    Request.objects.filter(pk=item.pk).update(file_expires_at=timezone.now() - timedelta(days=1))
    assert desk.get(reverse("desk:download", args=[item.pk])).status_code == 404


def test_desk_download_of_a_removed_file_is_not_found(
    desk: Client, institution: Institution
) -> None:
    item = deliver(desk, make_copy(institution))
    assert item.file_expires_at is not None
    scheduled.remove_expired_files(now=item.file_expires_at + timedelta(seconds=1))
    Request.objects.filter(pk=item.pk).update(file_expires_at=timezone.now() + timedelta(days=1))
    assert desk.get(reverse("desk:download", args=[item.pk])).status_code == 404


@pytest.mark.parametrize("who", ["portal", "desk"])
def test_a_delivered_pdf_is_never_stored_by_a_cache(
    desk: Client, portal: Client, institution: Institution, who: str
) -> None:
    item = deliver(desk, make_copy(institution))
    client, name = (portal, "requests:download") if who == "portal" else (desk, "desk:download")

    response = client.get(reverse(name, args=[item.pk]))
    response.close()  # the file is not read here

    assert response.status_code == 200
    assert {"no-store", "private"} <= {
        part.strip() for part in response.headers["Cache-Control"].split(",")
    }
