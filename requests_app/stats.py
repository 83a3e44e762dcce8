"""Office statistics for one calendar year (docs/desk.md, "Statistics"); the page draws each as
an SVG chart (requests_app/charts.py), with a data table beside it.

`for_year` reads the per-day tallies (`requests_app.tallies`, refreshed every few minutes): four
queries over the year's days and their combinations, whatever the number of requests.
`tests/requests_app/live_stats.py` computes the same figures from the requests themselves (the
reference the tallies are tested against; no page uses it). Both build them with the helpers at
the end of this module; a new figure is a key of `Figures`, a column or table of the tallies, and
its live counterpart."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TypedDict, TypeVar

from django.db.models import Model, QuerySet, Sum
from django.db.models.functions import ExtractMonth

from copyright_rules.vocabulary import OUTCOME_LABELS
from requests_app.charts import Chart, chart
from requests_app.models import (
    ENDED_UNSUPPLIED,
    SUPPLIED,
    DayTally,
    InstitutionDayTally,
    RefusalReason,
    RequestType,
    Service,
    Status,
    TallyRefresh,
    TurnaroundTally,
)

# The fill rate is supplied (`SUPPLIED`) against unfilled: refused, or cancelled by the office
# (`ENDED_UNSUPPLIED`, without `withdrawn`). A request the library cancelled (withdrew, or whose
# conditions or quote it declined) is not the office's failure: it is counted apart, `withdrawn`,
# and left out of the fill rate.
TYPES = tuple(RequestType)
TOP_INSTITUTIONS = 10
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

Histogram = Sequence[tuple[int, int]]  # (value, how many), values ascending
Ranked = list[tuple[str, int]]  # (label, how many), most first
Turnaround = dict[str, float | None]  # "median" and "p90", in days
Months = list[tuple[str, int, int, int]]  # (month, loans, copies, reproduction orders)
Tallied = TypeVar("Tallied", bound=Model)


class Fill(TypedDict):
    """Supplied against unfilled (refused, or cancelled by the office); cancelled by the library
    apart; the rate in per cent, None before anything is finished."""

    supplied: int
    unfilled: int
    withdrawn: int
    rate: float | None


class Copyright(TypedDict):
    outcomes: Ranked
    fees: Decimal


class Figures(TypedDict):
    """What the page, the CSV and the tests read of a year."""

    year: int
    as_of: datetime | None
    types: list[str]
    months: Months
    fill: Fill
    turnaround: Turnaround
    by_type: list[tuple[str, Fill, Turnaround]]
    reasons: Ranked
    busiest: Ranked
    copyright: Copyright
    charts: dict[str, Chart]


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


def for_year(year: int) -> Figures:
    """The year's figures as of the last refresh (`as_of`; None before the first one)."""
    cells = _cells(year)
    keys = ("service", "is_duplication", "hours")
    found = _tallied(TurnaroundTally, year).values_list(*keys).annotate(n=Sum("requests"))
    hours: dict[RequestType, Counter[int]] = {kind: Counter() for kind in TYPES}
    for service, is_duplication, hour, n in found:
        hours[type_of(service, is_duplication)][hour] += n
    return figures_of(
        year,
        months=_months_of(cells),
        fill={kind: _fill_in([cell for cell in cells if cell.type == kind]) for kind in TYPES},
        turnaround={
            None: turnaround_of(sorted(sum(hours.values(), Counter()).items())),
            **{kind: turnaround_of(sorted(counted.items())) for kind, counted in hours.items()},
        },
        reasons=_reasons_of(cells),
        busiest=_busiest_tallied(year),
        copyright=_copyright_of(cells),
        as_of=TallyRefresh.objects.values_list("refreshed_at", flat=True).first(),
    )


def _tallied(model: type[Tallied], year: int) -> QuerySet[Tallied]:
    return model._default_manager.filter(
        day__gte=date(year, 1, 1), day__lte=date(year, 12, 31)
    ).order_by()


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


def _fill_in(cells: Iterable[Cell]) -> Fill:
    supplied = unfilled = withdrawn = 0
    for cell in cells:
        if cell.status in SUPPLIED:
            supplied += cell.requests
        elif cell.status == Status.CANCELLED and cell.withdrawn:
            withdrawn += cell.requests
        elif cell.status in ENDED_UNSUPPLIED:
            unfilled += cell.requests
    return fill_of(supplied, unfilled, withdrawn)


def _months_of(cells: Iterable[Cell]) -> list[tuple[str, int, int, int]]:
    counts: Counter[tuple[int, RequestType]] = Counter()
    for cell in cells:
        counts[(cell.month, cell.type)] += cell.requests
    return month_rows(counts)


def month_rows(counts: Counter[tuple[int, RequestType]]) -> list[tuple[str, int, int, int]]:
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
    return ranked(list(unfilled.items()))


CANCELLED_BY_OFFICE = "Cancelled by the office"
WITHDRAWN = "Cancelled by the library (not in the fill rate)"


def _copyright_of(cells: Iterable[Cell]) -> Copyright:
    labels = {str(outcome): label for outcome, label in OUTCOME_LABELS.items()}
    copies = [cell for cell in cells if cell.service == Service.COPY]
    outcomes: Counter[str] = Counter()
    for cell in copies:
        outcomes[labels.get(cell.outcome, cell.outcome)] += cell.requests
    fees = sum((cell.fees for cell in copies if cell.fees is not None), Decimal("0"))
    return {"outcomes": ranked(list(outcomes.items())), "fees": fees}


def _busiest_tallied(year: int) -> list[tuple[str, int]]:
    symbol = "institution__oclc_symbol"
    found = _tallied(InstitutionDayTally, year).values(symbol).annotate(n=Sum("requests"))
    return [(r[symbol], r["n"]) for r in found.order_by("-n", symbol)[:TOP_INSTITUTIONS]]


# --- Shared by both ---------------------------------------------------------------------------


def fill_of(supplied: int, unfilled: int, withdrawn: int) -> Fill:
    """Supplied against refused or cancelled by the office, among the requests that are finished
    with; those the library cancelled are counted apart and left out."""
    decided = supplied + unfilled
    rate = round(100 * supplied / decided, 1) if decided else None
    return {"supplied": supplied, "unfilled": unfilled, "withdrawn": withdrawn, "rate": rate}


def _overall(by_type: dict[RequestType, Fill]) -> Fill:
    fills = by_type.values()
    return fill_of(
        sum(fill["supplied"] for fill in fills),
        sum(fill["unfilled"] for fill in fills),
        sum(fill["withdrawn"] for fill in fills),
    )


def ranked(rows: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """Most first; ties in label order, so that every reading lists them alike."""
    return sorted(rows, key=lambda row: (-row[1], row[0]))


def turnaround_of(hours: Histogram) -> dict[str, float | None]:
    return {"median": days_of(percentile(hours, 0.5)), "p90": days_of(percentile(hours, 0.9))}


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


def days_of(hours: float | None) -> float | None:
    return None if hours is None else round(hours / 24, 1)


def figures_of(
    year: int,
    *,
    months: list[tuple[str, int, int, int]],
    fill: dict[RequestType, Fill],
    turnaround: dict[RequestType | None, dict[str, float | None]],
    reasons: list[tuple[str, int]],
    busiest: list[tuple[str, int]],
    copyright: Copyright,
    as_of: datetime | None,
) -> Figures:
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


def csv_rows(figures: Figures) -> list[list[object]]:
    """The same figures for the CSV download, one figure a row, every row as long as the header
    (section, label, request type or "all", value)."""
    rows: list[list[object]] = [list(CSV_HEADER)]
    for month, *counts in figures["months"]:
        by_type = zip(figures["types"], counts, strict=True)
        rows += [["requests per month", month, kind, n] for kind, n in by_type]
    kinds = [(ALL_TYPES, figures["fill"], figures["turnaround"]), *figures["by_type"]]
    for kind, fill, _ in kinds:
        rows += [["fill rate", name, kind, value] for name, value in fill.items()]
    for kind, _, days in kinds:
        rows += [["turnaround days", name, kind, value] for name, value in days.items()]
    rows += [["unfilled", label, ALL_TYPES, n] for label, n in figures["reasons"]]
    rows += [["busiest institutions", label, ALL_TYPES, n] for label, n in figures["busiest"]]
    outcomes = figures["copyright"]["outcomes"]
    rows += [["copyright outcomes", label, ALL_TYPES, n] for label, n in outcomes]
    rows += [["copyright fees", "total USD", ALL_TYPES, figures["copyright"]["fees"]]]
    return rows
