"""The statistics' revenue and open balances by institution and month (docs/fees.md,
"Statistics"): what the page and its CSV show is the ledger's, to the cent."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q, Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fees import services as fees
from fees import statements, stats
from fees.models import ZERO, Charge, ChargeEvent, Fee, FeeService, Invoice, Payment
from registration.models import Institution
from tests.factories import make_institution
from tests.fees.test_properties import on, supplied

pytestmark = pytest.mark.django_db

MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)

activity = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=2),  # which institution
        st.sampled_from((MARCH, APRIL)),
        st.integers(min_value=1, max_value=30),  # the day of the month
        st.sampled_from(("loan", "article", "lost")),
        st.integers(min_value=1, max_value=80),  # pages of an article
    ),
    min_size=1,
    max_size=10,
)
# How much of each March invoice is paid: none, a part, or all of it.
paying = st.lists(st.sampled_from((0, 1, 2)), min_size=3, max_size=3)


def ledger(month: date, institution: Institution) -> tuple[Decimal, Decimal]:
    """What the ledger says of an institution's month: charged, and still open."""
    charges = Charge.objects.filter(
        institution=institution, charged_on__year=month.year, charged_on__month=month.month
    )
    unpaid = Q(invoice__isnull=True) | Q(invoice__paid_at__isnull=True)
    part_paid = Payment.objects.filter(
        invoice__institution=institution, invoice__month=month, invoice__paid_at__isnull=True
    )
    charged = charges.aggregate(total=Sum("amount"))["total"] or ZERO
    still_owed = charges.filter(unpaid).aggregate(total=Sum("amount"))["total"] or ZERO
    return charged, still_owed - (part_paid.aggregate(total=Sum("amount"))["total"] or ZERO)


def pay(invoice: Invoice, how_much: int, staff: Any) -> None:
    if how_much:
        amount = invoice.balance if how_much == 2 else (invoice.balance / 3).quantize(ZERO)
        fees.record_payment(
            invoice,
            method="check",
            reference=f"check {invoice.number}",
            amount=amount,
            received_on=APRIL,
            acting_user=staff,
        )


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=activity, payments=paying)
def test_a_generated_month_s_statistics_are_the_ledger_s_totals(
    events: list[tuple[int, date, int, str, int]],
    payments: list[int],
    schedule: dict[FeeService, Fee],
    staff: Any,
) -> None:
    with transaction.atomic():
        libraries = [make_institution() for _ in range(3)]
        for which, month, day, kind, pages in events:
            on(month.replace(day=day), supplied(kind, libraries[which], pages, staff))
        for invoice, how_much in zip(fees.issue_invoices(MARCH), payments, strict=False):
            pay(invoice, how_much, staff)

        stats.refresh()

        shown = {
            (row.month, row.oclc_symbol): (row.charged, row.open) for row in stats.for_year(2026)
        }
        expected = {
            (month, library.oclc_symbol): ledger(month, library)
            for month in (MARCH, APRIL)
            for library in libraries
            if ledger(month, library)[0]
        }
        assert shown == expected
        owed = sum((balance.open for balance in statements.open_balances()), ZERO)
        assert sum((row.open for row in stats.for_year(2026)), ZERO) == owed
        transaction.set_rollback(True)


def test_a_refresh_recomputes_the_months_a_payment_or_a_new_charge_changed(
    schedule: dict[FeeService, Fee], staff: Any, institution: Institution
) -> None:
    on(MARCH.replace(day=5), supplied("loan", institution, 1, staff))
    on(MARCH.replace(day=9), supplied("article", institution, 30, staff))
    [invoice] = fees.issue_invoices(MARCH)
    assert stats.refresh() == 1
    [march] = stats.for_year(2026)
    assert (march.charges, march.charged, march.open) == (2, Decimal("25.00"), Decimal("25.00"))

    pay(invoice, 2, staff)
    on(APRIL.replace(day=2), supplied("loan", institution, 1, staff))
    assert stats.refresh() == 2
    rows = [(row.month, row.charges, row.charged, row.open) for row in stats.for_year(2026)]
    assert rows == [
        (MARCH, 2, Decimal("25.00"), ZERO),
        (APRIL, 1, Decimal("15.00"), Decimal("15.00")),
    ]


def test_the_statistics_page_and_csv_show_revenue_after_refresh_now(
    desk: Client, schedule: dict[FeeService, Fee], staff: Any, institution: Institution
) -> None:
    on(MARCH.replace(day=5), supplied("loan", institution, 1, staff))
    page = desk.get(reverse("desk:stats"), {"year": 2026}).content.decode()
    assert "Nothing charged this year." in page

    desk.post(f"{reverse('desk:stats_refresh')}?year=2026")

    page = desk.get(reverse("desk:stats"), {"year": 2026}).content.decode()
    assert "Revenue and open balances" in page
    row = f"<td>{institution.oclc_symbol} {institution.name}</td><td>1</td><td>USD 15.00</td>"
    assert f'<th scope="row">March 2026</th>{row}<td>USD 15.00</td>' in page
    body = desk.get(reverse("desk:stats_csv"), {"year": 2026}).content.decode()
    rows = list(csv.reader(io.StringIO(body)))
    label = f"2026-03 {institution.oclc_symbol}"
    assert ["revenue", label, "charged USD", "15.00"] in rows
    assert ["revenue", label, "open USD", "15.00"] in rows


def test_revenue_is_shown_to_staff_who_may_view_charges_only(
    client: Client,
    schedule: dict[FeeService, Fee],
    staff: Any,
    institution: Institution,
    django_user_model: Any,
) -> None:
    call_command("setup_roles", stdout=StringIO())
    on(MARCH.replace(day=5), supplied("loan", institution, 1, staff))
    stats.refresh()
    verifier = django_user_model.objects.create_user("verifier_user", is_staff=True)
    verifier.groups.add(Group.objects.get(name="verifier"))
    client.force_login(verifier)
    page = client.get(reverse("desk:stats"), {"year": 2026}).content.decode()
    body = client.get(reverse("desk:stats_csv"), {"year": 2026}).content.decode()
    assert "Revenue and open balances" not in page and "revenue" not in body


def test_the_command_rebuilds_every_month_after_changes_made_outside_the_application(
    schedule: dict[FeeService, Fee], staff: Any, institution: Institution
) -> None:
    on(MARCH.replace(day=5), supplied("loan", institution, 1, staff))
    ChargeEvent.objects.update(created_at=timezone.now() - timedelta(hours=1))
    stats.refresh()
    Charge.objects.update(amount=Decimal("40.00"))  # by hand, in SQL: no event says so

    assert stats.refresh() == 0 and stats.for_year(2026)[0].charged == Decimal("15.00")
    out = StringIO()
    call_command("refresh_revenue", "--all", stdout=out)

    assert "1 month(s) recomputed" in out.getvalue()
    assert stats.for_year(2026)[0].charged == Decimal("40.00")
