"""A librarian chooses the library's emails with the keyboard, and reads a shipped loan's use
restrictions on its request page; both pages pass axe at every impact."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from registration.models import OptionalEmail
from requests_app import services
from tests.e2e.helpers import LIBRARIAN_PASSWORD, STAFF_PASSWORD, create_librarian
from tests.requests_app.factories import make_loan

pytestmark = [pytest.mark.postgres_only, pytest.mark.services]


def test_a_librarian_turns_off_an_email_and_reads_the_use_restrictions(
    new_context: Any, audit: Any
) -> None:
    library = create_librarian("NYBKL", "Brooklyn College Library")
    chief = get_user_model().objects.create_superuser("chief", "c@loc.invalid", STAFF_PASSWORD)
    loan = make_loan(library)
    due = timezone.localdate() + timedelta(days=21)
    services.ship_loan(
        loan, seen=loan.status, due_date=due, acting_user=chief, library_use_only=True
    )
    page = new_context().new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("nybkl")
    page.get_by_label("Password").fill(LIBRARIAN_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="Email choices").click()
    audit.check(page, "library page: email choices", every_impact=True)
    received = page.get_by_label(OptionalEmail.REQUEST_RECEIVED.label)
    received.focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save the email choices").press("Enter")
    page.wait_for_load_state()
    assert "Your email choices are saved." in page.content()
    assert not page.get_by_label(OptionalEmail.REQUEST_RECEIVED.label).is_checked()
    library.refresh_from_db()
    assert not library.email_request_received and library.email_loan_shipped

    page.goto(f"/requests/{loan.pk}/")
    assert page.get_by_role("heading", name="Use restrictions").is_visible()
    audit.check(page, "library page: a loan with use restrictions", every_impact=True)
    audit.assert_clean()
