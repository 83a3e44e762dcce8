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


def test_staff_ask_for_more_the_library_answers_by_its_link_and_a_rejection_is_told(
    new_context: Any, audit: Any, screenshot: Any, mail_server: SmtpServer
) -> None:
    """Issue 26, item 8, in the browser: the request for more information carries a link to a
    form that updates the registration (checked by axe at every impact level, and at 390 px);
    a rejection must be confirmed and is emailed with its reason."""
    create_staff("verifier", permissions=VERIFIER_PERMISSIONS)
    librarian = new_context(viewport={"width": 390, "height": 844}).new_page()
    register_library(librarian, audit, screenshot)
    staff = new_context().new_page()
    staff.goto("/admin/login/")
    staff.get_by_label("Username").fill("verifier")
    staff.get_by_label("Password").fill(STAFF_PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    staff.goto("/admin/registration/registration/")
    staff.get_by_role("link", name="ILSPF").click()
    staff.get_by_label("What information is missing").fill("Which department handles ILL?")
    staff.get_by_role("button", name="Ask for more information").click()
    staff.get_by_text("Marked as waiting for more information").wait_for()

    asked = plain_text(message_to(mail_server, LIBRARY["Contact email"]))
    link = next(word for word in asked.split() if "/register/update/" in word)
    librarian.goto("/" + link.split("://", 1)[1].split("/", 1)[1])
    librarian.get_by_role("heading", name="Update your registration").wait_for()
    audit.check(librarian, "registration update form", every_impact=True)
    assert librarian.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    librarian.get_by_label("Library or department").fill("Resource Sharing")
    librarian.get_by_label("Anything else").fill("Resource Sharing handles ILL.")
    librarian.get_by_role("button", name="Send the update").click()
    librarian.get_by_role("heading", name="Registration received").wait_for()

    staff.reload()
    staff.get_by_text("Resource Sharing handles ILL.").wait_for()
    staff.get_by_label("Reason for rejection").fill("Not a library that lends to libraries.")
    staff.get_by_role("button", name="Reject the registration").click()
    # The unticked confirmation stops the browser (and, without it, the server) from rejecting.
    confirmation = staff.get_by_label("Yes, reject")
    assert confirmation.evaluate("box => box.validity.valueMissing")
    confirmation.check()
    staff.get_by_role("button", name="Reject the registration").click()
    staff.get_by_text("Rejected; the reason is on record").wait_for()
    audit.check(staff, "admin verification page, rejected", every_impact=True)

    told = [
        plain_text(message)
        for message in mail_server.messages
        if "not approved" in str(message["Subject"])
    ]
    assert told and "Not a library that lends to libraries." in told[0]
    audit.assert_clean()
