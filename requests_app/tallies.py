"""The per-day tallies behind the office statistics (docs/desk.md, "Statistics"), and the refresh
that keeps them.

A day's tallies are always recomputed whole, from its requests, so a refresh only has to know
which days changed:

- A request's `updated_at` moves with every change made to it (submission, each transition, a
  copyright re-evaluation, the scheduled jobs), so the days of the requests updated since the last
  refresh are recomputed. That refresh's start is the mark, less `SETTLE`: a change whose
  transaction was still open when the last refresh read the table is counted by this one.
- Requests disappear only with their copyright record, which the purge deletes on or after its
  purge date, 1 January of its year + 4 (docs/copyright.md section 7). The days old enough for
  that are compared with their tallies on each refresh, and a day that lost requests is
  recomputed. Once the purge has done its yearly work, few requests are left on those days.

Days are calendar days in the office's time zone (TIME_ZONE); when it changes, the next refresh
rebuilds every day. One refresh runs at a time: it locks the `TallyRefresh` row."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.db import OperationalError, connection, transaction
from django.db.models import Count, F, Func, IntegerField, Model, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from copyright_rules.retention import copyright_today
from requests_app.models import (
    DayTally,
    InstitutionDayTally,
    Request,
    TallyRefresh,
    TurnaroundTally,
)

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType

SETTLE = timedelta(minutes=5)
TALLIES = (DayTally, InstitutionDayTally, TurnaroundTally)


class WholeHours(Func):
    """Whole hours from `start` to `end`, rounded down: a copy supplied 1 h 59 min after it was
    asked for took 1 hour. The turnaround figures are to the hour."""

    output_field = IntegerField()

    def __init__(self, end: str, start: str) -> None:
        super().__init__(F(end), F(start))

    # `extra`: values for the SQL template, which Django formats as text.
    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: str
    ) -> _AsSqlType:
        template = "CAST(FLOOR(EXTRACT(EPOCH FROM (%(expressions)s)) / 3600) AS integer)"
        return self.as_sql(compiler, connection, template=template, arg_joiner=" - ", **extra)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: str
    ) -> _AsSqlType:
        # django_timestamp_diff: Django's own SQLite function, end - start in microseconds.
        template = "CAST(FLOOR(django_timestamp_diff(%(expressions)s) / 3600000000.0) AS integer)"
        return self.as_sql(compiler, connection, template=template, **extra)


class RefreshRunning(Exception):
    """Another refresh holds the tallies: nothing was done."""


@dataclass(frozen=True)
class Refreshed:
    as_of: datetime  # every change before this moment is counted
    days: int  # how many days were recomputed
    rebuilt: bool = False  # every day was (the first refresh, or after a change of zone)

    @property
    def counted(self) -> str:
        return f"{self.days} day{'' if self.days == 1 else 's'} counted again"


def refresh(*, wait: bool = True) -> Refreshed:
    """Recompute the days whose requests changed since the last refresh (every day the first
    time). Raises RefreshRunning, without waiting, when `wait` is false and another refresh is
    under way."""
    started = timezone.now()
    with transaction.atomic():
        state = _lock(wait=wait)
        if state.refreshed_at is None or state.time_zone != _zone_name():
            return _rebuild_all(state, started)
        days = changed_days(since=state.refreshed_at - SETTLE) | purged_days()
        recompute(days)
        _mark(state, started)
    return Refreshed(started, len(days))


def rebuild(*, year: int | None = None) -> Refreshed:
    """Recompute every day from the requests, or every day of `year` only (which leaves the
    mark alone: the other years may hold changes not yet counted)."""
    started = timezone.now()
    with transaction.atomic():
        state = _lock(wait=True)
        if year is None:
            return _rebuild_all(state, started)
        first, last = date(year, 1, 1), date(year, 12, 31)
        _recompute_span(first, last)
    return Refreshed(state.refreshed_at or started, (last - first).days + 1)


def changed_days(*, since: datetime) -> set[date]:
    """The days of the requests changed at or after `since` (the `updated_at` index)."""
    changed = Request.objects.filter(updated_at__gte=since).order_by()
    return set(changed.values_list(_day(), flat=True).distinct())


def purged_days() -> set[date]:
    """The days old enough for the purge whose tallies count other requests than the table
    holds. The first two days after the purge boundary are compared too: the copyright calendar
    (COPYRIGHT_TIME_ZONE, which dated each record) may run hours apart from the office's days."""
    last = date(copyright_today().year - 3, 1, 1) + timedelta(days=1)
    old = Request.objects.filter(created_at__lt=start_of(last + timedelta(days=1))).order_by()
    held = dict(old.values_list(_day()).annotate(n=Count("pk")))
    tallied = DayTally.objects.filter(day__lte=last).order_by()
    counted = dict(tallied.values_list("day").annotate(n=Sum("requests")))
    return {day for day in held.keys() | counted.keys() if held.get(day) != counted.get(day)}


def recompute(days: Iterable[date]) -> None:
    """Replace the tallies of these days with their requests' figures. Call in a transaction."""
    for first, last in spans(days):
        _recompute_span(first, last)


def spans(days: Iterable[date]) -> Iterator[tuple[date, date]]:
    """Runs of consecutive days, as (first, last)."""
    first = last = None
    for day in sorted(set(days)):
        if first is not None and last is not None and day != last + timedelta(days=1):
            yield first, last
            first = None
        first, last = first or day, day
    if first is not None and last is not None:
        yield first, last


def first_year(*, default: int) -> int:
    """The earliest year the tallies count requests in (one read of their day index), or
    `default` when that is later or nothing is tallied yet."""
    first = DayTally.objects.order_by("day").values_list("day", flat=True).first()
    return min(first.year, default) if first else default


def start_of(day: date) -> datetime:
    """Midnight at the start of `day` in the office's time zone."""
    return datetime(day.year, day.month, day.day, tzinfo=timezone.get_default_timezone())


def _lock(*, wait: bool) -> TallyRefresh:
    TallyRefresh.objects.get_or_create(pk=1)
    try:
        return TallyRefresh.objects.select_for_update(nowait=not wait).get(pk=1)
    except OperationalError as busy:
        raise RefreshRunning("the statistics are being refreshed already") from busy


def _mark(state: TallyRefresh, started: datetime) -> None:
    state.refreshed_at, state.time_zone = started, _zone_name()
    state.save(update_fields=["refreshed_at", "time_zone"])


def _rebuild_all(state: TallyRefresh, started: datetime) -> Refreshed:
    for model in TALLIES:
        model.objects.all().delete()
    _insert(Request.objects.order_by())
    if connection.vendor == "postgresql":
        # Fresh statistics for the planner, which otherwise reads the page's year by nested
        # loops until autovacuum gets round to the new rows (measured: 0.8 s instead of 40 ms).
        with connection.cursor() as cursor:
            for model in TALLIES:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    _mark(state, started)
    days = DayTally.objects.values("day").distinct().count()
    return Refreshed(started, days, rebuilt=True)


def _recompute_span(first: date, last: date) -> None:
    for model in TALLIES:
        model.objects.filter(day__gte=first, day__lte=last).delete()
    after = start_of(last + timedelta(days=1))
    _insert(Request.objects.filter(created_at__gte=start_of(first), created_at__lt=after))


def _insert(requests: QuerySet[Request]) -> None:
    """Tally these requests, whose days' tallies must be gone: each table is filled by one
    INSERT ... SELECT, so even a rebuild of every day never carries rows through Python."""
    requests = requests.order_by()
    by_kind = requests.values(
        "service",
        "is_duplication",
        "status",
        "refusal_reason",
        "withdrawn",
        day=_day(),
        outcome=F("record__outcome"),
    )
    _insert_rows(
        DayTally, by_kind.annotate(requests=Count("pk"), fees=Sum("record__permission_fee"))
    )
    by_institution = requests.values("institution_id", day=_day())
    _insert_rows(InstitutionDayTally, by_institution.annotate(requests=Count("pk")))
    supplied = requests.filter(supplied_at__isnull=False)
    by_hours = supplied.values(
        "service", "is_duplication", day=_day(), hours=WholeHours("supplied_at", "created_at")
    )
    _insert_rows(TurnaroundTally, by_hours.annotate(requests=Count("pk")))


def _insert_rows(model: type[Model], rows: QuerySet[Request, Mapping[str, object]]) -> None:
    """INSERT INTO the model's table the rows of a values() query, whose names are its
    columns. Django has no INSERT ... SELECT, so the statement is put together here: only from
    the model's own table and column names, quoted by the backend, and the query Django compiled,
    whose values stay bound parameters."""
    query = rows.query
    names = [*query.values_select, *query.annotation_select]
    columns = ", ".join(connection.ops.quote_name(name) for name in names)
    select, params = query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    statement = f"INSERT INTO {table} ({columns}) SELECT {columns} FROM ({select}) AS tallied"  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _day() -> TruncDate:
    return TruncDate("created_at", tzinfo=timezone.get_default_timezone())


def _zone_name() -> str:
    return timezone.get_default_timezone_name()
