"""Batch work from a queue: claim, pull slips, ship and refuse many, each compare-and-set."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registration.models import Institution
from requests_app import services
from requests_app.models import Request, Status
from tests.factories import make_staff
from tests.requests_app.factories import make_copy, make_loan

pytestmark = pytest.mark.django_db


def picks(*items: Request) -> list[str]:
    return [f"{item.pk}:{item.status}" for item in items]


def run(desk: Client, kind: str, items: list[Request], **data: Any) -> Any:
    payload = {"batch": kind, "pick": picks(*items), "back": "queue=new", **data}
    return desk.post(reverse("desk:batch"), payload)


def notes(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def due() -> str:
    return (timezone.localdate() + timedelta(days=28)).isoformat()


def test_claim_many(desk: Client, staff: User, institution: Institution) -> None:
    items = [make_loan(institution, title=f"T{n}") for n in range(3)]
    response = run(desk, "claim", items)
    assert response.status_code == 302 and response["Location"].endswith("?queue=new")
    assert Request.objects.filter(claimed_by=staff).count() == 3
    assert notes(response) == ["3 claimed."]


def test_claim_reports_a_colleagues_claim(desk: Client, institution: Institution) -> None:
    mine, theirs = make_loan(institution), make_loan(institution)
    services.claim_request(theirs, acting_user=make_staff())
    response = run(desk, "claim", [mine, theirs])
    assert notes(response) == [f"1 claimed, 1 were claimed by a colleague: request {theirs.pk}."]


def test_pull_slips_for_many_on_one_page(desk: Client, institution: Institution) -> None:
    items = [make_loan(institution, title=f"T{n}", call_number=f"QA{n} .B1") for n in range(10)]
    response = run(desk, "slips", items)
    page = response.content.decode()
    assert response.status_code == 200 and page.count('class="pull-slip"') == 10
    assert all(f"QA{n} .B1" in page for n in range(10))


def test_the_pull_slips_page_leads_back_to_the_queue_it_came_from(
    desk: Client, institution: Institution
) -> None:
    item = make_loan(institution)
    payload = {"batch": "slips", "pick": picks(item), "back": "queue=new&service=loan"}
    page = desk.post(reverse("desk:batch"), payload).content.decode()
    assert (
        f'href="{reverse("desk:queues")}?queue=new&amp;service=loan">Back to the queue</a>' in page
    )


def test_ship_five_loans_with_one_due_date(desk: Client, institution: Institution) -> None:
    items = [make_loan(institution, title=f"T{n}") for n in range(5)]
    response = run(desk, "ship", items, **{"ship-due_date": due()})
    shipped = Request.objects.filter(status=Status.ON_LOAN, due_date=due())
    assert shipped.count() == 5 and notes(response) == ["5 shipped."]
    assert all(item.record.status == "shipped" for item in shipped)


def test_ship_reports_the_request_that_changed_meanwhile(
    desk: Client, institution: Institution
) -> None:
    items = [make_loan(institution, title=f"T{n}") for n in range(3)]
    payload = {"batch": "ship", "pick": picks(*items), "ship-due_date": due()}
    services.cancel_request(items[1], seen=Status.NEW, reason="Duplicate", acting_user=None)
    response = desk.post(reverse("desk:batch"), payload)
    assert notes(response) == [f"2 shipped, 1 had changed meanwhile: request {items[1].pk}."]
    assert Request.objects.get(pk=items[1].pk).status == Status.CANCELLED


def test_ship_skips_a_copy_in_the_selection(desk: Client, institution: Institution) -> None:
    loan, copy = make_loan(institution), make_copy(institution)
    response = run(desk, "ship", [loan, copy], **{"ship-due_date": due()})
    assert notes(response) == [f"1 shipped, 1 did not allow it: request {copy.pk}."]
    assert Request.objects.get(pk=copy.pk).status == Status.NEW


def test_ship_with_a_past_due_date_is_a_field_error_and_keeps_the_selection(
    desk: Client, institution: Institution
) -> None:
    items = [make_loan(institution, title=f"T{n}") for n in range(2)]
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = run(desk, "ship", items, **{"ship-due_date": yesterday})
    page = response.content.decode()
    assert response.status_code == 400 and 'id="id_batch_ship-due_date_error"' in page
    assert all(f'id="pick-{item.pk}" checked' in page for item in items)
    assert not Request.objects.filter(status=Status.ON_LOAN).exists()


def test_refuse_many_with_one_reason(desk: Client, institution: Institution) -> None:
    items = [make_copy(institution, article_title=f"A{n}", issue=str(n)) for n in range(3)]
    data = {"refuse-refusal_reason": "in_use", "refuse-reason": "", "refuse-confirm": "on"}
    response = run(desk, "refuse", items, **data)
    refused = Request.objects.filter(status=Status.REFUSED, refusal_reason="in_use")
    assert refused.count() == 3 and notes(response) == ["3 refused."]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"refuse-refusal_reason": "in_use"}, "id_batch_refuse-confirm_error"),
        ({"refuse-confirm": "on"}, "id_batch_refuse-refusal_reason_error"),
    ],
)
def test_refuse_needs_a_reason_and_a_confirmation(
    desk: Client, institution: Institution, data: dict[str, str], error: str
) -> None:
    item = make_copy(institution)
    response = run(desk, "refuse", [item], **data)
    assert response.status_code == 400 and f'id="{error}"' in response.content.decode()
    assert Request.objects.get(pk=item.pk).status == Status.NEW


def test_nothing_selected_says_so(desk: Client) -> None:
    response = desk.post(reverse("desk:batch"), {"batch": "claim", "back": "queue=new"})
    assert response.status_code == 302 and notes(response) == ["Select at least one request first."]


def test_unknown_batch_action_is_not_found(desk: Client, institution: Institution) -> None:
    assert run(desk, "explode", [make_loan(institution)]).status_code == 404


@pytest.mark.parametrize("pick", ["x:new", "1", "²:new", "1:NEW; DROP", ""])
def test_malformed_selections_are_ignored(desk: Client, pick: str) -> None:
    response = desk.post(reverse("desk:batch"), {"batch": "claim", "pick": [pick]})
    assert response.status_code == 302 and notes(response) == ["Select at least one request first."]


def test_the_queue_offers_a_checkbox_per_request_with_its_status(
    desk: Client, institution: Institution
) -> None:
    item = make_loan(institution)
    page = desk.get(reverse("desk:queues")).content.decode()
    assert f'value="{item.pk}:new" id="pick-{item.pk}"' in page
    assert f'<label for="pick-{item.pk}" class="visually-hidden">Select request {item.pk}' in page


def batch_offers(desk: Client, queue: str) -> list[str]:
    response = desk.get(reverse("desk:queues"), {"queue": queue})
    return [row.slug for row, _ in response.context["batch"]]


@pytest.mark.parametrize(
    ("queue", "offered"),
    [
        ("new", ["ship", "refuse"]),
        ("clearance", ["refuse"]),
        ("renewals", ["renew", "decline_renewal"]),
        ("on_loan", ["renew", "decline_renewal"]),
        ("finished", []),
    ],
)
def test_a_queue_offers_the_batch_actions_its_requests_allow(
    desk: Client, queue: str, offered: list[str]
) -> None:
    assert batch_offers(desk, queue) == offered


def asking_for_renewal(institution: Institution, n: int) -> list[Request]:
    loans = [make_loan(institution, title=f"T{n}") for n in range(n)]
    Request.objects.filter(pk__in=[loan.pk for loan in loans]).update(
        status=Status.ON_LOAN, due_date=due(), renewal_requested_at=timezone.now()
    )
    return list(Request.objects.filter(pk__in=[loan.pk for loan in loans]))


def renewal_queue(desk: Client) -> list[int]:
    response = desk.get(reverse("desk:queues"), {"queue": "renewals"})
    return [item.pk for item in response.context["page"].rows]


def test_renew_many_from_the_renewal_queue(desk: Client, institution: Institution) -> None:
    loans = asking_for_renewal(institution, 3)
    new_due = (timezone.localdate() + timedelta(days=60)).isoformat()
    payload = {"batch": "renew", "pick": picks(*loans), "back": "queue=renewals"}
    response = desk.post(reverse("desk:batch"), {**payload, "renew-due_date": new_due})
    assert response["Location"].endswith("?queue=renewals") and notes(response) == ["3 renewed."]
    assert Request.objects.filter(due_date=new_due, renewals=1).count() == 3
    assert renewal_queue(desk) == []


def test_decline_many_renewals_with_one_reason(desk: Client, institution: Institution) -> None:
    loans = asking_for_renewal(institution, 2)
    not_asked = make_loan(institution)
    Request.objects.filter(pk=not_asked.pk).update(status=Status.ON_LOAN, due_date=due())
    not_asked.refresh_from_db()
    payload = {
        "batch": "decline_renewal",
        "pick": picks(*loans, not_asked),
        "back": "queue=renewals",
    }
    response = desk.post(
        reverse("desk:batch"), {**payload, "decline_renewal-reason": "Wanted here"}
    )
    assert notes(response) == [
        f"2 declined for renewal, 1 did not allow it: request {not_asked.pk}."
    ]
    assert renewal_queue(desk) == []
    assert Request.objects.filter(due_date=due(), renewals=0).count() == 3


def test_declining_many_needs_a_reason(desk: Client, institution: Institution) -> None:
    loans = asking_for_renewal(institution, 2)
    payload = {"batch": "decline_renewal", "pick": picks(*loans), "back": "queue=renewals"}
    response = desk.post(reverse("desk:batch"), payload)
    page = response.content.decode()
    assert response.status_code == 400 and 'id="id_batch_decline_renewal-reason_error"' in page
    assert renewal_queue(desk) == sorted(loan.pk for loan in loans)


def test_an_error_message_is_announced_and_takes_the_focus(
    desk: Client, institution: Institution
) -> None:
    """Nothing was done: the message is an alert that js/error-summary.js focuses on load, as a
    form's error summary is; a success message is no alert: it stands just above the list, in its
    status region, and js/desk.js focuses it so that work goes on in the list."""
    make_loan(institution)
    payload = {"batch": "claim", "back": "queue=new"}
    page = desk.post(reverse("desk:batch"), payload, follow=True).content.decode()
    assert (
        '<p class="message message-error" role="alert" tabindex="-1" data-error-summary>'
        "Select at least one request first.</p>"
    ) in page
    done = run(desk, "claim", [make_loan(institution)])
    page = desk.get(done["Location"]).content.decode()
    assert '<p class="message message-info" tabindex="-1" data-result>1 claimed.</p>' in page
