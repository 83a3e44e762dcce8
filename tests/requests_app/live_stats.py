"""The statistics figures computed straight from the requests, one aggregate query per figure
(turnaround with `percentile_cont` on PostgreSQL, in Python on SQLite): exact to the moment, but
their cost grows with the year's requests, so the page never uses them. They are the reference
the tallies are tested against (docs/desk.md, "Statistics", "The live reference")."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Aggregate, Count, FloatField, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from copyright_rules.models import Record
from copyright_rules.vocabulary import OUTCOME_LABELS
from requests_app.models import (
    ENDED_UNSUPPLIED,
    SUPPLIED,
    RefusalReason,
    Request,
    RequestQuerySet,
    RequestType,
    Service,
    Status,
)
from requests_app.stats import (
    CANCELLED_BY_OFFICE,
    TOP_INSTITUTIONS,
    TYPES,
    WITHDRAWN,
    Copyright,
    Figures,
    Fill,
    days_of,
    figures_of,
    fill_of,
    month_rows,
    ranked,
    turnaround_of,
    type_of,
)
from requests_app.tallies import WholeHours, start_of


class Percentile(Aggregate):
    """PostgreSQL's percentile_cont (an ordered-set aggregate)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def live_for_year(year: int) -> Figures:
    rows = year_rows(year)
    return figures_of(
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
    return month_rows(counts)


def fill_rate(rows: QuerySet[Request]) -> Fill:
    withdrawn = Q(status=Status.CANCELLED, withdrawn=True)
    totals = rows.aggregate(
        supplied=Count("pk", filter=Q(status__in=SUPPLIED)),
        unfilled=Count("pk", filter=Q(status__in=ENDED_UNSUPPLIED) & ~withdrawn),
        withdrawn=Count("pk", filter=withdrawn),
    )
    return fill_of(totals["supplied"], totals["unfilled"], totals["withdrawn"])


def turnaround(rows: QuerySet[Request]) -> dict[str, float | None]:
    """Median and 90th percentile from submission to supply (filled or shipped), to the hour."""
    hours = WholeHours("supplied_at", "created_at")
    supplied = rows.filter(supplied_at__isnull=False).order_by()
    if connection.vendor == "postgresql":
        found = supplied.aggregate(
            median=Percentile(hours, fraction=0.5), p90=Percentile(hours, fraction=0.9)
        )
        return {name: days_of(value) for name, value in found.items()}
    counted = Counter(supplied.annotate(hours=hours).values_list("hours", flat=True))
    return turnaround_of(sorted(counted.items()))


def unfilled_reasons(rows: QuerySet[Request]) -> list[tuple[str, int]]:
    labels = dict(RefusalReason.choices)
    refused = rows.filter(status=Status.REFUSED).values("refusal_reason").annotate(n=Count("pk"))
    found = [(labels.get(r["refusal_reason"], "Not given"), r["n"]) for r in refused]
    cancelled = rows.filter(status=Status.CANCELLED).aggregate(
        office=Count("pk", filter=Q(withdrawn=False)), library=Count("pk", filter=Q(withdrawn=True))
    )
    return ranked(
        [*found, (CANCELLED_BY_OFFICE, cancelled["office"]), (WITHDRAWN, cancelled["library"])]
    )


def busiest(rows: QuerySet[Request]) -> list[tuple[str, int]]:
    symbol = "institution__oclc_symbol"
    found = rows.values(symbol).annotate(n=Count("pk")).order_by("-n", symbol)
    return [(r[symbol], r["n"]) for r in found[:TOP_INSTITUTIONS]]


def copyright_outcomes(rows: QuerySet[Request]) -> Copyright:
    records = Record.objects.filter(request__in=rows.filter(service=Service.COPY))
    labels = {str(outcome): label for outcome, label in OUTCOME_LABELS.items()}
    found = records.values("outcome").annotate(n=Count("pk")).order_by()
    fees = records.aggregate(total=Sum("permission_fee"))["total"] or Decimal("0")
    return {
        "outcomes": ranked([(labels.get(r["outcome"], r["outcome"]), r["n"]) for r in found]),
        "fees": fees,
    }
