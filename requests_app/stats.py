"""Office statistics for one calendar year (docs/desk.md, "Statistics"): each figure one aggregate
query over the year's requests (the created_at index bounds it), and the bar geometry of the
charts the page draws as SVG, with a data table beside each."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Extract, TruncMonth
from django.utils import timezone

from copyright_rules.models import Record
from requests_app.models import RefusalReason, Request, Service, Status

SUPPLIED = (Status.DELIVERED, Status.ON_LOAN, Status.OVERDUE, Status.RETURNED, Status.LOST)
TOP_INSTITUTIONS = 10
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


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
    ROW = 28

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


def year_rows(year: int) -> QuerySet[Request]:
    zone = timezone.get_current_timezone()
    start = datetime(year, 1, 1, tzinfo=zone)
    return Request.objects.filter(
        created_at__gte=start, created_at__lt=start.replace(year=year + 1)
    )


def per_month(rows: QuerySet[Request]) -> list[tuple[str, int, int]]:
    """(month, loans, copies) for the twelve months."""
    found = rows.annotate(month=TruncMonth("created_at")).values("month", "service")
    counts = {(r["month"].month, r["service"]): r["n"] for r in found.annotate(n=Count("pk"))}
    return [
        (name, counts.get((m, Service.LOAN), 0), counts.get((m, Service.COPY), 0))
        for m, name in enumerate(MONTHS, start=1)
    ]


def fill_rate(rows: QuerySet[Request]) -> dict[str, Any]:
    """Supplied against refused or cancelled, among the requests that are finished with."""
    totals = rows.aggregate(
        supplied=Count("pk", filter=Q(status__in=SUPPLIED)),
        unfilled=Count("pk", filter=Q(status__in=(Status.REFUSED, Status.CANCELLED))),
    )
    decided = totals["supplied"] + totals["unfilled"]
    rate = round(100 * totals["supplied"] / decided, 1) if decided else None
    return {**totals, "rate": rate}


def turnaround(rows: QuerySet[Request]) -> dict[str, float | None]:
    """Median and 90th percentile days from submission to supply (filled or shipped)."""
    supplied = rows.filter(supplied_at__isnull=False)
    if _pg():
        seconds = Extract(F("supplied_at") - F("created_at"), "epoch")
        days = ExpressionWrapper(seconds / 86400.0, output_field=FloatField())
        found = supplied.aggregate(
            median=Percentile(days, fraction=0.5), p90=Percentile(days, fraction=0.9)
        )
        return {k: round(v, 1) if v is not None else None for k, v in found.items()}
    spans = [
        (done - made).total_seconds() / 86400
        for made, done in supplied.values_list("created_at", "supplied_at")
        if done is not None
    ]
    if not spans:
        return {"median": None, "p90": None}
    return {"median": round(statistics.median(spans), 1), "p90": round(_p90(spans), 1)}


def _p90(values: list[float]) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def _pg() -> bool:
    return connection.vendor == "postgresql"


def unfilled_reasons(rows: QuerySet[Request]) -> list[tuple[str, int]]:
    labels = dict(RefusalReason.choices)
    refused = rows.filter(status=Status.REFUSED).values("refusal_reason").annotate(n=Count("pk"))
    found = [(labels.get(r["refusal_reason"], "Not given"), r["n"]) for r in refused]
    cancelled = rows.filter(status=Status.CANCELLED).count()
    return sorted([*found, ("Cancelled", cancelled)], key=lambda row: -row[1])


def busiest(rows: QuerySet[Request]) -> list[tuple[str, int]]:
    found = rows.values("institution__oclc_symbol").annotate(n=Count("pk")).order_by("-n")
    return [(r["institution__oclc_symbol"], r["n"]) for r in found[:TOP_INSTITUTIONS]]


def copyright_outcomes(rows: QuerySet[Request]) -> dict[str, Any]:
    records = Record.objects.filter(request__in=rows.filter(service=Service.COPY))
    labels = dict(Record.Outcome.choices)
    found = records.values("outcome").annotate(n=Count("pk")).order_by("-n")
    fees = records.aggregate(total=Sum("permission_fee"))["total"] or Decimal("0")
    return {
        "outcomes": [(labels.get(r["outcome"], r["outcome"]), r["n"]) for r in found],
        "fees": fees,
    }


def for_year(year: int) -> dict[str, Any]:
    rows = year_rows(year)
    months = per_month(rows)
    reasons = unfilled_reasons(rows)
    top = busiest(rows)
    outcomes = copyright_outcomes(rows)
    return {
        "year": year,
        "months": months,
        "fill": fill_rate(rows),
        "turnaround": turnaround(rows),
        "reasons": reasons,
        "busiest": top,
        "copyright": outcomes,
        "charts": {
            "months": chart(
                "Requests per month", [(m, loans + copies) for m, loans, copies in months]
            ),
            "reasons": chart("Unfilled requests by reason", reasons),
            "busiest": chart("Busiest institutions", top),
            "outcomes": chart("Copyright outcomes of copy requests", outcomes["outcomes"]),
        },
    }


def csv_rows(figures: dict[str, Any]) -> list[list[Any]]:
    """The same figures as rows of (section, label, value, ...) for the CSV download."""
    rows: list[list[Any]] = [["section", "label", "loans", "copies"]]
    rows += [["requests per month", m, loans, copies] for m, loans, copies in figures["months"]]
    fill = figures["fill"]
    rows += [
        ["fill rate", "supplied", fill["supplied"]],
        ["fill rate", "unfilled", fill["unfilled"]],
    ]
    rows += [["fill rate", "percent", fill["rate"]]]
    rows += [["turnaround days", k, v] for k, v in figures["turnaround"].items()]
    rows += [["unfilled", label, n] for label, n in figures["reasons"]]
    rows += [["busiest institutions", label, n] for label, n in figures["busiest"]]
    rows += [["copyright outcomes", label, n] for label, n in figures["copyright"]["outcomes"]]
    rows += [["copyright fees", "total USD", figures["copyright"]["fees"]]]
    return rows
