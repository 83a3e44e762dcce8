"""A library's ILL system sends a request over ISO 18626; staff find it on the desk with its
message log, open a message's XML from the keyboard, and the page passes axe."""

from collections.abc import Iterator
from typing import Any

import pytest

from requests_app.models import Request
from tests.e2e.helpers import DESK_PERMISSIONS, create_librarian, create_staff
from tests.e2e.test_loan_journey import staff_desk
from tests.requests_app.iso18626.helpers import loan_request, make_partner
from tests.requests_app.iso18626.simulator import Requester

pytestmark = [pytest.mark.postgres_only, pytest.mark.services]


@pytest.fixture
def requester(app_url: str) -> Iterator[Requester]:
    simulator = Requester(app_url=app_url)
    simulator.start()
    yield simulator
    simulator.stop()


def test_staff_read_a_partners_messages_on_the_desk(
    new_context: Any, audit: Any, screenshot: Any, requester: Requester
) -> None:
    make_partner(
        create_librarian("ILISO", "ISO Test Library"),
        agency=("OCLC", "ILISO"),
        address=requester.address,
    )
    create_staff("desk", permissions=DESK_PERMISSIONS)
    requester.send(loan_request("e2e-1", requester="ILISO", title="The Silmarillion"))
    requester.wait_for("e2e-1", 1)
    item = Request.objects.get(title="The Silmarillion")

    page = new_context().new_page()
    staff_desk(page, audit)
    page.goto(f"/desk/{item.pk}/")
    page.get_by_role("heading", name="ISO 18626 messages").wait_for()
    summary = page.get_by_text("XML of message 1")
    summary.focus()
    page.keyboard.press("Enter")

    assert "requestingAgencyRequestId" in page.locator("details[open] pre").first.inner_text()
    audit.check(page, "desk request with ISO 18626 messages")
    screenshot(page, "desk-iso18626-messages")
    audit.assert_clean()
