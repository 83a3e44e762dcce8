"""What institutions owe: one institution's statement (the portal's "Fees and invoices") and
every institution's open balance (the staff home), from the ledger (docs/fees.md)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from fees.models import ZERO, Charge, Invoice, Payment
from registration.models import Institution


@dataclass(frozen=True)
class Statement:
    """What one institution owes: its open invoices and its charges not yet invoiced."""

    invoices: list[Invoice]
    uninvoiced: list[Charge]

    @property
    def open_total(self) -> Decimal:
        return sum((i.balance for i in self.invoices), ZERO) + sum(
            (c.amount for c in self.uninvoiced), ZERO
        )


def statement_for(institution: Institution) -> Statement:
    invoices = Invoice.objects.for_institution(institution).open().order_by("number")
    uninvoiced = Charge.objects.filter(institution=institution, invoice__isnull=True)
    return Statement(list(invoices), list(uninvoiced.select_related("request")))


@dataclass(frozen=True)
class Balance:
    oclc_symbol: str
    name: str
    currency: str
    open: Decimal


def open_balances() -> list[Balance]:
    """What each institution owes, by currency, largest first (the staff home's list): unpaid
    charges less the part payments already made on their open invoices."""
    owed: dict[tuple[str, str, str], Decimal] = {}
    charged = Charge.objects.unpaid().values_list(
        "institution__oclc_symbol", "institution__name", "currency"
    )
    for *key, amount in charged.annotate(total=Sum("amount")).order_by():
        owed[tuple(key)] = amount
    paid = Payment.objects.filter(invoice__paid_at__isnull=True).values_list(
        "invoice__institution__oclc_symbol", "invoice__institution__name", "invoice__currency"
    )
    for *key, amount in paid.annotate(total=Sum("amount")).order_by():
        owed[tuple(key)] = owed.get(tuple(key), ZERO) - amount
    # SQLite sums decimals without their scale: cents are put back for the page.
    rows = [Balance(*key, amount.quantize(ZERO)) for key, amount in owed.items()]
    return sorted(rows, key=lambda row: row.open, reverse=True)
