"""The ledger's property: a month of generated activity is invoiced to the cent, a payment
closes each invoice, and a loan lost after the month is charged on the next statement."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fees import services as fees
from fees import statements
from fees.models import ZERO, Charge, Fee, FeeService, Invoice
from registration.models import Institution
from requests_app import services
from requests_app.models import Request, Status
from tests.factories import make_institution
from tests.requests_app.factories import make_copy, make_loan

pytestmark = pytest.mark.django_db

MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)

activity = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=2),  # which institution
        st.integers(min_value=1, max_value=31),  # the day of March
        st.sampled_from(("loan", "article", "lost")),
        st.integers(min_value=1, max_value=80),  # pages of an article
    ),
    max_size=12,
)


def supplied(kind: str, institution: Institution, pages: int, staff: Any) -> Request:
    if kind == "article":
        item = make_copy(institution, pages_requested=pages)
        return services.fill_copy(
            item, seen=Status.NEW, delivery_method="mail", pdf=None, acting_user=staff
        )
    due = timezone.localdate() + timedelta(days=21)
    item = services.ship_loan(
        make_loan(institution), seen=Status.NEW, due_date=due, acting_user=staff
    )
    if kind == "lost":
        services.mark_lost(item, seen=Status.ON_LOAN, note="", acting_user=staff)
    return item


def on(day: date, item: Request) -> None:
    Charge.objects.filter(request=item, invoice__isnull=True).update(charged_on=day)


def ledger_total(**filters: Any) -> Decimal:
    return Charge.objects.filter(**filters).aggregate(total=Sum("amount"))["total"] or ZERO


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=activity)
def test_a_month_is_invoiced_to_the_cent_and_paid_and_a_later_loss_is_on_the_next_statement(
    events: list[tuple[int, int, str, int]], schedule: dict[FeeService, Fee], staff: Any
) -> None:
    with transaction.atomic():
        libraries = [make_institution() for _ in range(3)]
        for which, day, kind, pages in events:
            on(MARCH.replace(day=day), supplied(kind, libraries[which], pages, staff))
        later = supplied("loan", libraries[0], 1, staff)
        on(MARCH, later)

        invoices = fees.issue_invoices(MARCH)

        assert sum(i.total for i in invoices) == ledger_total(charged_on__lt=APRIL)
        for invoice in invoices:
            assert invoice.total == ledger_total(institution=invoice.institution)
        assert [i.number for i in Invoice.objects.order_by("number")] == list(
            range(1, len(invoices) + 1)
        )

        for invoice in invoices:
            fees.record_payment(
                invoice,
                method="check",
                reference=f"check {invoice.number}",
                amount=invoice.balance,
                received_on=APRIL,
                acting_user=staff,
            )
        assert not Invoice.objects.open().exists() and statements.open_balances() == []

        services.mark_lost(later, seen=Status.ON_LOAN, note="", acting_user=staff)
        on(APRIL.replace(day=2), later)
        statement = statements.statement_for(libraries[0])
        assert [(c.request_id, c.kind) for c in statement.uninvoiced] == [(later.pk, "replacement")]
        assert statement.open_total == Decimal("120.00")
        [next_invoice] = fees.issue_invoices(APRIL)
        assert next_invoice.total == Decimal("120.00")
        transaction.set_rollback(True)
