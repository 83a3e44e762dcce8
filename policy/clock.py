"""The office's working days: Monday to Friday, less US federal holidays (the `holidays`
library's calendar, observed days included) and the closures staff enter (docs/policy.md,
"The clock"). Pure date arithmetic over a calendar read once per page or job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import holidays

from policy.models import Closure

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class WorkCalendar:
    closed: frozenset[date]

    def is_working(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.closed

    def working_days_between(self, start: date, end: date) -> int:
        """The working days after `start` up to and including `end`: how long a request
        received on `start` has waited by the end of `end`."""
        count, day = 0, start + _DAY
        while day <= end:
            count += self.is_working(day)
            day += _DAY
        return count

    def add_working_days(self, start: date, days: int) -> date:
        """The day by which a request received on `start` must be answered."""
        day = start
        for _ in range(days):
            day += _DAY
            while not self.is_working(day):
                day += _DAY
        return day

    def received_by(self, answer_day: date, days: int) -> date:
        """The last day a request may have been received on to be due on or before
        `answer_day` (the inverse of `add_working_days`)."""
        day, counted = answer_day, 0
        while True:
            counted += self.is_working(day)
            if counted == days:
                return day - _DAY
            day -= _DAY


def office_calendar(start: date, end: date) -> WorkCalendar:
    """The days the office is closed from `start` to `end` (with a margin for due dates)."""
    end = end + timedelta(days=90)
    federal = holidays.country_holidays("US", years=range(start.year, end.year + 1))
    staff = Closure.objects.filter(day__range=(start, end)).values_list("day", flat=True)
    return WorkCalendar(frozenset(federal) | frozenset(staff))
