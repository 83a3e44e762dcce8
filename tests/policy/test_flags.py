"""The clock's flags and counts: a new request unanswered past its days to respond, counted in
working days, and need-before dates that pass (docs/policy.md, "The clock")."""

from datetime import date, datetime, time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from policy import services, tasks
from policy.models import Attention, AttentionReason, Closure, ResponseTime
from registration.models import Institution
from requests_app import services as desk
from requests_app.models import Request, RequestType, Status
from tests.requests_app.factories import make_copy, make_loan

pytestmark = pytest.mark.django_db


def local(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


FRIDAY = local(date(2026, 9, 4))  # before Labor Day, Monday 7 September 2026
WEDNESDAY, THURSDAY = date(2026, 9, 9), date(2026, 9, 10)


@pytest.fixture
def loan(institution: Institution) -> Request:
    ResponseTime.objects.create(request_type=RequestType.LOAN, working_days=2)
    item = make_loan(institution)
    received = FRIDAY
    Request.objects.filter(pk=item.pk).update(created_at=received)
    return item


def flagged(reason: str = AttentionReason.LATE) -> set[int]:
    return set(Attention.objects.filter(reason=reason).values_list("request_id", flat=True))


def test_not_flagged_on_its_last_working_day_across_a_weekend_and_a_federal_holiday(
    loan: Request,
) -> None:
    services.flag_requests(WEDNESDAY)  # six calendar days on, two working days
    assert flagged() == set()


def test_flagged_the_working_day_after_its_days_to_respond(loan: Request) -> None:
    services.flag_requests(THURSDAY)
    assert flagged() == {loan.pk}


def test_a_closure_staff_entered_gives_it_another_day(loan: Request) -> None:
    Closure.objects.create(day=date(2026, 9, 8), note="Building closed")
    services.flag_requests(THURSDAY)
    assert flagged() == set()


def test_a_service_without_days_to_respond_is_not_timed(institution: Institution) -> None:
    item = make_copy(institution)
    Request.objects.filter(pk=item.pk).update(created_at=FRIDAY)
    services.flag_requests(THURSDAY)
    assert flagged() == set()


def test_answering_it_removes_the_flag(loan: Request, staff: Any) -> None:
    services.flag_requests(THURSDAY)
    desk.accept_request(loan, seen=Status.NEW, acting_user=staff)
    services.flag_requests(THURSDAY)
    assert flagged() == set()


def test_the_periodic_task_flags_a_request_weeks_old(loan: Request) -> None:
    assert tasks.flag_requests.apply().get() == 1
    assert flagged() == {loan.pk}


def test_a_passed_need_before_date_flags_an_open_request(institution: Institution) -> None:
    soon, later = make_loan(institution), make_loan(institution)
    Request.objects.filter(pk=soon.pk).update(need_by=date(2026, 9, 8))
    Request.objects.filter(pk=later.pk).update(need_by=THURSDAY)
    services.flag_requests(THURSDAY)
    assert flagged(AttentionReason.NEED_BY_PASSED) == {soon.pk}
    assert Request.objects.get(pk=soon.pk).status == Status.NEW


def test_the_office_may_have_passed_need_before_dates_unfilled(
    institution: Institution, settings: Any
) -> None:
    settings.POLICY_UNFILL_PASSED_NEED_BY = True
    item = make_loan(institution)
    Request.objects.filter(pk=item.pk).update(need_by=date(2026, 9, 8))
    services.flag_requests(THURSDAY)
    item.refresh_from_db()
    assert (item.status, item.refusal_reason) == (Status.REFUSED, Request.RefusalReason.POLICY)
    assert item.events.filter(action="refused", text__contains="2026-09-08").exists()


def test_the_staff_home_counts_what_is_due_today_and_overdue(
    desk: Client, institution: Institution
) -> None:
    ResponseTime.objects.create(request_type=RequestType.LOAN, working_days=1)
    today = timezone.localdate()
    received = local(date(today.year - 1, 1, 5))
    old = make_loan(institution)
    Request.objects.filter(pk=old.pk).update(created_at=received)
    calendar = services.office_calendar(today, today)
    last = calendar.received_by(today, 1)
    due = make_loan(institution)
    at_noon = local(last, 12)
    Request.objects.filter(pk=due.pk).update(created_at=at_noon)
    make_loan(institution)  # received today: not due yet
    counts = desk.get(reverse("desk:home")).context["clock"]
    assert (counts.due_today, counts.overdue) == (
        int(calendar.is_working(today)),
        2 - int(calendar.is_working(today)),
    )


def test_every_queue_shows_how_many_working_days_a_request_is_open(
    desk: Client, institution: Institution
) -> None:
    item = make_loan(institution)
    received = timezone.localdate() - 14 * date.resolution
    Request.objects.filter(pk=item.pk).update(created_at=local(received, 0))
    calendar = services.office_calendar(received, timezone.localdate())
    page = desk.get(reverse("desk:queues") + "?queue=new")
    shown = page.context["page"].rows[0].working_days_open
    assert shown == calendar.working_days_between(received, timezone.localdate())
    assert shown < 14
    assert "Open (working days)" in page.content.decode()


def test_the_request_page_says_it_needs_attention(desk: Client, loan: Request) -> None:
    services.flag_requests(THURSDAY)
    page = desk.get(reverse("desk:detail", args=[loan.pk])).content.decode()
    assert "Needs attention:</strong> not answered within its days to respond" in page
