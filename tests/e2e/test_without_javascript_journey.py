"""Journey 6: with JavaScript turned off, the request forms still do everything: errors come back
next to their fields, and copy and loan requests are sent and decided. (axe needs scripts to
run, so these pages are audited by the journeys that visit them with JavaScript on.)"""

from typing import Any

import pytest

from tests.e2e.helpers import (
    create_librarian,
    field,
    fill_copy_form,
    log_in,
    recent_article,
    send_copy_request,
)

pytestmark = [pytest.mark.postgres_only, pytest.mark.services]


def test_copy_and_loan_requests_work_with_javascript_disabled(
    new_context: Any, screenshot: Any
) -> None:
    create_librarian("NYBKL", "Brooklyn College Library")
    page = new_context(java_script_enabled=False).new_page()
    log_in(page, "NYBKL")

    page.goto("/requests/new/copy/")
    fill_copy_form(page, recent_article(1), statement=None)
    assert page.locator("#precheck-result").inner_text() == "", "no script ran"
    send_copy_request(page)
    assert page.locator(".errorlist").count() >= 1, "the server answered with the errors"
    page.get_by_label("CCG: this request complies", exact=False).check()
    send_copy_request(page)
    page.get_by_role("heading", name="Copyright decision: Accepted").wait_for()
    screenshot(page, "copy-request-sent-without-javascript")

    page.goto("/requests/new/loan/")
    field(page, "Title").fill("The Papers of Abraham Lincoln, volume 3")
    field(page, "Year").fill("2008")
    page.get_by_label("We tried local and other libraries first").check()
    page.get_by_role("button", name="Send the loan request").click()
    page.get_by_role("heading", name="Loan request").wait_for()
    assert "The Papers of Abraham Lincoln, volume 3" in page.locator(".citation").inner_text()
