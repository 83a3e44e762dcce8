"""Revenue and open balances by institution and month, for the office statistics (docs/fees.md,
"Statistics").

As the request figures are (requests_app/tallies.py), they are read from a table the worker
refreshes (`RevenueTally`), so the statistics page costs the same whatever the size of the
ledger. A month's rows are always recomputed whole from the ledger; a refresh recomputes the
months whose charges changed since the last one: every change to a charge is a `ChargeEvent`,
and a part payment changes its invoice's month. A charge purged with its request (paid, and due
for the purge) leaves its month's figures as they were: no event tells the refresh about it.

`open` is what is still owed of the month's charges: those not on a paid invoice, less the part
payments already made on open invoices of that month (as the staff home's open balances count
them, so both agree)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from fees.models import ZERO, Charge, ChargeEvent, Payment, RevenueRefresh, RevenueTally

# A change whose transaction was still open when the last refresh read the ledger is counted by
# the next one (as in requests_app/tallies.py).
SETTLE = timedelta(minutes=5)
CSV_SECTION = "revenue"

Key = tuple[date, int, str]  # month, institution, currency


def refresh() -> int:
    """Bring the tallies up to date; returns how many months were recomputed. One refresh runs
    at a time: the others wait for the `RevenueRefresh` row."""
    return _refresh(everything=False)


def rebuild() -> int:
    """Recompute every month from the ledger (after changes made outside the application)."""
    return _refresh(everything=True)


def _refresh(*, everything: bool) -> int:
    with transaction.atomic():
        state, _ = RevenueRefresh.objects.select_for_update().get_or_create(pk=1)
        started = timezone.now()
        if everything or state.refreshed_at is None:
            days = Charge.objects.values_list("charged_on", flat=True).distinct()
            months = _months(days) | set(RevenueTally.objects.values_list("month", flat=True))
        else:
            months = changed_months(since=state.refreshed_at - SETTLE)
        recompute(months)
        state.refreshed_at = started
        state.save(update_fields=["refreshed_at"])
    return len(months)


def changed_months(*, since: datetime) -> set[date]:
    charged = ChargeEvent.objects.filter(created_at__gte=since).values_list("charge__charged_on")
    paid = Payment.objects.filter(created_at__gte=since).values_list("invoice__month")
    return _months(day for (day,) in charged.distinct()) | {m for (m,) in paid.distinct()}


def recompute(months: Iterable[date]) -> None:
    months = sorted(set(months))
    if not months:
        return
    RevenueTally.objects.filter(month__in=months).delete()
    in_months = Q()
    for month in months:
        in_months |= Q(charged_on__gte=month, charged_on__lt=_next(month))
    by_month = (
        Charge.objects.filter(in_months)
        .annotate(month=TruncMonth("charged_on"))
        .values_list("month", "institution_id", "currency")
        .annotate(
            n=Count("pk"),
            charged=Sum("amount"),
            unpaid=Sum("amount", filter=Q(invoice__isnull=True) | Q(invoice__paid_at__isnull=True)),
        )
        .order_by()
    )
    rows: dict[Key, tuple[int, Decimal, Decimal]] = {}
    for month, institution, currency, n, charged, unpaid in by_month:
        rows[(_day(month), institution, currency)] = (n, charged, unpaid or ZERO)
    part_paid = (
        Payment.objects.filter(invoice__month__in=months, invoice__paid_at__isnull=True)
        .values_list("invoice__month", "invoice__institution_id", "invoice__currency")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for month, institution, currency, amount in part_paid:
        n, charged, unpaid = rows.get((month, institution, currency), (0, ZERO, ZERO))
        rows[(month, institution, currency)] = (n, charged, unpaid - amount)
    RevenueTally.objects.bulk_create(
        RevenueTally(
            month=month,
            institution_id=institution,
            currency=currency,
            charges=n,
            charged=Decimal(charged).quantize(ZERO),
            open=Decimal(unpaid).quantize(ZERO),
        )
        for (month, institution, currency), (n, charged, unpaid) in rows.items()
    )


@dataclass(frozen=True)
class Revenue:
    """One row of the statistics page's revenue table."""

    month: date
    oclc_symbol: str
    name: str
    currency: str
    charges: int
    charged: Decimal
    open: Decimal


def for_year(year: int) -> list[Revenue]:
    """The year's revenue by month and institution, as of the last refresh."""
    found = RevenueTally.objects.filter(month__year=year).order_by(
        "month", "institution__oclc_symbol", "currency"
    )
    return [
        Revenue(
            row.month,
            row.institution.oclc_symbol,
            row.institution.name,
            row.currency,
            row.charges,
            row.charged,
            row.open,
        )
        for row in found.select_related("institution")
    ]


def totals(rows: Iterable[Revenue]) -> list[tuple[str, Decimal, Decimal]]:
    """The year's totals by currency: (currency, charged, open)."""
    summed: dict[str, tuple[Decimal, Decimal]] = {}
    for row in rows:
        charged, still_open = summed.get(row.currency, (ZERO, ZERO))
        summed[row.currency] = (charged + row.charged, still_open + row.open)
    return [(currency, *summed[currency]) for currency in sorted(summed)]


def csv_rows(rows: Iterable[Revenue]) -> list[list[object]]:
    """Rows for the statistics CSV (section, label, request type, value): the month and
    institution as the label, "charged <currency>" or "open <currency>" in the type's column."""
    out: list[list[object]] = []
    for row in rows:
        label = f"{row.month:%Y-%m} {row.oclc_symbol}"
        out.append([CSV_SECTION, label, f"charged {row.currency}", row.charged])
        out.append([CSV_SECTION, label, f"open {row.currency}", row.open])
    return out


def _months(days: Iterable[date]) -> set[date]:
    return {day.replace(day=1) for day in days}


def _day(value: date | datetime) -> date:
    # TruncMonth of a date is a date on PostgreSQL and may come back as a datetime elsewhere.
    return value.date() if isinstance(value, datetime) else value


def _next(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)
