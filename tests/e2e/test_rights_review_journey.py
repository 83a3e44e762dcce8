"""A reproduction order outside section 108 in Chromium (docs/copyright.md section 4,
"Reproduction orders"): the library orders a map for an exhibition with the rights not known,
reads why it is held and what it can do, staff find it in the clearance queue marked for a rights
review, record what they found, and send the price quote. Every page is checked with axe."""

from typing import Any

import pytest

from requests_app.actions import ACTIONS
from tests.e2e.helpers import create_librarian, field, log_in
from tests.e2e.test_library_side_journey import SYMBOL, _staff_page

pytestmark = [pytest.mark.postgres_only, pytest.mark.services]


def test_an_exhibition_order_goes_through_the_rights_review_to_a_quote(
    new_context: Any, audit: Any, mail_server: Any
) -> None:
    create_librarian(SYMBOL, "Brooklyn College Library")
    library = new_context().new_page()
    log_in(library, SYMBOL)
    library.goto("/requests/new/duplication/")
    field(library, "Digital id").fill("g3851gm.g01227188801")
    field(library, "Title or description of the item").fill("Sanborn map of Washington, 1888")
    library.get_by_label("TIFF image file").check()
    library.get_by_label("Exhibition").check()
    field(library, "Credit line").fill("Library of Congress, Geography and Map Division")
    library.get_by_label("Not known", exact=False).check()
    library.get_by_label("We will use this reproduction only", exact=False).check()
    library.get_by_role("button", name="Send the order for a price quote").click()
    library.get_by_role("heading", name="What you can do").wait_for()
    assert "reviews the rights in the item" in library.content()
    audit.check(library, "reproduction order in the rights review", every_impact=True)
    number = library.url.rstrip("/").rsplit("/", 1)[-1]

    desk = _staff_page(new_context)
    desk.goto("/desk/?queue=clearance")
    desk.get_by_text("Rights review", exact=True).wait_for()
    audit.check(desk, "clearance queue with a rights review", every_impact=True)
    desk.goto(f"/desk/{number}/")
    desk.get_by_label("Rights review: no known restrictions").check()
    desk.get_by_label("What the review found").fill("Published 1888; no copyright notice.")
    desk.get_by_role("button", name=ACTIONS["rights"].title).click()
    desk.locator("#id_quote_amount").fill("45.00")
    desk.locator("#id_quote_note").fill("One TIFF file at 600 ppi")
    desk.get_by_role("button", name="Send the price quote").click()
    desk.get_by_text(f"Request {number}: {ACTIONS['quote'].past}.").wait_for()

    library.reload()
    library.get_by_role("heading", name="Price quote: US $45.00").wait_for()
