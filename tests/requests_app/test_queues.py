"""Desk queues: filters, sorting, the current tab marked, keyset pages and bounded counts."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registration.models import Institution
from requests_app import queues, services
from requests_app.models import Request
from tests.factories import make_institution, make_staff
from tests.requests_app.factories import make_copy, make_loan

pytestmark = pytest.mark.django_db


def listed(desk: Client, **params: Any) -> list[int]:
    response = desk.get(reverse("desk:queues"), params)
    assert response.status_code == 200
    return [item.pk for item in response.context["page"].rows]


def test_the_current_queue_is_marked(desk: Client) -> None:
    page = desk.get(reverse("desk:queues"), {"queue": "on_loan"}).content.decode()
    current = [line for line in page.splitlines() if 'aria-current="page"' in line]
    assert len(current) == 1 and "?queue=on_loan" in current[0]


def test_filter_by_type(desk: Client, institution: Institution) -> None:
    loan = make_loan(institution)
    make_copy(institution)
    assert listed(desk, queue="new", service="loan") == [loan.pk]


def test_filter_by_institution_symbol_ignores_case(desk: Client, institution: Institution) -> None:
    mine = make_loan(institution)
    make_loan(make_institution())
    assert listed(desk, queue="new", institution=institution.oclc_symbol.lower()) == [mine.pk]


def test_filter_by_claim(desk: Client, staff: User, institution: Institution) -> None:
    mine, colleagues, nobodys = (make_loan(institution, title=t) for t in "ABC")
    services.claim_request(mine, acting_user=staff)
    services.claim_request(colleagues, acting_user=make_staff())
    assert listed(desk, queue="new", claimed="me") == [mine.pk]
    assert listed(desk, queue="new", claimed="nobody") == [nobodys.pk]
    assert len(listed(desk, queue="new")) == 3


def test_filter_by_age(desk: Client, institution: Institution) -> None:
    old = make_loan(institution)
    Request.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    make_loan(institution)
    assert listed(desk, queue="new", older_than="7") == [old.pk]


def test_filter_by_need_by_date(desk: Client, institution: Institution) -> None:
    soon = make_loan(institution, need_by=timezone.localdate() + timedelta(days=3))
    make_loan(institution, need_by=timezone.localdate() + timedelta(days=30))
    make_loan(institution)
    day = (timezone.localdate() + timedelta(days=5)).isoformat()
    assert listed(desk, queue="new", need_by=day) == [soon.pk]


def test_filter_by_copyright_outcome(desk: Client, institution: Institution) -> None:
    copy = make_copy(institution)
    make_loan(institution)
    assert listed(desk, queue="new", outcome=copy.record.outcome) == [copy.pk]


def test_status_filter_within_the_finished_queue(desk: Client, institution: Institution) -> None:
    refused, cancelled = make_loan(institution), make_loan(institution)
    Request.objects.filter(pk=refused.pk).update(status="refused", refusal_reason="policy")
    Request.objects.filter(pk=cancelled.pk).update(status="cancelled")
    assert listed(desk, queue="finished", status="refused") == [refused.pk]


def test_sort_by_need_by_puts_undated_last(desk: Client, institution: Institution) -> None:
    undated = make_loan(institution)
    later = make_loan(institution, need_by=timezone.localdate() + timedelta(days=9))
    sooner = make_loan(institution, need_by=timezone.localdate() + timedelta(days=2))
    assert listed(desk, queue="new", sort="need_by") == [sooner.pk, later.pk, undated.pk]


def test_open_queues_oldest_first_finished_newest_first(
    desk: Client, institution: Institution
) -> None:
    first, second = make_loan(institution), make_loan(institution)
    assert listed(desk, queue="new") == [first.pk, second.pk]
    Request.objects.update(status="cancelled")
    assert listed(desk, queue="finished") == [second.pk, first.pk]


@pytest.mark.parametrize("sort", [s.slug for s in queues.QUEUES["new"].sorts])
def test_keyset_pages_cover_the_queue_once_in_order(
    desk: Client, institution: Institution, settings: Any, monkeypatch: Any, sort: str
) -> None:
    monkeypatch.setattr(queues, "PAGE_SIZE", 3)
    today = timezone.localdate()
    for n in range(8):
        make_loan(
            institution, title=f"B{n}", need_by=today + timedelta(days=n % 3) if n % 4 else None
        )
    whole = listed(desk, queue="new", sort=sort)
    assert len(whole) == 3
    seen: list[int] = []
    after = ""
    while True:
        response = desk.get(reverse("desk:queues"), {"queue": "new", "sort": sort, "after": after})
        seen += [item.pk for item in response.context["page"].rows]
        after = response.context["page"].next_after
        if after is None:
            break
    everything = Request.objects.filter(status="new")
    assert sorted(seen) == sorted(everything.values_list("pk", flat=True))
    assert seen[:3] == whole


def test_counts_stop_at_the_cap(desk: Client, institution: Institution, monkeypatch: Any) -> None:
    monkeypatch.setattr(queues, "COUNT_CAP", 2)
    for n in range(4):
        make_loan(institution, title=f"C{n}")
    page = desk.get(reverse("desk:queues")).content.decode()
    assert "(2+)" in page and ("new", "New", 3) in desk.get(reverse("desk:queues")).context["tabs"]


@pytest.mark.parametrize(
    "params",
    [{"older_than": "3"}, {"sort": "sideways"}, {"need_by": "soon"}, {"claimed": "²"}],
)
def test_a_bad_filter_is_a_field_error(desk: Client, params: dict[str, str]) -> None:
    response = desk.get(reverse("desk:queues"), {"queue": "new", **params})
    name = next(iter(params))
    assert response.status_code == 200 and f'id="id_{name}_error"' in response.content.decode()


@pytest.mark.parametrize("after", ["²", "-1", "x", "9" * 30])
def test_an_odd_page_marker_shows_the_first_page(
    desk: Client, institution: Institution, after: str
) -> None:
    item = make_loan(institution)
    assert listed(desk, queue="new", after=after) == [item.pk]


def test_the_finished_queue_offers_its_own_order_first(desk: Client) -> None:
    """Without a chosen order the select shows the order the rows are in."""
    page = desk.get(reverse("desk:queues"), {"queue": "finished"}).content.decode()
    assert page.index('value="newest"') < page.index('value="oldest"')


@pytest.mark.parametrize(
    ("queue", "absent"),
    [
        ("renewals", {"service", "outcome"}),
        ("on_loan", {"service", "outcome", "status"}),
        ("clearance", {"status"}),
        ("new", {"status"}),
    ],
)
def test_a_queue_offers_only_the_filters_that_apply_to_its_requests(
    desk: Client, queue: str, absent: set[str]
) -> None:
    form = desk.get(reverse("desk:queues"), {"queue": queue}).context["form"]
    assert absent.isdisjoint(form.fields) and {"institution", "claimed", "sort"} <= set(form.fields)


# --- Renewal requests ------------------------------------------------------------------------


def _out(institution: Institution, *, status: str = "on_loan", asked_days_ago: int | None) -> int:
    """A loan out, whose library asked for a renewal that many days ago (or never)."""
    loan = make_loan(institution)
    asked = None if asked_days_ago is None else timezone.now() - timedelta(days=asked_days_ago)
    Request.objects.filter(pk=loan.pk).update(
        status=status, due_date=timezone.localdate() + timedelta(days=5), renewal_requested_at=asked
    )
    return loan.pk


def test_the_renewal_queue_lists_exactly_the_pending_renewals_oldest_request_first(
    desk: Client, institution: Institution
) -> None:
    recent = _out(institution, asked_days_ago=1)
    overdue = _out(institution, status="overdue", asked_days_ago=2)
    oldest = _out(institution, asked_days_ago=3)
    _out(institution, asked_days_ago=None)
    make_loan(institution)
    assert listed(desk, queue="renewals") == [oldest, overdue, recent]
    assert ("renewals", "Renewal requests", 3) in desk.get(reverse("desk:queues")).context["tabs"]


def test_the_renewal_queue_is_marked_and_filtered(desk: Client, institution: Institution) -> None:
    mine = _out(institution, asked_days_ago=1)
    overdue = _out(make_institution(), status="overdue", asked_days_ago=2)
    page = desk.get(reverse("desk:queues"), {"queue": "renewals"}).content.decode()
    current = [line for line in page.splitlines() if 'aria-current="page"' in line]
    assert len(current) == 1 and "?queue=renewals" in current[0]
    assert listed(desk, queue="renewals", institution=institution.oclc_symbol) == [mine]
    assert listed(desk, queue="renewals", status="overdue") == [overdue]
    assert listed(desk, queue="renewals", sort="newest") == [overdue, mine]


def test_a_row_of_the_renewal_queue_says_when_the_renewal_was_asked_for(
    desk: Client, institution: Institution
) -> None:
    _out(institution, asked_days_ago=2)
    asked = (timezone.localtime() - timedelta(days=2)).date().isoformat()
    page = desk.get(reverse("desk:queues"), {"queue": "renewals"}).content.decode()
    assert f"renewal asked for on {asked}" in page


@pytest.mark.parametrize("sort", [s.slug for s in queues.QUEUES["renewals"].sorts])
def test_keyset_pages_cover_the_renewal_queue_once_in_order(
    desk: Client, institution: Institution, monkeypatch: Any, sort: str
) -> None:
    monkeypatch.setattr(queues, "PAGE_SIZE", 2)
    loans = [_out(institution, asked_days_ago=n % 3) for n in range(7)]  # ties on the day
    seen: list[int] = []
    after = ""
    while True:
        params = {"queue": "renewals", "sort": sort, "after": after}
        page = desk.get(reverse("desk:queues"), params).context["page"]
        seen += [item.pk for item in page.rows]
        after = page.next_after
        if after is None:
            break
    assert sorted(seen) == sorted(loans)
    if sort == "renewal":
        asked = Request.objects.in_bulk(seen)
        times = [(asked[pk].renewal_requested_at, pk) for pk in seen]
        assert times == sorted(times)


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("renew", {"due_date": (timezone.localdate() + timedelta(days=40)).isoformat()}),
        ("decline_renewal", {"reason": "Another library is waiting for it"}),
        ("recall", {"due_date": timezone.localdate().isoformat()}),
        ("return", {}),
        ("lost", {"confirm": "on"}),
    ],
)
def test_answering_from_the_request_page_takes_the_loan_off_the_renewal_queue(
    desk: Client, institution: Institution, action: str, data: dict[str, str]
) -> None:
    pk = _out(institution, asked_days_ago=1)
    url = reverse("desk:act", args=[pk, action])
    response = desk.post(url, {"seen_status": "on_loan", **data})
    assert response.status_code == 302
    assert listed(desk, queue="renewals") == []
    assert Request.objects.get(pk=pk).renewal_requested_at is None


def test_the_request_page_says_a_renewal_is_asked_for_and_when_the_loan_is_due(
    desk: Client, institution: Institution
) -> None:
    pk = _out(institution, asked_days_ago=0)
    page = desk.get(reverse("desk:detail", args=[pk])).content.decode()
    due = timezone.localdate() + timedelta(days=5)
    assert f"Due back on {due.isoformat()}, renewed 0 times." in page
    assert f"The library asked for a renewal on {timezone.localdate().isoformat()}." in page


@pytest.mark.parametrize("queue", ["new", "clearance", "in_process"])
def test_reproduction_orders_have_a_filter_of_their_own(
    desk: Client, institution: Institution, queue: str
) -> None:
    copy = make_copy(institution)
    order = make_copy(institution, article_title="Plate 3", is_duplication=True)
    status = "awaiting_clearance" if queue == "clearance" else queue
    Request.objects.filter(pk__in=[copy.pk, order.pk]).update(status=status)
    params = {"queue": queue, "service": "reproduction"}
    response = desk.get(reverse("desk:queues"), params)
    assert [item.pk for item in response.context["page"].rows] == [order.pk]
    assert '<option value="reproduction" selected>Reproduction orders</option>' in (
        response.content.decode()
    )
    copies = desk.get(reverse("desk:queues"), {"queue": queue, "service": "copy"})
    assert [item.pk for item in copies.context["page"].rows] == [copy.pk]


def test_staff_pages_speak_about_the_library_not_to_it(
    desk: Client, institution: Institution
) -> None:
    conditional = make_loan(institution)
    Request.objects.filter(pk=conditional.pk).update(status="conditional")
    for n in range(3):  # no ISSN: counted under the title as cited, a key not verified
        third = make_copy(institution, issn="", article_title=f"Article {n}", issue=str(n))
    decision = third.record.latest_decision
    assert decision is not None and "unverified_title_key" in decision.flags
    pages = [
        desk.get(reverse("desk:queues"), {"queue": "conditional"}),
        desk.get(reverse("desk:detail", args=[conditional.pk])),
        desk.get(reverse("desk:detail", args=[third.pk])),
        desk.get(reverse("desk:queues"), {"q": institution.oclc_symbol}),
    ]
    text = " ".join(page.content.decode() for page in pages)
    assert "waiting for you" not in text and "your 3rd copy" not in text.lower()
    assert "unverified_title_key" not in text
    assert "Conditional reply: waiting for the library" in text
    assert f"This is {institution.oclc_symbol}&#x27;s 3rd copy" in text
    assert "title key not verified" in text


def test_the_list_has_a_waiting_column_a_skip_link_and_marks_recalled_loans(
    desk: Client, institution: Institution
) -> None:
    loan = make_loan(institution)
    Request.objects.filter(pk=loan.pk).update(
        status="on_loan",
        due_date=timezone.localdate() + timedelta(days=30),
        created_at=timezone.now() - timedelta(days=3, hours=2),
    )
    loan.refresh_from_db()
    services.recall_loan(
        loan,
        seen="on_loan",
        due_date=timezone.localdate() + timedelta(days=5),
        acting_user=None,
    )
    page = desk.get(reverse("desk:queues"), {"queue": "on_loan"}).content.decode()
    assert '<a class="skip-inline" href="#work-list">' in page and 'id="work-list"' in page
    assert page.index("skip-inline") < page.index('aria-label="Queues"')
    assert '<th scope="col">Waiting</th>' in page and ">3\xa0days</time>" in page
    row = page.split(f'id="pick-{loan.pk}"')[0].rsplit("<tr", 1)[1]
    assert 'class="recalled"' in row
    recalled_on = timezone.localdate().isoformat()
    assert f'On loan, <span class="tag tag-recalled">recalled on {recalled_on}</span>' in page
    loan.refresh_from_db()
    services.renew_loan(
        loan, seen="on_loan", due_date=timezone.localdate() + timedelta(days=40), acting_user=None
    )
    page = desk.get(reverse("desk:queues"), {"queue": "on_loan"}).content.decode()
    assert "tag-recalled" not in page


def test_a_recalled_loan_once_returned_reads_returned_on_its_date_then_when_it_was_recalled(
    desk: Client, institution: Institution
) -> None:
    loan = make_loan(institution)
    Request.objects.filter(pk=loan.pk).update(
        status="on_loan", due_date=timezone.localdate() + timedelta(days=30)
    )
    loan.refresh_from_db()
    services.recall_loan(
        loan, seen="on_loan", due_date=timezone.localdate() + timedelta(days=5), acting_user=None
    )
    services.record_return(loan, seen="on_loan", acting_user=None)
    today = timezone.localdate().isoformat()

    detail = desk.get(reverse("desk:detail", args=[loan.pk])).content.decode()
    found = desk.get(reverse("desk:queues"), {"q": str(loan.pk), "list": "1"}).content.decode()

    assert "Returned recalled" not in detail and "Returned recalled" not in found
    assert (
        f'Status: <strong class="status">Returned</strong> on {today} (recalled on {today}).'
        in detail
    )
    assert f"Returned on {today} (recalled on {today})" in found
