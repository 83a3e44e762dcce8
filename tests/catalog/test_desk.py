"""The holdings panel on the desk request page: look up, candidates best first and why, the
suggestion staff act on, confirming a holding; the batch look-up; pull slips in shelf order."""

import re
from typing import Any

from django.test import Client
from django.urls import reverse

from catalog import services
from catalog.models import Lookup
from registration.models import Institution
from requests_app.models import Action, Request, Status
from tests.requests_app.factories import make_copy, make_loan
from tests.services import ZebraCatalog


def _page(desk: Client, item: Request) -> str:
    return desk.get(reverse("desk:detail", args=[item.pk])).content.decode()


def _panel(page: str) -> str:
    found = re.search(r'<section class="holdings-panel".*?</section>', page, re.S)
    assert found is not None, "no holdings panel"
    return found[0]


def test_look_up_now_fills_the_panel_with_the_candidates(
    desk: Client, institution: Institution, catalog: ZebraCatalog
) -> None:
    item = make_loan(institution, oclc_number="4149398")
    assert "Not looked up yet." in _page(desk, item)
    response = desk.post(reverse("catalog:look_up", args=[item.pk]))
    assert response.status_code == 302
    page = _page(desk, item)
    assert page.index("PS2384 .M6 2001") < page.index("PS2384 .M6 1851")  # on the shelf first
    assert "Suggested: <strong>Claim and pull it from the shelf</strong>" in page


def test_confirming_a_candidate_sets_the_call_number_and_location_on_the_slip(
    desk: Client, institution: Institution, catalog: ZebraCatalog
) -> None:
    item = make_loan(institution, isbn="9780262033848", call_number="QA76.6 .C6 BORROWER")
    lookup = services.look_up(item.pk)
    assert lookup is not None
    candidate = lookup.candidates.get()
    desk.post(
        reverse("catalog:confirm", args=[item.pk]),
        {"candidate": candidate.pk, "seen_status": "new"},
    )
    item.refresh_from_db()
    assert (item.shelf_call_number, item.location) == (
        "QA76.6 .C662 2009",
        "Main Reading Room stacks",
    )
    assert item.call_number == "QA76.6 .C6 BORROWER"  # theirs, kept as they cited it
    assert "confirmed from the catalog" in item.events.get(action=Action.HOLDING).text
    slip = desk.get(reverse("desk:slip", args=[item.pk])).content.decode()
    assert "Call number: <strong>QA76.6 .C662 2009</strong>" in slip
    assert "<strong>Confirmed</strong>" in _page(desk, item)


def test_a_stale_page_confirms_nothing(
    desk: Client, institution: Institution, catalog: ZebraCatalog
) -> None:
    item = make_loan(institution, isbn="9780262033848")
    lookup = services.look_up(item.pk)
    assert lookup is not None
    desk.post(
        reverse("catalog:confirm", args=[item.pk]),
        {"candidate": lookup.candidates.get().pk, "seen_status": "in_process"},
    )
    assert Request.objects.get(pk=item.pk).shelf_call_number == ""


def test_a_candidate_of_another_request_cannot_be_confirmed(
    desk: Client, institution: Institution, catalog: ZebraCatalog
) -> None:
    mine, other = make_loan(institution), make_loan(institution, isbn="9780262033848")
    lookup = services.look_up(other.pk)
    assert lookup is not None
    response = desk.post(
        reverse("catalog:confirm", args=[mine.pk]),
        {"candidate": lookup.candidates.get().pk, "seen_status": "new"},
    )
    assert response.status_code == 404


def test_a_volume_outside_the_holdings_offers_refuse_not_owned_first(
    desk: Client, institution: Institution, catalog: ZebraCatalog
) -> None:
    item = make_copy(institution, issn="0022-0418", volume="41", publication_date="1985")
    services.look_up(item.pk)
    page = _page(desk, item)
    assert "Suggested: <strong>Refuse: not owned</strong>" in page
    assert "ISO 18626 partners are told NotHeld" in page
    assert page.index("Refuse: not owned") < page.index('id="actions-heading"')
    desk.post(
        reverse("desk:act", args=[item.pk, "refuse"]),
        {
            "seen_status": "new",
            "refusal_reason": "not_owned",
            "reason": Lookup.objects.get(request=item).suggestion_note,
            "confirm": "on",
        },
    )
    item.refresh_from_db()
    assert item.status == Status.REFUSED and item.refusal_reason == "not_owned"
    assert "v.1-40 (1945-1984); v.42-70 (1986-2014)" in item.reason


def test_a_checked_out_book_is_suggested_in_use_with_its_due_date(
    desk: Client, institution: Institution, catalog: ZebraCatalog
) -> None:
    item = make_loan(institution, isbn="9780226458083")
    services.look_up(item.pk)
    page = _page(desk, item)
    assert (
        "Suggested: <strong>Refuse: in use</strong>. In use: checked out, due back 2027-01-15"
        in (page)
    )
    assert "NotAvailableForILL" in page


def test_a_checked_out_book_also_offers_a_conditional_reply_with_its_due_date(
    desk: Client, institution: Institution, catalog: ZebraCatalog
) -> None:
    item = make_loan(institution, isbn="9780226458083")
    services.look_up(item.pk)
    panel = _panel(_page(desk, item))
    assert "Suggested: <strong>Refuse: in use</strong>" in panel  # the refusal stays offered
    form = re.search(r'<form[^>]*/conditional/"[^>]*>(.*?)</form>', panel, re.S)
    assert form is not None, "the panel offers no conditional reply"
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", form[1], re.S)
    assert textarea is not None
    conditions = textarea[1]
    assert "due back 2027-01-15" in conditions
    response = desk.post(
        reverse("desk:act", args=[item.pk, "conditional"]),
        {"seen_status": "new", "conditions": conditions},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Status.CONDITIONAL
    assert "due back 2027-01-15" in item.conditions


def test_a_book_on_the_shelf_offers_no_conditional_reply(
    desk: Client, institution: Institution, catalog: ZebraCatalog
) -> None:
    item = make_loan(institution, isbn="9780262033848")
    services.look_up(item.pk)
    panel = _panel(_page(desk, item))
    assert "Claim and pull it from the shelf" in panel
    assert "/conditional/" not in panel


def test_without_automatic_answers_a_clear_case_waits_for_staff(
    institution: Institution, catalog: ZebraCatalog
) -> None:
    item = make_loan(institution, isbn="9780226458083")
    services.look_up(item.pk)
    assert Request.objects.get(pk=item.pk).status == Status.NEW


def test_with_automatic_answers_a_clear_case_is_refused_and_says_so(
    settings: Any, institution: Institution, catalog: ZebraCatalog
) -> None:
    settings.CATALOG_AUTO_ANSWER = True
    item = make_loan(institution, isbn="9780226458083")
    services.look_up(item.pk)
    item.refresh_from_db()
    event = item.events.get(action=Action.REFUSED)
    assert item.status == Status.REFUSED and item.refusal_reason == "in_use"
    assert event.actor is None
    assert event.text == (
        "In use: checked out, due back 2027-01-15. "
        "(answered automatically from the office's catalog.)"
    )


def test_a_failed_lookup_says_when_it_is_tried_again(
    settings: Any, desk: Client, institution: Institution
) -> None:
    settings.CATALOG_SRU_URL = "http://127.0.0.1:9/Default"  # nothing listens on the discard port
    item = make_loan(institution, isbn="9780262033848")
    lookup = services.look_up(item.pk)
    assert lookup is not None and lookup.retry_at is not None
    page = _page(desk, item)
    assert "The catalog lookup failed on" in page
    assert f"It will be tried again at {lookup.retry_at.astimezone():%Y-%m-%d %H:%M}" in page


def test_the_batch_look_up_looks_up_each_selected_request(
    desk: Client, institution: Institution, catalog: ZebraCatalog
) -> None:
    items = [make_loan(institution, isbn="9780262033848"), make_loan(institution, issn="0022-0418")]
    response = desk.post(
        reverse("desk:batch"),
        {"batch": "look_up", "pick": [f"{item.pk}:new" for item in items], "back": "queue=new"},
        follow=True,
    )
    assert "2 requests sent to the catalog." in response.content.decode()
    assert Lookup.objects.filter(request__in=items, state="found").count() == 2


def test_pull_slips_come_in_shelf_order_with_the_call_number_in_large_type(
    desk: Client, institution: Institution
) -> None:
    shelved = [
        ("Main stacks", "QA76.73.C15 K47 1988"),
        ("Asian Reading Room", "DS735 .C3145"),
        ("Main stacks", "QA9 .G35 1995"),
        ("Main stacks", "QA76.6 .C662 2009"),
        ("", ""),
        ("Main stacks", "QA76.6 .C66 2001"),
    ]
    items = [
        make_loan(institution, shelf_call_number=number, location=place)
        for place, number in shelved
    ]
    response = desk.post(
        reverse("desk:batch"),
        {"batch": "slips", "pick": [f"{item.pk}:new" for item in items], "back": ""},
    )
    printed = re.findall(
        r'class="slip-call-number">Call number: <strong>([^<]*)</strong>',
        (response.content.decode()),
    )
    assert printed == [
        "DS735 .C3145",
        "QA9 .G35 1995",
        "QA76.6 .C66 2001",
        "QA76.6 .C662 2009",
        "QA76.73.C15 K47 1988",
        "not recorded yet",
    ]


def test_the_panel_is_staff_only(portal: Client, institution: Institution) -> None:
    item = make_loan(institution)
    response = portal.post(reverse("catalog:look_up", args=[item.pk]))
    assert response.status_code in (302, 403)
    assert response.status_code == 403 or "/login" in response["Location"]
