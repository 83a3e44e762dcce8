"""Journey 4: bad input gets a clear message next to its field, and nothing typed is lost."""

from typing import Any

import pytest
from stdnum import issn

from tests.e2e.helpers import (
    LIBRARY,
    create_librarian,
    field,
    fill_copy_form,
    log_in,
    recent_article,
    send_copy_request,
)

pytestmark = [pytest.mark.postgres_only, pytest.mark.services]

BAD_SYMBOL = "DL C!"
BAD_ISSN = "1234-5678"


def field_box(page: Any, control_id: str) -> Any:
    """The field's own block: its label, control, help and error (templates/includes/field.html)."""
    return page.locator(".field", has=page.locator(f"#{control_id}"))


def test_registration_with_a_malformed_oclc_symbol_says_so_next_to_it_and_keeps_the_input(
    new_context: Any, audit: Any, screenshot: Any
) -> None:
    page = new_context().new_page()
    page.goto("/register/")
    for label, value in {**LIBRARY, "OCLC symbol": BAD_SYMBOL}.items():
        page.get_by_label(label).fill(value)
    page.get_by_label("We accept the terms").check()
    page.get_by_role("button", name="Submit the registration").click()

    error = field_box(page, "id_oclc_symbol").locator(".errorlist")
    assert "OCLC symbol is 3 to 6 characters" in error.inner_text()
    assert page.locator("#id_oclc_symbol").input_value() == BAD_SYMBOL
    for label, value in LIBRARY.items():
        if label != "OCLC symbol":
            assert page.get_by_label(label).input_value() == value, label
    audit.check(page, "registration form with errors")
    screenshot(page, "registration-errors")
    audit.assert_clean()


def test_copy_request_with_a_bad_issn_and_no_statement_says_so_next_to_each_and_keeps_the_input(
    new_context: Any, audit: Any, screenshot: Any
) -> None:
    assert not issn.is_valid(BAD_ISSN), "the test needs an ISSN whose check digit is wrong"
    create_librarian("NYBKL", "Brooklyn College Library")
    page = new_context().new_page()
    log_in(page, "NYBKL")
    page.goto("/requests/new/copy/")
    article = {**recent_article(1), "ISSN": BAD_ISSN}
    fill_copy_form(page, article, statement=None)
    send_copy_request(page)

    issn_error = field_box(page, "id_issn").locator(".errorlist")
    assert "not a valid ISSN" in issn_error.inner_text()
    statement_box = page.locator("fieldset", has=page.get_by_text("Compliance statement"))
    assert "required" in statement_box.locator(".errorlist").inner_text().lower()
    for label, value in article.items():
        assert field(page, label).input_value() == value, label
    assert page.get_by_label("An article from a journal, magazine or newspaper").is_checked()
    audit.check(page, "copy request form with errors")
    screenshot(page, "copy-request-errors")
    audit.assert_clean()
