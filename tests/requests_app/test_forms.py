"""Every form's validation: the error next to its field, the typed values kept, nothing stored."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registration.models import Institution
from requests_app.models import Request
from tests.requests_app.factories import make_copy
from tests.requests_app.test_submit import COPY_POST, LOAN_POST

pytestmark = pytest.mark.django_db


def _field_error(page: str, field: str) -> bool:
    return f'id="id_{field}_error"' in page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("isbn", "978-0-262-03384-9"),
        ("issn", "0028-0837"),
        ("lccn", "85-2345678"),
        ("lccn", "abcd12345678"),
        ("oclc_number", "12ab"),
        ("max_cost", "-5"),
        ("need_by", "2001-01-01"),
    ],
)
def test_loan_form_shows_the_error_next_to_the_bad_identifier(
    portal: Client, field: str, value: str
) -> None:
    page = portal.post(reverse("requests:new_loan"), {**LOAN_POST, field: value}).content.decode()
    assert _field_error(page, field)
    assert Request.objects.count() == 0


def test_loan_form_keeps_what_was_typed(portal: Client) -> None:
    page = portal.post(reverse("requests:new_loan"), {**LOAN_POST, "isbn": "123"}).content
    assert b'value="A Book"' in page and b'value="123"' in page


def test_loan_form_requires_the_last_resort_attestation(portal: Client) -> None:
    data = {k: v for k, v in LOAN_POST.items() if k != "tried_elsewhere"}
    page = portal.post(reverse("requests:new_loan"), data).content.decode()
    assert _field_error(page, "tried_elsewhere")


def test_loan_form_requires_a_title(portal: Client) -> None:
    page = portal.post(reverse("requests:new_loan"), {**LOAN_POST, "title": ""}).content.decode()
    assert _field_error(page, "title")


def test_loan_form_stores_the_normalised_lccn(portal: Client) -> None:
    portal.post(reverse("requests:new_loan"), {**LOAN_POST, "lccn": "n78-89035"})
    assert Request.objects.get().lccn == "n78089035"


def test_loan_form_stores_the_isbn_compact(portal: Client) -> None:
    portal.post(reverse("requests:new_loan"), {**LOAN_POST, "isbn": "978-0-262-03384-8"})
    assert Request.objects.get().isbn == "9780262033848"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"statement": ""}, "statement"),
        ({"statement": "CCL", "basis": ""}, "basis"),
        ({"statement": "CCL", "basis": "fair_use", "note": ""}, "note"),
        ({"statement": "CCL", "basis": "own_copy"}, "own_copy_covers_item"),
        ({"publication_date": "May 2024"}, "publication_date"),
        ({"publication_date": ""}, "publication_date"),
        ({"issn": "1234-5678"}, "issn"),
        ({"isbn": "12345"}, "isbn"),
        # Digits of another script (Arabic-Indic here) after a first ASCII one.
        ({"pmid": "2\u0667\u0662\u0668\u0669"}, "pmid"),
        ({"doi": "10.\u0661\u0660\u0660\u0667/abc"}, "doi"),
        ({"title": ""}, "title"),
        ({"work_kind": ""}, "work_kind"),
        ({"pages": "ten to twenty"}, "pages"),
        ({"extent": "part", "total_pages": ""}, "total_pages"),
        ({"extent": "part", "pages": ""}, "pages"),
    ],
)
def test_copy_form_shows_the_error_next_to_the_field(
    portal: Client, changes: dict[str, str], field: str
) -> None:
    page = portal.post(reverse("requests:new_copy"), {**COPY_POST, **changes}).content.decode()
    assert _field_error(page, field)
    assert Request.objects.count() == 0


def test_copy_form_puts_an_implausible_issue_year_next_to_the_date(
    portal: Client, settings: Any
) -> None:
    """Rule R1 returns an article dated later than next year: the form says so next to the date,
    with what was typed kept, and the latest year it takes is accepted."""
    latest = timezone.localdate().year + settings.COPYRIGHT_MAX_FUTURE_YEARS
    url = reverse("requests:new_copy")
    page = portal.post(url, {**COPY_POST, "publication_date": f"{latest + 1}-03"}).content.decode()
    assert _field_error(page, "publication_date") and f"later than {latest}" in page
    assert 'value="On tests"' in page and Request.objects.count() == 0
    portal.post(url, {**COPY_POST, "publication_date": f"{latest}-03"})
    assert Request.objects.get().publication_date == f"{latest}-03"


def test_copy_form_keeps_what_was_typed(portal: Client) -> None:
    page = portal.post(reverse("requests:new_copy"), {**COPY_POST, "issn": "1234-5678"}).content
    assert b'value="On tests"' in page and b'value="1234-5678"' in page


def test_duplication_order_needs_one_identifier(portal: Client) -> None:
    data = {**COPY_POST, "title": ""}
    page = portal.post(reverse("requests:new_duplication"), data).content.decode()
    assert _field_error(page, "reproduction_number")


def test_staff_fill_form_refuses_a_file_that_is_not_a_pdf(
    desk: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    upload = SimpleUploadedFile("copy.pdf", b"GIF89a not a pdf", content_type="application/pdf")
    data = {"seen_status": "new", "delivery_method": "electronic", "scans": upload}
    response = desk.post(reverse("desk:act", args=[item.pk, "fill"]), data)
    assert response.status_code == 400 and b"not a PDF, TIFF, JPEG or PNG file" in response.content


def test_staff_fill_form_refuses_a_file_over_the_size_limit(
    desk: Client, institution: Institution, settings: Any
) -> None:
    settings.REQUESTS_MAX_UPLOAD_BYTES = 100
    item = make_copy(institution)
    upload = SimpleUploadedFile("copy.pdf", b"%PDF-1.4" + b"x" * 200)
    data = {"seen_status": "new", "delivery_method": "electronic", "scans": upload}
    response = desk.post(reverse("desk:act", args=[item.pk, "fill"]), data)
    assert response.status_code == 400 and b"larger than" in response.content


def test_staff_refusal_needs_a_known_reason(desk: Client, institution: Institution) -> None:
    item = make_copy(institution)
    data = {"seen_status": "new", "refusal_reason": "bored"}
    response = desk.post(reverse("desk:act", args=[item.pk, "refuse"]), data)
    assert (
        response.status_code == 400 and b'id="id_refuse_refusal_reason_error"' in response.content
    )
