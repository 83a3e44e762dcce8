"""Journey: staff at the desk with the office's catalog, by keyboard. Requests submitted are
looked up by the worker in the test catalog (Zebra, over SRU); staff read the holdings panel,
confirm holdings, and print the pull slips in shelf order with the confirmed call numbers; a
volume outside the holdings is suggested "not owned", a checked-out book "in use"; the catalog
stopped mid-run changes nothing but the panel's message (docs/catalog.md)."""

import time
from typing import Any

import pytest

from catalog.models import Lookup, State
from requests_app.models import Request, Status
from tests.e2e.helpers import DESK_PERMISSIONS, STAFF_PASSWORD, create_librarian, create_staff
from tests.requests_app.factories import make_copy, make_loan
from tests.services import ZebraCatalog

pytestmark = [pytest.mark.postgres_only, pytest.mark.services]


def press(page: Any, locator: Any, key: str = "Enter") -> None:
    locator.focus()
    page.keyboard.press(key)


def looked_up(request_id: int, state: str = State.FOUND, timeout: float = 60.0) -> Lookup:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = Lookup.objects.filter(request_id=request_id, state=state).first()
        if found is not None:
            return found
        time.sleep(0.2)
    raise AssertionError(f"request {request_id}: no {state} lookup")


def confirm_the_first_holding(page: Any, item: Request, call_number: str) -> None:
    page.goto(f"/desk/{item.pk}/")
    page.get_by_role("heading", name="In the office's catalog").wait_for()
    press(page, page.get_by_role("button", name=f"Confirm this holding: {call_number}").first)
    page.get_by_text(f"Request {item.pk}: {call_number} confirmed.").wait_for()


def test_staff_look_up_confirm_holdings_and_print_slips_in_shelf_order(
    settings: Any, new_context: Any, audit: Any, screenshot: Any, zebra_catalog: ZebraCatalog
) -> None:
    settings.CATALOG_SRU_URL = zebra_catalog.sru_url
    library = create_librarian("NYBKL", "Brooklyn College Library")
    create_staff("desk", permissions=DESK_PERMISSIONS)
    books = {
        "QA76.73.C15 K47 1988": make_loan(library, isbn="9780131103627"),
        "QA76.6 .C662 2009": make_loan(library, isbn="9780262033848", call_number="QA76 X9 THEIRS"),
        "QA9 .G35 1995": make_loan(library, isbn="9780201633610"),
    }
    gap = make_copy(library, issn="0022-0418", volume="41", publication_date="1985")
    out = make_loan(library, isbn="9780226458083")
    for item in [*books.values(), gap, out]:
        looked_up(item.pk)

    page = new_context().new_page()
    page.goto("/desk/")
    page.get_by_label("Username").fill("desk")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Request desk").wait_for()

    cormen = books["QA76.6 .C662 2009"]
    page.goto(f"/desk/{cormen.pk}/")
    panel = page.locator(".holdings-panel")
    assert "Claim and pull it from the shelf" in panel.inner_text()
    assert "Call number cited by the library (theirs, not ours)" in page.content()
    audit.check(page, "desk request page with its holdings panel")
    screenshot(page, "holdings-panel")
    for call_number, item in books.items():
        confirm_the_first_holding(page, item, call_number)
    audit.check(page, "desk request page, holding confirmed")

    page.goto("/desk/?queue=new&service=loan")
    for item in books.values():
        press(page, page.locator(f"#pick-{item.pk}"), "Space")
    press(page, page.get_by_role("button", name="Print their pull slips"))
    page.get_by_role("heading", name="Pull slips for 3 requests").wait_for()
    printed = page.locator(".slip-call-number strong:first-child").all_inner_texts()
    assert printed == ["QA9 .G35 1995", "QA76.6 .C662 2009", "QA76.73.C15 K47 1988"]
    assert "THEIRS" not in page.locator(".slip-call-number").all_inner_texts()[1]
    audit.check(page, "pull slips in shelf order")
    screenshot(page, "pull-slips-in-shelf-order")

    page.goto(f"/desk/{gap.pk}/")
    assert "Suggested: Refuse: not owned" in page.locator(".suggestion").inner_text()
    audit.check(page, "desk request page, not owned suggested")
    page.goto(f"/desk/{out.pk}/")
    suggestion = page.locator(".suggestion").inner_text()
    assert "Suggested: Refuse: in use" in suggestion and "due back 2027-01-15" in suggestion

    zebra_catalog.stop()
    try:
        # The button's POST answers with a redirect to this page: let that navigation end before
        # the page is asked for again, once the worker has recorded the failure.
        with page.expect_navigation():
            press(page, page.get_by_role("button", name="Look it up again"))
        looked_up(out.pk, State.FAILED)
        page.goto(f"/desk/{out.pk}/")
        failure = page.locator(".holdings-panel [role=status]").inner_text()
        assert "The catalog lookup failed" in failure and "It will be tried again at" in failure
        assert "Suggested: Refuse: in use" in page.locator(".suggestion").inner_text()
        assert Request.objects.get(pk=out.pk).status == Status.NEW
        audit.check(page, "desk request page, catalog down")
        screenshot(page, "catalog-down")
    finally:
        zebra_catalog.start()
    audit.assert_clean()
