"""Journey 2: five copy requests for recent articles of one journal are accepted, the sixth is held
for copyright permission; the librarian records a permission reference, which waits until staff
confirm it on the desk (docs/copyright.md section 5)."""

from typing import Any

import pytest

from tests.e2e.helpers import (
    DESK_PERMISSIONS,
    STAFF_PASSWORD,
    create_librarian,
    create_staff,
    fill_copy_form,
    log_in,
    recent_article,
    send_copy_request,
)

pytestmark = [pytest.mark.postgres_only, pytest.mark.services]

HELD = "Held for copyright permission"


def decision_of(page: Any) -> str:
    return str(page.locator("section", has=page.locator("#decision-heading")).inner_text())


def status_of(page: Any) -> str:
    return str(page.locator(".status").inner_text())


def request_copy(page: Any, number: int, audit: Any, screenshot: Any) -> None:
    page.goto("/requests/new/copy/")
    fill_copy_form(page, recent_article(number))
    if number == 1:
        page.locator("#precheck-result").filter(has_text="Copyright pre-check").wait_for()
        audit.check(page, "copy request form, pre-check shown")
        screenshot(page, "copy-request-form")
    send_copy_request(page)
    page.get_by_role("heading", name="Copyright decision").wait_for()


def test_sixth_recent_article_of_a_journal_is_held_until_permission_is_recorded(
    new_context: Any, audit: Any, screenshot: Any
) -> None:
    create_librarian("NYBKL", "Brooklyn College Library")
    page = new_context().new_page()
    log_in(page, "NYBKL")

    for number in range(1, 6):
        request_copy(page, number, audit, screenshot)
        assert "Copyright decision: Accepted" in decision_of(page), f"copy {number}"
        assert status_of(page) != HELD
    assert "This is copy 5 of this title this year." in decision_of(page)
    audit.check(page, "copy request detail, accepted")
    screenshot(page, "fifth-copy-accepted")

    request_copy(page, 6, audit, screenshot)
    assert status_of(page) == HELD
    held = decision_of(page)
    assert "Copyright decision: Held until copyright permission is obtained" in held
    assert "permission" in held.split("\n", 1)[1].lower(), "the decision explains why it is held"
    audit.check(page, "copy request detail, held for permission")
    screenshot(page, "sixth-copy-held")

    page.get_by_label("Permission reference").fill("CCC-2026-0042317")
    page.get_by_role("button", name="Record the permission").click()
    page.get_by_text("Permission CCC-2026-0042317 is waiting for staff to confirm it.").wait_for()
    assert status_of(page) == HELD
    audit.check(page, "copy request detail, permission waiting for staff")
    request_number = str(page.url).rstrip("/").rsplit("/", 1)[-1]

    create_staff("desk", permissions=DESK_PERMISSIONS)
    desk = new_context().new_page()
    desk.goto(f"/desk/{request_number}/")
    desk.get_by_label("Username").fill("desk")
    desk.get_by_label("Password").fill(STAFF_PASSWORD)
    desk.get_by_role("button", name="Log in").click()
    desk.get_by_role("button", name="Record permission").click()
    audit.check(desk, "desk request detail, permission confirmed")

    page.reload()
    page.get_by_role("heading", name="Copyright decision: Accepted").wait_for()
    assert status_of(page) != HELD
    audit.check(page, "copy request detail, permission recorded")
    screenshot(page, "sixth-copy-accepted-with-permission")
    audit.assert_clean()
