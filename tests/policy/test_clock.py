"""The office's working days: weekends, US federal holidays and staff closures are not counted
(docs/policy.md, "The clock")."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policy.clock import WorkCalendar, office_calendar
from policy.models import Closure

LABOR_DAY = date(2026, 9, 7)  # a Monday
FRIDAY_BEFORE = date(2026, 9, 4)
PLAIN = WorkCalendar(frozenset())
WITH_LABOR_DAY = WorkCalendar(frozenset({LABOR_DAY}))


def test_a_weekend_is_not_counted() -> None:
    assert PLAIN.working_days_between(FRIDAY_BEFORE, LABOR_DAY) == 1


def test_a_holiday_is_not_counted() -> None:
    assert WITH_LABOR_DAY.working_days_between(FRIDAY_BEFORE, date(2026, 9, 8)) == 1


def test_the_answer_day_skips_the_weekend_and_the_holiday() -> None:
    assert WITH_LABOR_DAY.add_working_days(FRIDAY_BEFORE, 2) == date(2026, 9, 9)


@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
    days=st.integers(min_value=1, max_value=15),
)
def test_received_by_is_the_inverse_of_the_answer_day(start: date, days: int) -> None:
    due = WITH_LABOR_DAY.add_working_days(start, days)
    assert WITH_LABOR_DAY.received_by(due, days) >= start
    assert WITH_LABOR_DAY.add_working_days(WITH_LABOR_DAY.received_by(due, days), days) <= due


@pytest.mark.django_db
def test_federal_holidays_come_from_the_calendar_library() -> None:
    calendar = office_calendar(date(2026, 1, 1), date(2026, 12, 31))
    federal = {date(2026, 1, 1), LABOR_DAY, date(2026, 11, 26), date(2026, 12, 25)}
    assert federal <= calendar.closed


@pytest.mark.django_db
def test_closures_staff_enter_are_not_counted() -> None:
    Closure.objects.create(day=date(2026, 9, 8), note="Snow day")
    calendar = office_calendar(FRIDAY_BEFORE, date(2026, 9, 9))
    assert calendar.working_days_between(FRIDAY_BEFORE, date(2026, 9, 9)) == 1
