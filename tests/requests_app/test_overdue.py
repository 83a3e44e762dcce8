"""Overdue loans on a fixed clock: marked overdue after the due date, notices at +7 and +14."""

from datetime import date, timedelta
from typing import Any

import pytest

from registration.models import Institution
from requests_app import scheduled, services
from requests_app.models import Request, Status
from tests.requests_app.factories import make_loan

pytestmark = pytest.mark.django_db

DUE = date(2026, 3, 2)


@pytest.fixture
def loan(institution: Institution) -> Request:
    item = make_loan(institution)
    Request.objects.filter(pk=item.pk).update(status=Status.ON_LOAN, due_date=DUE)
    item.refresh_from_db()
    return item


def run_day(day: date, capture: Any) -> int:
    with capture(execute=True):
        scheduled.mark_overdue_loans(today=day)
        return scheduled.send_overdue_notices(today=day)


def test_loan_is_not_overdue_on_its_due_date(loan: Request) -> None:
    scheduled.mark_overdue_loans(today=DUE)
    loan.refresh_from_db()
    assert loan.status == Status.ON_LOAN


def test_loan_is_overdue_the_day_after(loan: Request) -> None:
    scheduled.mark_overdue_loans(today=DUE + timedelta(days=1))
    loan.refresh_from_db()
    assert loan.status == Status.OVERDUE


def test_no_notice_before_the_first_notice_day(
    loan: Request, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    run_day(DUE + timedelta(days=6), django_capture_on_commit_callbacks)
    assert mailoutbox == []


def test_first_notice_at_due_plus_seven(
    loan: Request, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    run_day(DUE + timedelta(days=7), django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [[loan.institution.email]]
    assert mailoutbox[0].subject.endswith(": overdue notice 1")


def test_first_notice_is_sent_once(
    loan: Request, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    for offset in (7, 8, 9):
        run_day(DUE + timedelta(days=offset), django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 1


def test_second_notice_at_due_plus_fourteen(
    loan: Request, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    for offset in (7, 14):
        run_day(DUE + timedelta(days=offset), django_capture_on_commit_callbacks)
    notices = [m.subject.split(": ")[1] for m in mailoutbox]
    assert notices == ["overdue notice 1", "overdue notice 2"]


def test_notice_days_are_configurable(
    loan: Request, settings: Any, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    settings.REQUESTS_OVERDUE_FIRST_NOTICE_DAYS = 3
    run_day(DUE + timedelta(days=3), django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 1


def test_due_soon_reminder_is_sent_once_per_due_date(
    loan: Request, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        scheduled.send_due_soon_reminders(today=DUE - timedelta(days=2))
        scheduled.send_due_soon_reminders(today=DUE - timedelta(days=1))
    assert len(mailoutbox) == 1 and "due back on 2026-03-02" in mailoutbox[0].subject


def test_returned_loan_gets_no_notice(
    loan: Request, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    services.record_return(loan, seen=Status.ON_LOAN, acting_user=None)
    run_day(DUE + timedelta(days=14), django_capture_on_commit_callbacks)
    assert mailoutbox == []
