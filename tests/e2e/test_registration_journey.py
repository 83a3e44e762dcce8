"""Journey 1: a library registers, staff verify it in the admin, the credentials arrive by email
and the librarian logs in with them."""

from typing import Any

import pytest

from registration.directory import with_match_keys
from registration.models import DirectoryRecord
from tests.e2e.helpers import (
    LIBRARY,
    STAFF_PASSWORD,
    VERIFIER_PERMISSIONS,
    create_staff,
    labelled_value,
    message_to,
    plain_text,
)
from tests.services import SmtpServer

pytestmark = [pytest.mark.postgres_only, pytest.mark.services]


def directory_entry() -> DirectoryRecord:
    fields = {
        "oclc_symbol": "ILSPF",
        "name": "Lincoln Library (Springfield Public Library)",
        "street": "326 S 7th St",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701-1621",
        "phone": "(217) 555-0142",
    }
    return DirectoryRecord.objects.create(
        source="IMLS PLS FY2022", record_key="IL0123", **with_match_keys(fields)
    )


def register_library(page: Any, audit: Any, screenshot: Any) -> None:
    page.goto("/register/")
    audit.check(page, "registration form")
    screenshot(page, "registration-form")
    for label, value in LIBRARY.items():
        page.get_by_label(label).fill(value)
    page.get_by_label("We accept the terms").check()
    page.get_by_role("button", name="Submit the registration").click()
    page.get_by_role("heading", name="Registration received").wait_for()
    audit.check(page, "registration received")


def approve_in_admin(page: Any, audit: Any, screenshot: Any) -> None:
    page.goto("/admin/")
    audit.check(page, "admin login")
    page.get_by_label("Username").fill("verifier")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    audit.check(page, "admin index")
    page.get_by_role("link", name="Registrations").first.click()
    audit.check(page, "admin registration queue")
    page.get_by_role("link", name="ILSPF").click()
    page.get_by_role("heading", name="Directory candidates").wait_for()
    audit.check(page, "admin verification page")
    screenshot(page, "admin-verification")
    candidate = page.locator("table", has_text="Lincoln Library")
    assert "Identifier match" in candidate.locator("caption").text_content()
    page.get_by_label("Approval note").fill("Telephoned the contact person; details confirmed.")
    page.get_by_role("button", name="Approve and email credentials").click()
    page.get_by_text("Approved; the credentials email is queued.").wait_for()
    audit.check(page, "admin verification page, approved")


def test_registered_library_is_verified_and_logs_in_with_emailed_credentials(
    new_context: Any, audit: Any, screenshot: Any, mail_server: SmtpServer
) -> None:
    directory_entry()
    create_staff("verifier", permissions=VERIFIER_PERMISSIONS)
    librarian = new_context().new_page()
    register_library(librarian, audit, screenshot)
    assert not mail_server.messages, "nothing may be emailed before staff verify the library"

    approve_in_admin(new_context().new_page(), audit, screenshot)

    email = plain_text(message_to(mail_server, LIBRARY["Contact email"]))
    username = labelled_value(email, "Username")
    password = labelled_value(email, "Password")
    assert username == "ILSPF"
    librarian.goto("/accounts/login/")
    audit.check(librarian, "login")
    librarian.get_by_label("Username").fill(username)
    librarian.get_by_label("Password").fill(password)
    librarian.get_by_role("button", name="Log in").click()
    librarian.get_by_role("button", name="Log out ILSPF").wait_for()
    audit.check(librarian, "home, logged in")
    screenshot(librarian, "logged-in")
    audit.assert_clean()
