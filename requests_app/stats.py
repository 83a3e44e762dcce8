"""Office statistics for one calendar year (docs/desk.md, "Statistics"), and the bar geometry of
the charts the page draws as SVG, with a data table beside each.

`for_year` reads the per-day tallies (`requests_app.tallies`, refreshed every few minutes): four
queries over the year's days and their combinations, whatever the number of requests.
`live_for_year` computes the same figures from the requests themselves, one aggregate query per
figure: exact to the moment, but its cost grows with the year's requests, so the page never uses
it; it is the reference the tallies are tested against."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, FloatField, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth, TruncMonth
from django.utils import timezone

from copyright_rules.facts import OUTCOME_LABELS
from copyright_rules.models import Record
from requests_app.models import (
    DayTally,
    InstitutionDayTally,
    RefusalReason,
    Request,
    RequestQuerySet,
    RequestType,
    Service,
    Status,
    TallyRefresh,
    TurnaroundTally,
)
from requests_app.tallies import WholeHours, start_of

SUPPLIED = (Status.DELIVERED, Status.ON_LOAN, Status.OVERDUE, Status.RETURNED, Status.LOST)
# Refused, or cancelled by the office. A request the library cancelled (withdrew, or whose
# conditions or quote it declined) is not the office's failure: it is counted apart, `withdrawn`,
# and left out of the fill rate.
UNFILLED = (Status.REFUSED, Status.CANCELLED)
TYPES = tuple(RequestType)
TOP_INSTITUTIONS = 10
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

Histogram = Sequence[tuple[int, int]]  # (value, how many), values ascending


class Percentile(Aggregate):
    """PostgreSQL's percentile_cont (an ordered-set aggregate)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    y: int  # the bar's top edge and its length, in the chart's units
    length: int


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart: one bar per row, the longest WIDTH units long."""

    title: str
    bars: list[Bar]
    unit: str = ""

    WIDTH = 400
    VALUE_ROOM = 60  # right of the longest bar, for its figure
    # A row: the whole label on a line of its own, then the bar (labels are never cut short).
    ROW = 40

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * self.ROW


def chart(title: str, rows: Sequence[tuple[str, float]], *, unit: str = "") -> Chart:
    top = max((value for _, value in rows), default=0) or 1
    bars = [
        Bar(label, value, i * Chart.ROW, round(Chart.WIDTH * value / top))
        for i, (label, value) in enumerate(rows)
    ]
    return Chart(title, bars, unit)


# --- The figures from the tallies (the page) -------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """The year's requests of one month that share a service, status, refusal reason and
    copyright outcome."""

    month: int
    service: str
    is_duplication: bool
    status: str
    refusal_reason: str
    withdrawn: bool
    outcome: str
    requests: int
    fees: Decimal | None

    @property
    def type(self) -> RequestType:
        return type_of(self.service, self.is_duplication)


def type_of(service: str, is_duplication: bool) -> RequestType:
    if service == Service.LOAN:
        return RequestType.LOAN
    return RequestType.REPRODUCTION if is_duplication else RequestType.COPY


def for_year(year: int) -> dict[str, Any]:
    """The year's figures as of the last refresh (`as_of`; None before the first one)."""
    cells = _cells(year)
    keys = ("service", "is_duplication", "hours")
    found = _tallied(TurnaroundTally, year).values_list(*keys).annotate(n=Sum("requests"))
    hours: dict[RequestType, Counter[int]] = {kind: Counter() for kind in TYPES}
    for service, is_duplication, hour, n in found:
        hours[type_of(service, is_duplication)][hour] += n
    return _figures(
        year,
        months=_months_of(cells),
        fill={kind: _fill_of([cell for cell in cells if cell.type == kind]) for kind in TYPES},
        turnaround={
            None: _turnaround(sorted(sum(hours.values(), Counter()).items())),
            **{kind: _turnaround(sorted(counted.items())) for kind, counted in hours.items()},
        },
        reasons=_reasons_of(cells),
        busiest=_busiest_tallied(year),
        copyright=_copyright_of(cells),
        as_of=TallyRefresh.objects.values_list("refreshed_at", flat=True).first(),
    )


def _tallied(model: type[Any], year: int) -> QuerySet[Any]:
    return model.objects.filter(day__gte=date(year, 1, 1), day__lte=date(year, 12, 31)).order_by()


def _cells(year: int) -> list[Cell]:
    keys = ("service", "is_duplication", "status", "refusal_reason", "withdrawn", "outcome")
    rows = _tallied(DayTally, year).values(*keys, month=ExtractMonth("day"))
    return [
        Cell(
            month=r["month"],
            service=r["service"],
            is_duplication=r["is_duplication"],
            status=r["status"],
            refusal_reason=r["refusal_reason"],
            withdrawn=r["withdrawn"],
            outcome=r["outcome"],
            requests=r["n"],
            fees=r["fee_sum"],
        )
        for r in rows.annotate(n=Sum("requests"), fee_sum=Sum("fees"))
    ]


def _fill_of(cells: Iterable[Cell]) -> dict[str, Any]:
    supplied = unfilled = withdrawn = 0
    for cell in cells:
        if cell.status in SUPPLIED:
            supplied += cell.requests
        elif cell.status == Status.CANCELLED and cell.withdrawn:
            withdrawn += cell.requests
        elif cell.status in UNFILLED:
            unfilled += cell.requests
    return _fill(supplied, unfilled, withdrawn)


def _months_of(cells: Iterable[Cell]) -> list[tuple[str, int, int, int]]:
    counts: Counter[tuple[int, RequestType]] = Counter()
    for cell in cells:
        counts[(cell.month, cell.type)] += cell.requests
    return _month_rows(counts)


def _month_rows(counts: Counter[tuple[int, RequestType]]) -> list[tuple[str, int, int, int]]:
    """(month, loans, copies, reproduction orders) for the twelve months."""
    loan, copy, reproduction = TYPES
    return [
        (name, counts[(m, loan)], counts[(m, copy)], counts[(m, reproduction)])
        for m, name in enumerate(MONTHS, start=1)
    ]


def _reasons_of(cells: Iterable[Cell]) -> list[tuple[str, int]]:
    labels = dict(RefusalReason.choices)
    unfilled: Counter[str] = Counter({CANCELLED_BY_OFFICE: 0, WITHDRAWN: 0})
    for cell in cells:
        if cell.status == Status.REFUSED:
            unfilled[labels.get(cell.refusal_reason, "Not given")] += cell.requests
        elif cell.status == Status.CANCELLED:
            unfilled[WITHDRAWN if cell.withdrawn else CANCELLED_BY_OFFICE] += cell.requests
    return _ranked(list(unfilled.items()))


CANCELLED_BY_OFFICE = "Cancelled by the office"
WITHDRAWN = "Cancelled by the library (not in the fill rate)"


def _copyright_of(cells: Iterable[Cell]) -> dict[str, Any]:
    labels = {str(outcome): label for outcome, label in OUTCOME_LABELS.items()}
    copies = [cell for cell in cells if cell.service == Service.COPY]
    outcomes: Counter[str] = Counter()
    for cell in copies:
        outcomes[labels.get(cell.outcome, cell.outcome)] += cell.requests
    fees = sum((cell.fees for cell in copies if cell.fees is not None), Decimal("0"))
    return {"outcomes": _ranked(list(outcomes.items())), "fees": fees}


def _busiest_tallied(year: int) -> list[tuple[str, int]]:
    symbol = "institution__oclc_symbol"
    found = _tallied(InstitutionDayTally, year).values(symbol).annotate(n=Sum("requests"))
    return [(r[symbol], r["n"]) for r in found.order_by("-n", symbol)[:TOP_INSTITUTIONS]]


# --- The same figures from the requests (the reference) ---------------------------------------


def live_for_year(year: int) -> dict[str, Any]:
    rows = year_rows(year)
    return _figures(
        year,
        months=per_month(rows),
        fill={kind: fill_rate(rows.of_type(kind)) for kind in TYPES},
        turnaround={
            None: turnaround(rows),
            **{kind: turnaround(rows.of_type(kind)) for kind in TYPES},
        },
        reasons=unfilled_reasons(rows),
        busiest=busiest(rows),
        copyright=copyright_outcomes(rows),
        as_of=timezone.now(),
    )


def year_rows(year: int) -> RequestQuerySet:
    return Request.objects.filter(
        created_at__gte=start_of(date(year, 1, 1)), created_at__lt=start_of(date(year + 1, 1, 1))
    )


def per_month(rows: QuerySet[Request]) -> list[tuple[str, int, int, int]]:
    """(month, loans, copies, reproduction orders) for the twelve months."""
    month = TruncMonth("created_at", tzinfo=timezone.get_default_timezone())
    found = rows.annotate(month=month).values("month", "service", "is_duplication")
    counts: Counter[tuple[int, RequestType]] = Counter()
    for r in found.annotate(n=Count("pk")):
        counts[(r["month"].month, type_of(r["service"], r["is_duplication"]))] += r["n"]
    return _month_rows(counts)


def fill_rate(rows: QuerySet[Request]) -> dict[str, Any]:
    withdrawn = Q(status=Status.CANCELLED, withdrawn=True)
    totals = rows.aggregate(
        supplied=Count("pk", filter=Q(status__in=SUPPLIED)),
        unfilled=Count("pk", filter=Q(status__in=UNFILLED) & ~withdrawn),
        withdrawn=Count("pk", filter=withdrawn),
    )
    return _fill(totals["supplied"], totals["unfilled"], totals["withdrawn"])


def turnaround(rows: QuerySet[Request]) -> dict[str, float | None]:
    """Median and 90th percentile from submission to supply (filled or shipped), to the hour."""
    hours = WholeHours("supplied_at", "created_at")
    supplied = rows.filter(supplied_at__isnull=False).order_by()
    if connection.vendor == "postgresql":
        found = supplied.aggregate(
            median=Percentile(hours, fraction=0.5), p90=Percentile(hours, fraction=0.9)
        )
        return {name: _days(value) for name, value in found.items()}
    counted = Counter(supplied.annotate(hours=hours).values_list("hours", flat=True))
    return _turnaround(sorted(counted.items()))


def unfilled_reasons(rows: QuerySet[Request]) -> list[tuple[str, int]]:
    labels = dict(RefusalReason.choices)
    refused = rows.filter(status=Status.REFUSED).values("refusal_reason").annotate(n=Count("pk"))
    found = [(labels.get(r["refusal_reason"], "Not given"), r["n"]) for r in refused]
    cancelled = rows.filter(status=Status.CANCELLED).aggregate(
        office=Count("pk", filter=Q(withdrawn=False)), library=Count("pk", filter=Q(withdrawn=True))
    )
    return _ranked(
        [*found, (CANCELLED_BY_OFFICE, cancelled["office"]), (WITHDRAWN, cancelled["library"])]
    )


def busiest(rows: QuerySet[Request]) -> list[tuple[str, int]]:
    symbol = "institution__oclc_symbol"
    found = rows.values(symbol).annotate(n=Count("pk")).order_by("-n", symbol)
    return [(r[symbol], r["n"]) for r in found[:TOP_INSTITUTIONS]]


def copyright_outcomes(rows: QuerySet[Request]) -> dict[str, Any]:
    records = Record.objects.filter(request__in=rows.filter(service=Service.COPY))
    labels = {str(outcome): label for outcome, label in OUTCOME_LABELS.items()}
    found = records.values("outcome").annotate(n=Count("pk")).order_by()
    fees = records.aggregate(total=Sum("permission_fee"))["total"] or Decimal("0")
    return {
        "outcomes": _ranked([(labels.get(r["outcome"], r["outcome"]), r["n"]) for r in found]),
        "fees": fees,
    }


# --- Shared by both ---------------------------------------------------------------------------


def _fill(supplied: int, unfilled: int, withdrawn: int) -> dict[str, Any]:
    """Supplied against refused or cancelled by the office, among the requests that are finished
    with; those the library cancelled are counted apart and left out."""
    decided = supplied + unfilled
    rate = round(100 * supplied / decided, 1) if decided else None
    return {"supplied": supplied, "unfilled": unfilled, "withdrawn": withdrawn, "rate": rate}


def _overall(by_type: dict[RequestType, dict[str, Any]]) -> dict[str, Any]:
    return _fill(*(sum(fill[key] for fill in by_type.values()) for key in FILL_COUNTS))


FILL_COUNTS = ("supplied", "unfilled", "withdrawn")


def _ranked(rows: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """Most first; ties in label order, so that every reading lists them alike."""
    return sorted(rows, key=lambda row: (-row[1], row[0]))


def _turnaround(hours: Histogram) -> dict[str, float | None]:
    return {"median": _days(percentile(hours, 0.5)), "p90": _days(percentile(hours, 0.9))}


def percentile(histogram: Histogram, fraction: float) -> float | None:
    """PostgreSQL's percentile_cont over the values a histogram counts, computed as it does:
    the value at position fraction x (n - 1) of the sorted values, interpolated linearly between
    its two neighbours."""
    total = sum(n for _, n in histogram)
    if not total:
        return None
    position = fraction * (total - 1)
    below = math.floor(position)
    low, high = _nth(histogram, below), _nth(histogram, math.ceil(position))
    return low + (position - below) * (high - low)


def _nth(histogram: Histogram, index: int) -> int:
    """The value at `index` (from 0) of the sorted values the histogram counts."""
    seen = 0
    for value, n in histogram:
        seen += n
        if index < seen:
            return value
    raise IndexError(index)


def _days(hours: float | None) -> float | None:
    return None if hours is None else round(hours / 24, 1)


def _figures(
    year: int,
    *,
    months: list[tuple[str, int, int, int]],
    fill: dict[RequestType, dict[str, Any]],
    turnaround: dict[RequestType | None, dict[str, float | None]],
    reasons: list[tuple[str, int]],
    busiest: list[tuple[str, int]],
    copyright: dict[str, Any],
    as_of: datetime | None,
) -> dict[str, Any]:
    """The figures of a year; `turnaround[None]` is that of every type together."""
    return {
        "year": year,
        "as_of": as_of,
        "types": [kind.label for kind in TYPES],
        "months": months,
        "fill": _overall(fill),
        "turnaround": turnaround[None],
        "by_type": [(kind.label, fill[kind], turnaround[kind]) for kind in TYPES],
        "reasons": reasons,
        "busiest": busiest,
        "copyright": copyright,
        "charts": {
            "months": chart("Requests per month", [(m, sum(counts)) for m, *counts in months]),
            "reasons": chart("Unfilled requests by reason", reasons),
            "busiest": chart("Busiest institutions", busiest),
            "outcomes": chart("Copyright outcomes of copy requests", copyright["outcomes"]),
        },
    }


CSV_HEADER = ["section", "label", "request type", "value"]
ALL_TYPES = "all"


def csv_rows(figures: dict[str, Any]) -> list[list[Any]]:
    """The same figures for the CSV download, one figure a row, every row as long as the header
    (section, label, request type or "all", value)."""
    rows: list[list[Any]] = [CSV_HEADER]
    for month, *counts in figures["months"]:
        by_type = zip(figures["types"], counts, strict=True)
        rows += [["requests per month", month, kind, n] for kind, n in by_type]
    kinds = [(ALL_TYPES, figures["fill"], figures["turnaround"]), *figures["by_type"]]
    for kind, fill, _ in kinds:
        rows += [["fill rate", name, kind, fill[name]] for name in (*FILL_COUNTS, "rate")]
    for kind, _, days in kinds:
        rows += [["turnaround days", name, kind, value] for name, value in days.items()]
    rows += [["unfilled", label, ALL_TYPES, n] for label, n in figures["reasons"]]
    rows += [["busiest institutions", label, ALL_TYPES, n] for label, n in figures["busiest"]]
    outcomes = figures["copyright"]["outcomes"]
    rows += [["copyright outcomes", label, ALL_TYPES, n] for label, n in outcomes]
    rows += [["copyright fees", "total USD", ALL_TYPES, figures["copyright"]["fees"]]]
    return rows
