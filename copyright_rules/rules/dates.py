"""Dates of the copyright rules: the request's local date and year, the five-year window, and
the retention dates of guideline 4 (docs/copyright.md sections 1, 4 and 7)."""

from __future__ import annotations

from datetime import MINYEAR, date, datetime, tzinfo
from functools import lru_cache

from copyright_rules.configuration import zone


def local_date_and_year(created_at: datetime, time_zone: str | tzinfo) -> tuple[date, int]:
    """The request's local date and its year Y in the copyright time zone (docs/copyright.md 1)."""
    tz = zone(time_zone) if isinstance(time_zone, str) else time_zone
    local = created_at.astimezone(tz).date()
    return local, local.year


def retention_dates(created_at: datetime, time_zone: str | tzinfo) -> tuple[date, date]:
    """Guideline 4: keep records "until the end of the third complete calendar year after the end
    of the calendar year" of the request, so 31 Dec (Y+3), and purge from 1 Jan (Y+4)."""
    _, year = local_date_and_year(created_at, time_zone)
    return retention_of_year(year)


def retention_of_year(year: int) -> tuple[date, date]:
    """The retain-until and purge dates of a request of year Y (docs/copyright.md section 7)."""
    return date(year + 3, 12, 31), date(year + 4, 1, 1)


@lru_cache(maxsize=65536)
def local_year(created_at: datetime, time_zone: str) -> int:
    return created_at.astimezone(zone(time_zone)).year


def window_cutoff(local_date: date, years: int) -> date:
    """The local request date minus `years` calendar years; 29 Feb becomes 28 Feb
    (docs/copyright.md section 2)."""
    year = local_date.year - years
    if year < MINYEAR:
        return date.min
    try:
        return local_date.replace(year=year)
    except ValueError:
        return date(year, 2, 28)
