"""The scan is read in the language of its text (docs/delivery.md, "Languages"): the citation's
language in any of its usual forms, English when it is unknown; the delivery records the
language read in, and the delivered file declares it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from delivery.models import Delivery, tesseract_code
from registration.models import Institution
from requests_app.models import RequestEvent, Status
from tests.delivery import scans
from tests.requests_app.factories import make_copy

pytestmark = pytest.mark.django_db

FRENCH = ["Bibliothèque", "publiée", "numéro", "siècle"]
GERMAN = ["Übersetzung", "Bücher", "Größe", "Verfügung"]
ENGLISH = ["interlibrary", "photocopy", "periodical", "manuscript"]


def test_a_french_scan_is_read_in_the_citations_language_and_declares_it(
    desk: Client, institution: Institution, django_capture_on_commit_callbacks: Any
) -> None:
    item = make_copy(institution, language="fre")  # MARC's ISO 639-2/B code
    page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    assert '<option value="fra" selected>French</option>' in page
    scan = SimpleUploadedFile("page.png", scans.png(scans.page(FRENCH * 3)))
    data = {"seen_status": item.status, "delivery_method": "electronic", "scans": [scan]}
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(reverse("desk:act", args=[item.pk, "fill"]), data | {"language": "fra"})
    item.refresh_from_db()
    assert item.status == Status.DELIVERED
    with item.delivered_file.open("rb") as stored:
        pdf = stored.read()
    text = scans.text_of(pdf)
    assert all(word in text for word in FRENCH), text
    assert Delivery.objects.get(request=item).language == "fra"
    with pikepdf.open(io.BytesIO(pdf)) as done:
        assert str(done.Root.Lang) == "fr"
    notes = RequestEvent.objects.filter(request=item).values_list("staff_note", flat=True)
    assert any("read as French" in note for note in notes)


def test_a_citation_in_a_language_not_offered_starts_the_form_at_english(
    desk: Client, institution: Institution
) -> None:
    item = make_copy(institution, language="Old Norse")
    page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    assert '<option value="eng" selected>English</option>' in page


def test_the_library_gives_the_language_with_its_copy_request(portal: Client) -> None:
    form = portal.get(reverse("requests:new_copy")).content.decode()
    assert '<label for="id_language">Language of the text</label>' in form


def _hot_folder(tmp_path: Path, name: str, words: list[str]) -> Path:
    hot = tmp_path / "hot"
    hot.mkdir()
    (hot / name).write_bytes(scans.image_pdf(scans.page(words * 3)))
    return hot


def test_a_german_scan_from_the_hot_folder_is_read_in_the_citations_form_of_german(
    tmp_path: Path, institution: Institution, django_capture_on_commit_callbacks: Any
) -> None:
    item = make_copy(institution)
    hot = _hot_folder(tmp_path, f"{item.pk}.pdf", GERMAN)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("deliver_scans", str(hot), language="ger")  # MARC's ISO 639-2/B code
    delivery = Delivery.objects.get(request=item)
    assert delivery.status == Delivery.Status.READY
    assert delivery.language == "deu"
    assert all(word in delivery.text_found for word in GERMAN), delivery.text_found


def test_a_batch_scan_is_read_in_the_language_of_the_request_it_finds(
    tmp_path: Path, institution: Institution, django_capture_on_commit_callbacks: Any
) -> None:
    item = make_copy(institution, language="German")
    hot = _hot_folder(tmp_path, f"{item.pk}.pdf", GERMAN)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("deliver_scans", str(hot))
    delivery = Delivery.objects.get(request=item)
    assert delivery.language == "deu"
    assert all(word in delivery.text_found for word in GERMAN), delivery.text_found


def test_an_unknown_language_is_read_as_english(
    tmp_path: Path, institution: Institution, django_capture_on_commit_callbacks: Any
) -> None:
    item = make_copy(institution)
    hot = _hot_folder(tmp_path, f"{item.pk}.pdf", ENGLISH)
    errors = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("deliver_scans", str(hot), language="Old Norse", stderr=errors)
    delivery = Delivery.objects.get(request=item)
    assert "Unknown language 'Old Norse': read as English." in errors.getvalue()
    assert delivery.status == Delivery.Status.READY
    assert delivery.language == "eng"
    assert all(word in delivery.text_found.lower() for word in ENGLISH)


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("fr", "fra"),
        ("fre", "fra"),
        ("FRA", "fra"),
        ("French", "fra"),
        ("fr-CA", "fra"),
        ("de", "deu"),
        ("ger", "deu"),
        ("pt_BR", "por"),
        ("Latin", "lat"),
        ("ru", "rus"),
        ("Old Norse", None),
        ("", None),
        ("non", None),
    ],
)
def test_a_citations_language_maps_to_tesseracts_code(written: str, code: str | None) -> None:
    assert tesseract_code(written) == code
