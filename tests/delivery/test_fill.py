"""A copy filled on the desk from scans: one PDF that reads, declares itself and carries the
section 108(a)(3) notice on a tagged cover page (docs/delivery.md)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pdfua
import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from delivery import checks, cover
from delivery.models import Delivery
from registration.models import Institution
from requests_app.models import Request, RequestEvent, Status
from tests.delivery import scans
from tests.requests_app.factories import make_copy

pytestmark = pytest.mark.django_db

FIRST = ["interlibrary", "photocopy", "periodical", "manuscript"]
SECOND = ["catalogue", "archive", "lending", "scholarship"]


@pytest.fixture
def fill(desk: Client, django_capture_on_commit_callbacks: Any) -> Any:
    """Fill on the desk; the tasks queued after commit run in-process (the embedded default)."""

    def post(item: Request, *files: SimpleUploadedFile, **extra: Any) -> Any:
        data = {"seen_status": item.status, "delivery_method": "electronic", "scans": list(files)}
        data |= {"language": "eng", **extra}
        with django_capture_on_commit_callbacks(execute=True):
            return desk.post(reverse("desk:act", args=[item.pk, "fill"]), data)

    return post


def delivered(item: Request) -> bytes:
    item.refresh_from_db()
    with item.delivered_file.open("rb") as stored:
        return stored.read()


def test_image_only_scans_are_delivered_as_one_searchable_tagged_pdf(
    fill: Any, institution: Institution
) -> None:
    item = make_copy(institution)
    png = SimpleUploadedFile("page-1.png", scans.png(scans.page(FIRST * 3)))
    tif = SimpleUploadedFile("page-2.tif", scans.tiff(scans.page(SECOND * 3, angle=-2)))
    fill(item, png, tif)
    pdf = delivered(item)
    text = scans.text_of(pdf).lower()
    assert item.status == Status.DELIVERED
    assert all(word in text for word in FIRST + SECOND)
    assert cover.LEGEND.split(".")[0].lower() in " ".join(text.split())
    with pikepdf.open(io.BytesIO(pdf)) as done:
        assert len(done.pages) == 3
        assert str(done.docinfo["/Title"]) == cover.citation(item)
        assert str(done.Root.Lang) == "en"


def test_the_delivered_file_passes_its_checks(fill: Any, institution: Institution) -> None:
    item = make_copy(institution)
    fill(item, SimpleUploadedFile("born-digital.pdf", scans.text_pdf("Kept words")))
    item.refresh_from_db()
    assert checks.problems(item.delivered_file.path) == []


def test_the_checkers_report_is_clean_but_for_the_scans_untagged_pages(
    fill: Any, institution: Institution
) -> None:
    item = make_copy(institution)
    fill(item, SimpleUploadedFile("page.png", scans.png(scans.page(FIRST * 3))))
    item.refresh_from_db()
    path = item.delivered_file.path
    report = pdfua.validate(path)
    failed = {(finding.rule_id, finding.location.page) for finding in report.findings}
    assert failed == {(checks.UNTAGGED_CONTENT, 2)}  # the scanned page, never the cover
    assert {outcome.rule_id for outcome in report.outcomes} >= {
        "UA-01-002",  # MarkInfo
        "UA-01-005",  # structure tree
        "UA-06-001",  # language
        "UA-07-001",  # title
        "UA-07-002",  # DisplayDocTitle
        "UA-13-004",  # figures' alternative text
    }
    assert checks.problems(path) == []


def test_a_file_without_a_tagged_cover_fails_the_checker(tmp_path: Path) -> None:
    untagged = tmp_path / "untagged.pdf"
    untagged.write_bytes(scans.text_pdf("Words with no structure"))
    found = checks.checker_report(untagged, tagged_pages=set())
    assert any(problem.startswith("UA-01-005") for problem in found)  # no structure tree
    assert any(problem.startswith("UA-07-001") for problem in found)  # no title


def test_an_existing_text_layer_is_kept(fill: Any, institution: Institution) -> None:
    item = make_copy(institution)
    fill(item, SimpleUploadedFile("digital.pdf", scans.text_pdf("Quintessential words")))
    assert "Quintessential words 1" in scans.text_of(delivered(item))
    steps = RequestEvent.objects.filter(request=item).values_list("staff_note", flat=True)
    assert any("added on 0 page(s), kept on 1" in note for note in steps)


def test_the_notice_staff_typed_is_on_the_cover(fill: Any, institution: Institution) -> None:
    item = make_copy(institution)
    upload = SimpleUploadedFile("digital.pdf", scans.text_pdf("Body"))
    fill(item, upload, notice="Copyright 1998 Example Press")
    assert "Copyright 1998 Example Press" in scans.text_of(delivered(item)).split("Body")[0]


def test_each_step_is_on_the_timeline(fill: Any, institution: Institution) -> None:
    item = make_copy(institution)
    fill(item, SimpleUploadedFile("digital.pdf", scans.text_pdf("Body")))
    notes = " ".join(RequestEvent.objects.filter(request=item).values_list("staff_note", flat=True))
    for step in ("received", "Files joined", "Text layer", "Cover page"):
        assert step in notes
    assert Delivery.objects.get(request=item).status == Delivery.Status.DELIVERED


def test_the_request_page_shows_how_far_the_copy_has_come(
    fill: Any, desk: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    fill(item, SimpleUploadedFile("digital.pdf", scans.text_pdf("Body")))
    page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    panel = page.split('id="delivery-heading"')[1].split("</section>")[0]
    assert "<strong>Delivered</strong>" in panel and "1 page." in panel


def test_a_second_electronic_fill_waits_for_the_first(
    desk: Client, institution: Institution, staff: Any, media_root: Path
) -> None:
    item = make_copy(institution)
    Delivery.objects.create(request=item, status=Delivery.Status.PREPARING, created_by=staff)
    data = {"seen_status": "new", "delivery_method": "electronic", "language": "eng"}
    upload = SimpleUploadedFile("digital.pdf", scans.text_pdf("Body"))
    response = desk.post(reverse("desk:act", args=[item.pk, "fill"]), {**data, "scans": upload})
    page = desk.get(response["Location"]).content.decode()
    assert "already has an electronic copy being prepared" in page
    assert Delivery.objects.count() == 1 and Request.objects.get(pk=item.pk).status == Status.NEW
    assert not any(Path(media_root).rglob("*.pdf"))
