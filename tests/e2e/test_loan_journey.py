"""Journey 3: a loan request arrives from an OpenURL link; staff claim it and ship it with a due
date; the librarian sees it on loan; staff record its return."""

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from tests.e2e.helpers import (
    DESK_PERMISSIONS,
    STAFF_PASSWORD,
    create_librarian,
    create_staff,
    field,
    log_in,
)

pytestmark = [pytest.mark.postgres_only, pytest.mark.services]

# What a discovery system's "request this" link sends (OpenURL 1.0, Z39.88-2004 key/value).
OPENURL = {
    "url_ver": "Z39.88-2004",
    "rft_val_fmt": "info:ofi/fmt:kev:mtx:book",
    "rft.genre": "book",
    "rft.btitle": "Prairie Settlements of Sangamon County",
    "rft.au": "Whitcombe, Eleanor",
    "rft.pub": "Prairie Press",
    "rft.place": "Springfield, Ill.",
    "rft.date": "1931",
    "rft.isbn": "978-0-306-40615-7",
}


def request_loan_from_openurl(page: Any, audit: Any, screenshot: Any) -> str:
    page.goto(f"/requests/new/?{urlencode(OPENURL)}")
    page.get_by_role("heading", name="Request a loan").wait_for()
    assert field(page, "Title").input_value() == OPENURL["rft.btitle"]
    assert field(page, "Author").input_value() == OPENURL["rft.au"]
    assert field(page, "Year").input_value() == OPENURL["rft.date"]
    audit.check(page, "loan request form prefilled from OpenURL")
    screenshot(page, "loan-form-from-openurl")
    page.get_by_label("We tried local and other libraries first").check()
    page.get_by_role("button", name="Send the loan request").click()
    page.get_by_role("heading", name="Loan request").wait_for()
    audit.check(page, "loan request detail, new")
    return str(page.url).rstrip("/").rsplit("/", 1)[-1]


def staff_desk(page: Any, audit: Any) -> None:
    page.goto("/desk/")
    page.get_by_label("Username").fill("desk")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Request desk").wait_for()
    audit.check(page, "desk queues")


def test_openurl_loan_is_claimed_shipped_seen_on_loan_and_returned(
    new_context: Any, audit: Any, screenshot: Any
) -> None:
    create_librarian("NYBKL", "Brooklyn College Library")
    create_staff("desk", permissions=DESK_PERMISSIONS)
    librarian = new_context().new_page()
    log_in(librarian, "NYBKL")
    number = request_loan_from_openurl(librarian, audit, screenshot)

    desk = new_context().new_page()
    staff_desk(desk, audit)
    desk.get_by_role("link", name=number, exact=True).click()
    desk.get_by_role("button", name="Claim").click()
    desk.get_by_text("Status: New. Claimed by desk").wait_for()
    audit.check(desk, "desk request detail, claimed")
    screenshot(desk, "desk-claimed")
    due = timezone.localdate() + timedelta(days=28)
    desk.get_by_label("Due date").fill(due.isoformat())
    desk.get_by_role("button", name="Ship the loan").click()
    assert desk.locator(".status").inner_text() == "On loan"
    audit.check(desk, "desk request detail, on loan")

    librarian.reload()
    assert librarian.locator(".status").inner_text() == "On loan"
    assert f"Due back on {due.isoformat()}" in librarian.locator("main").inner_text()
    audit.check(librarian, "loan request detail, on loan")
    screenshot(librarian, "loan-on-loan")

    desk.get_by_role("button", name="Record the return").click()
    assert desk.locator(".status").inner_text() == "Returned"
    audit.check(desk, "desk request detail, returned")
    librarian.reload()
    assert librarian.locator(".status").inner_text() == "Returned"
    audit.assert_clean()
