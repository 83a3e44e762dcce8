"""Journey 5: one institution cannot see another's requests, whatever URL it tries."""

from typing import Any

import pytest

from tests.e2e.helpers import create_librarian, field, log_in

pytestmark = [pytest.mark.postgres_only, pytest.mark.services]

TITLE = "Annals of the Springfield Historical Society, 1887-1912"


def request_a_loan(page: Any) -> str:
    page.goto("/requests/new/loan/")
    field(page, "Title").fill(TITLE)
    field(page, "Year").fill("1913")
    page.get_by_label("We tried local and other libraries first").check()
    page.get_by_role("button", name="Send the loan request").click()
    page.get_by_role("heading", name="Loan request").wait_for()
    return str(page.url)


def test_another_institution_gets_not_found_for_the_first_ones_request(
    new_context: Any, audit: Any, screenshot: Any
) -> None:
    create_librarian("NYBKL", "Brooklyn College Library")
    create_librarian("ILSPF", "Springfield Public Library")
    first = new_context().new_page()
    log_in(first, "NYBKL")
    detail_url = request_a_loan(first)

    other = new_context().new_page()
    log_in(other, "ILSPF")
    for url in (detail_url, f"{detail_url}cancel/"):
        response = other.goto(url)
        assert response is not None and response.status == 404, url
        assert TITLE not in other.content()
    audit.check(other, "another institution's request (404)")
    screenshot(other, "not-found")
    other.goto("/requests/list/")
    assert TITLE not in other.content()
    audit.check(other, "request list of the other institution")
    audit.assert_clean()
