"""Renewals: the library asks before the due date (REQUESTS_RENEWALS_MAX times at most, from
REQUESTS_RENEWAL_WINDOW_DAYS before it); staff approve with a new due date or decline with a
reason; each step is emailed to the other side."""

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registration.models import Institution
from requests_app import services
from requests_app.models import Action, Request, RequestEvent
from tests.requests_app.factories import make_loan
from tests.requests_app.test_desk import act

pytestmark = pytest.mark.django_db


def _on_loan(institution: Institution, staff: Any, *, due_in: int, renewals: int = 0) -> Request:
    loan = make_loan(institution, patron_ref="TN:88")
    due = timezone.localdate() + timedelta(days=due_in)
    services.ship_loan(loan, seen="new", due_date=due, acting_user=staff)
    Request.objects.filter(pk=loan.pk).update(renewals=renewals)
    loan.refresh_from_db()
    return loan


def _ask(portal: Client, loan: Request, note: str = "") -> Any:
    return portal.post(reverse("requests:renew", args=[loan.pk]), {"note": note})


def test_a_library_asks_for_a_renewal_and_the_office_is_emailed(
    portal: Client,
    institution: Institution,
    staff: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    loan = _on_loan(institution, staff, due_in=5)
    page = portal.get(reverse("requests:detail", args=[loan.pk])).content.decode()
    assert "Ask for a renewal" in page
    with django_capture_on_commit_callbacks(execute=True):
        _ask(portal, loan, "Our patron needs two more weeks")
    loan.refresh_from_db()
    assert loan.renewal_requested_at is not None
    [message] = mail.outbox
    assert message.to == [settings.OFFICE_EMAIL]
    assert "renewal asked for" in message.subject
    assert "Our patron needs two more weeks" in message.body
    page = portal.get(reverse("requests:detail", args=[loan.pk])).content.decode()
    assert "You asked for a renewal on" in page and "Ask for a renewal</button>" not in page


@pytest.mark.parametrize(
    ("due_in", "renewals", "says"),
    [
        (20, 0, "You can ask for a renewal from"),
        (5, 2, "renewed 2 times, the most allowed"),
    ],
)
def test_outside_the_rules_the_library_cannot_ask(
    portal: Client, institution: Institution, staff: Any, due_in: int, renewals: int, says: str
) -> None:
    loan = _on_loan(institution, staff, due_in=due_in, renewals=renewals)
    page = portal.get(reverse("requests:detail", args=[loan.pk])).content.decode()
    assert says in page and "Ask for a renewal</button>" not in page
    _ask(portal, loan)
    loan.refresh_from_db()
    assert loan.renewal_requested_at is None
    assert not RequestEvent.objects.filter(action=Action.RENEWAL_REQUESTED).exists()


def test_an_overdue_loan_cannot_be_renewed_from_the_portal(
    portal: Client, institution: Institution, staff: Any
) -> None:
    loan = _on_loan(institution, staff, due_in=5)
    Request.objects.filter(pk=loan.pk).update(
        status="overdue", due_date=timezone.localdate() - timedelta(days=1)
    )
    page = portal.get(reverse("requests:detail", args=[loan.pk])).content.decode()
    assert "overdue and can no longer be renewed here" in page
    _ask(portal, loan)
    assert Request.objects.get(pk=loan.pk).renewal_requested_at is None


def test_the_window_is_a_setting(
    portal: Client, institution: Institution, staff: Any, settings: Any
) -> None:
    settings.REQUESTS_RENEWAL_WINDOW_DAYS = 30
    loan = _on_loan(institution, staff, due_in=20)
    _ask(portal, loan)
    assert Request.objects.get(pk=loan.pk).renewal_requested_at is not None


def test_asking_twice_records_one_request(
    portal: Client, institution: Institution, staff: Any
) -> None:
    loan = _on_loan(institution, staff, due_in=5)
    _ask(portal, loan)
    response = _ask(portal, loan)
    assert response.status_code == 302
    assert RequestEvent.objects.filter(action=Action.RENEWAL_REQUESTED).count() == 1


def test_staff_approve_with_a_new_due_date_and_the_library_is_told(
    portal: Client,
    desk: Client,
    institution: Institution,
    staff: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    loan = _on_loan(institution, staff, due_in=5)
    _ask(portal, loan)
    new_due = timezone.localdate() + timedelta(days=40)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        act(desk, loan, "renew", due_date=new_due.isoformat())
    loan.refresh_from_db()
    assert (loan.due_date, loan.renewals, loan.renewal_requested_at) == (new_due, 1, None)
    [message] = mail.outbox
    assert message.subject == f"Loan request {loan.pk} (your ref. TN:88): renewed until {new_due}"


def test_staff_decline_with_a_reason_and_the_library_is_told(
    portal: Client,
    desk: Client,
    institution: Institution,
    staff: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    loan = _on_loan(institution, staff, due_in=5)
    _ask(portal, loan)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        act(desk, loan, "decline_renewal", reason="Another library is waiting for it")
    loan.refresh_from_db()
    assert loan.renewal_requested_at is None and loan.renewals == 0
    [message] = mail.outbox
    assert message.to == [institution.email]
    assert message.subject.endswith(f"renewal declined, still due {loan.due_date}")
    assert "Another library is waiting for it" in message.body
    page = portal.get(reverse("requests:detail", args=[loan.pk])).content.decode()
    assert "Renewal declined: Another library is waiting for it" in page


def test_declining_is_offered_only_while_a_renewal_is_asked_for(
    desk: Client, institution: Institution, staff: Any
) -> None:
    loan = _on_loan(institution, staff, due_in=5)
    page = desk.get(reverse("desk:detail", args=[loan.pk])).content.decode()
    assert "Decline the renewal" not in page
    act(desk, loan, "decline_renewal", reason="No")
    assert not RequestEvent.objects.filter(action=Action.RENEWAL_DECLINED).exists()
