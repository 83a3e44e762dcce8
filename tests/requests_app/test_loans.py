"""Loans in full: the loan period, use restrictions, how a loan travels, the return's condition,
the call number and location on the pull slip with a barcode, and the book band."""

import base64
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registration.models import Institution
from requests_app import search
from requests_app.models import Request, Status
from tests.requests_app.factories import make_copy, make_loan

pytestmark = pytest.mark.django_db


def act(desk: Client, item: Request, action: str, **data: Any) -> Any:
    item.refresh_from_db()
    return desk.post(
        reverse("desk:act", args=[item.pk, action]), {"seen_status": item.status, **data}
    )


def future(days: int = 21) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def shipped(desk: Client, institution: Institution, **data: Any) -> Request:
    item = make_loan(institution)
    act(desk, item, "ship", due_date=future(), **data)
    item.refresh_from_db()
    return item


def test_the_ship_form_proposes_the_loan_period(
    desk: Client, institution: Institution, settings: Any
) -> None:
    settings.REQUESTS_LOAN_DAYS = 42
    item = make_loan(institution)
    page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    proposed = (timezone.localdate() + timedelta(days=42)).isoformat()
    assert f'name="due_date" value="{proposed}"' in page and "loan period is 42 days" in page


def test_ship_records_restrictions_carrier_tracking_and_pieces(
    desk: Client, institution: Institution
) -> None:
    item = shipped(
        desk,
        institution,
        library_use_only="on",
        restriction_note="Handle with cotton gloves",
        carrier="ups",
        tracking_number="1Z999AA10123456784",
        pieces="2",
    )
    assert item.status == Status.ON_LOAN
    assert (item.library_use_only, item.no_copying, item.carrier, item.pieces) == (
        True,
        False,
        "ups",
        2,
    )
    assert item.use_restrictions == ["Library use only", "Handle with cotton gloves"]
    assert "UPS, 1Z999AA10123456784" in item.events.get(action="shipped").text


@pytest.mark.parametrize(
    ("field", "value"), [("pieces", "0"), ("pieces", "²"), ("carrier", "pigeon")]
)
def test_bad_shipping_details_are_field_errors(
    desk: Client, institution: Institution, field: str, value: str
) -> None:
    item = make_loan(institution)
    data = {"due_date": future(), "pieces": "1", field: value}
    response = act(desk, item, "ship", **data)
    item.refresh_from_db()
    assert (
        response.status_code == 400 and f'id="id_ship_{field}_error"' in response.content.decode()
    )
    assert item.status == Status.NEW


def test_return_records_the_condition(desk: Client, institution: Institution) -> None:
    item = shipped(desk, institution)
    act(desk, item, "return", condition="Spine cracked")
    item.refresh_from_db()
    assert (item.status, item.return_condition) == (Status.RETURNED, "Spine cracked")
    assert item.events.get(action="returned").text == "Spine cracked"


def test_a_recall_brings_the_due_date_forward_and_tells_the_library(
    desk: Client,
    institution: Institution,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    item = make_loan(institution, patron_ref="TN:42")
    act(desk, item, "ship", due_date=future())
    with django_capture_on_commit_callbacks(execute=True):
        act(desk, item, "recall", due_date=future(3))
    item.refresh_from_db()
    assert (item.status, item.due_date.isoformat()) == (Status.ON_LOAN, future(3))  # type: ignore[union-attr]
    assert item.events.get(action="recalled").text == f"Recalled: to be returned by {future(3)}."
    recalled = mailoutbox[-1]
    assert recalled.to == [institution.email]
    assert f"recalled, please return by {future(3)}" in recalled.subject
    assert str(item.pk) in recalled.subject and "TN:42" in recalled.subject


def test_a_recall_date_in_the_past_is_a_field_error(desk: Client, institution: Institution) -> None:
    item = shipped(desk, institution)
    due = item.due_date
    response = act(desk, item, "recall", due_date=future(-1))
    item.refresh_from_db()
    assert response.status_code == 400 and item.due_date == due
    assert "cannot be in the past" in response.content.decode()


def test_staff_record_call_number_and_location_for_the_slip(
    desk: Client, institution: Institution
) -> None:
    item = make_loan(institution)
    act(
        desk,
        item,
        "holding",
        shelf_call_number="PS3545 .H16",
        location="Jefferson stacks, deck 4",
    )
    slip = desk.get(reverse("desk:slip", args=[item.pk])).content.decode()
    assert "PS3545 .H16" in slip and "Jefferson stacks, deck 4" in slip
    assert search.search(Request.objects.all(), "PS3545") == [Request.objects.get(pk=item.pk)]


def test_the_library_never_sees_where_the_office_shelves_the_item(
    desk: Client, portal: Client, institution: Institution
) -> None:
    item = make_loan(institution)
    act(desk, item, "holding", call_number="PS3545 .H16", location="Jefferson stacks, deck 4")
    page = portal.get(reverse("requests:detail", args=[item.pk])).content.decode()
    # (A call number the library gave itself stays in its citation; the office's own shelf
    # location and the event that records it are staff-only.)
    assert "Jefferson stacks" not in page and "Call number and location recorded" not in page
    staff_page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    assert "Call number and location recorded" in staff_page


def test_the_holding_form_starts_from_the_current_values(
    desk: Client, institution: Institution
) -> None:
    item = make_loan(institution, shelf_call_number="QA76 .A1")
    page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    assert 'name="shelf_call_number" value="QA76 .A1"' in page


def test_a_stale_holding_form_writes_nothing(desk: Client, institution: Institution) -> None:
    item = make_loan(institution)
    Request.objects.filter(pk=item.pk).update(status=Status.IN_PROCESS)
    url = reverse("desk:act", args=[item.pk, "holding"])
    desk.post(url, {"seen_status": "new", "call_number": "Z1", "location": "X"})
    item.refresh_from_db()
    assert item.call_number == "" and not item.events.filter(action="holding").exists()


def test_the_slip_has_a_code_128_barcode_of_the_request_number(
    desk: Client, institution: Institution
) -> None:
    item = make_loan(institution)
    slip = desk.get(reverse("desk:slip", args=[item.pk])).content.decode()
    src = slip.split('<img class="barcode" src="')[1].split('"')[0]
    svg = base64.b64decode(src.removeprefix("data:image/svg+xml;base64,")).decode()
    assert "python-barcode" in svg and svg.count("<rect") > 10
    assert f'alt="Barcode of request number {item.pk}"' in slip


def test_the_book_band_shows_due_date_and_restrictions(
    desk: Client, institution: Institution
) -> None:
    item = shipped(desk, institution, no_copying="on")
    band = desk.get(reverse("desk:band", args=[item.pk])).content.decode()
    assert future() in band and "No copying" in band and institution.name in band


def test_copies_have_no_book_band(desk: Client, institution: Institution) -> None:
    item = make_copy(institution)
    assert desk.get(reverse("desk:band", args=[item.pk])).status_code == 404


def test_staff_pages_call_the_patron_reference_the_librarys(
    desk: Client, portal: Client, institution: Institution
) -> None:
    item = make_loan(institution, patron_ref="BKL-2024-77")
    library_ref = "<dt>The library's reference</dt><dd>BKL-2024-77</dd>"
    for url in (reverse("desk:detail", args=[item.pk]), reverse("desk:slip", args=[item.pk])):
        page = desk.get(url).content.decode()
        assert library_ref in page and "Your reference" not in page
    slips = desk.post(reverse("desk:batch"), {"batch": "slips", "pick": [f"{item.pk}:new"]})
    assert library_ref in slips.content.decode()
    own = portal.get(reverse("requests:detail", args=[item.pk])).content.decode()
    assert "<dt>Your reference</dt><dd>BKL-2024-77</dd>" in own


def test_the_book_band_names_the_lending_office_and_its_return_address(
    desk: Client, institution: Institution, settings: Any
) -> None:
    settings.OFFICE_NAME = "Library of Congress Interlibrary Loan"
    settings.OFFICE_ADDRESS = "101 Independence Ave SE\nWashington, DC 20540-4570"
    item = shipped(desk, institution)
    band = desk.get(reverse("desk:band", args=[item.pk])).content.decode()
    assert "property of the lending office" not in band
    assert f"Interlibrary loan {item.pk}: property of Library of Congress Interlibrary Loan" in band
    returned_to = band.split('<address class="band-return">')[1].split("</address>")[0]
    assert "101 Independence Ave SE<br>Washington, DC 20540-4570" in returned_to


@pytest.mark.parametrize("page", ["desk:slip", "desk:band"])
def test_the_barcode_has_its_number_printed_under_it(
    desk: Client, institution: Institution, page: str
) -> None:
    item = make_loan(institution)
    printed = desk.get(reverse(page, args=[item.pk])).content.decode()
    figure = printed.split('<figure class="barcode-figure">')[1].split("</figure>")[0]
    assert '<img class="barcode"' in figure
    assert f'<figcaption class="barcode-number" aria-hidden="true">{item.pk}</figcaption>' in figure


def test_a_finished_request_offers_no_claim_slip_or_band(
    desk: Client, institution: Institution
) -> None:
    item = make_loan(institution)
    open_page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    assert reverse("desk:slip", args=[item.pk]) in open_page
    assert reverse("desk:band", args=[item.pk]) in open_page
    assert reverse("desk:claim", args=[item.pk]) in open_page
    desk.post(
        reverse("desk:act", args=[item.pk, "refuse"]),
        {"seen_status": "new", "refusal_reason": "not_owned", "confirm": "on"},
    )
    item.refresh_from_db()
    assert item.status == Status.REFUSED
    page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    for url in ("desk:slip", "desk:band", "desk:claim"):
        assert reverse(url, args=[item.pk]) not in page
    queue = desk.get(reverse("desk:queues"), {"queue": "finished"}).content.decode()
    assert f'value="{item.pk}:refused"' not in queue and 'value="claim"' not in queue


def test_a_finished_request_cannot_be_claimed(desk: Client, institution: Institution) -> None:
    item = make_loan(institution)
    Request.objects.filter(pk=item.pk).update(status=Status.CANCELLED)
    response = desk.post(reverse("desk:claim", args=[item.pk]), follow=True)
    assert "is finished: there is nothing to claim" in response.content.decode()
    item.refresh_from_db()
    assert item.claimed_by is None and not item.events.filter(action="claimed").exists()
