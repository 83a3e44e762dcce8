"""The fee pages pass axe: the library's statement and the loan form stating the likely charge,
the staff home's open balances, the desk's charge panel (with a partner's billing), the
statistics' revenue and the admin's fee lists."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from fees import services as fees
from fees import stats
from fees.models import BillingInfo, Charge, Fee, FeeService
from requests_app import services
from tests.e2e.helpers import LIBRARIAN_PASSWORD, STAFF_PASSWORD, create_librarian
from tests.requests_app.factories import make_loan

pytestmark = [pytest.mark.postgres_only, pytest.mark.services]

STAFF_PAGES = (
    "/desk/home/",
    "/desk/statistics/?year=2026",
    "/admin/fees/fee/",
    "/admin/fees/invoice/",
    "/admin/fees/charge/",
)


def _charged_library() -> tuple[Any, Any]:
    """A library with one invoiced loan and one loan above its maximum cost, not yet shipped."""
    Fee.objects.create(service=FeeService.LOAN, base=Decimal("15.00"), rush=Decimal("10.00"))
    chief = get_user_model().objects.create_superuser("chief", "c@loc.invalid", STAFF_PASSWORD)
    library = create_librarian("NYBKL", "Brooklyn College Library")
    due = timezone.localdate() + timedelta(days=21)
    shipped = make_loan(library)
    services.ship_loan(shipped, seen=shipped.status, due_date=due, acting_user=chief)
    Charge.objects.update(charged_on=date(2026, 3, 2))
    fees.issue_invoices(date(2026, 3, 1))
    stats.refresh()
    waiting = make_loan(library, max_cost=Decimal("10.00"))
    BillingInfo.objects.create(
        request=waiting,
        payment_method="IFM",
        billing_name="Brooklyn College Library, Interlibrary Loan",
        address="2900 Bedford Avenue\nBrooklyn, NY 11210",
        maximum_sent=True,
        maximum_amount=Decimal("10.00"),
        maximum_currency="USD",
    )
    return library, waiting


def test_the_fee_pages_pass_axe(new_context: Any, audit: Any) -> None:
    _, waiting = _charged_library()
    library = new_context().new_page()
    library.goto("/accounts/login/")
    library.get_by_label("Username").fill("nybkl")
    library.get_by_label("Password").fill(LIBRARIAN_PASSWORD)
    library.get_by_role("button", name="Log in").click()
    for path in ("/fees/statement/", "/requests/new/loan/"):
        library.goto(path)
        audit.check(library, f"library page {path}", every_impact=True)
    staff = new_context().new_page()
    staff.goto("/admin/login/")
    staff.get_by_label("Username").fill("chief")
    staff.get_by_label("Password").fill(STAFF_PASSWORD)
    staff.keyboard.press("Enter")
    staff.wait_for_url("**/admin/")
    for path in (*STAFF_PAGES, f"/desk/{waiting.pk}/"):
        staff.goto(path)
        audit.check(staff, f"staff page {path}")
    assert "above the library" in staff.content() and "Bill to" in staff.content()
    audit.assert_clean()
