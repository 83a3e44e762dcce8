"""Journey 8: the borrowing library's side, in Chromium against the live application with its
Celery worker and SMTP server: arriving from a real OpenURL before logging in, a DOI-only link, a
two-way conversation, a renewal approved and one declined, a reproduction order with its quote,
the registration's errors by keyboard, and the request list at 390 px and at 200 % zoom. Every
library page is checked with axe at every impact level."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from requests_app.actions import ACTIONS
from requests_app.models import Request
from tests.e2e.helpers import (
    DESK_PERMISSIONS,
    STAFF_PASSWORD,
    create_librarian,
    create_staff,
    field,
    log_in,
    message_to,
    plain_text,
)
from tests.requests_app.factories import make_copy, make_loan

pytestmark = [pytest.mark.postgres_only, pytest.mark.services]

REAL_OPENURLS = Path(__file__).resolve().parents[2] / "../shared/openurl/real-openurls.txt"
SYMBOL = "NYBKL"


def _web_of_science_link() -> str:
    lines = REAL_OPENURLS.read_text(encoding="utf-8").splitlines()
    return next(line for line in lines if "WoK:UA" in line)


def _staff_page(new_context: Any) -> Any:
    create_staff("desk", permissions=DESK_PERMISSIONS)
    page = new_context().new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("desk")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Request desk").wait_for()
    return page


def test_a_real_openurl_followed_before_logging_in_fills_the_copy_form(
    new_context: Any, audit: Any, screenshot: Any
) -> None:
    create_librarian(SYMBOL, "Brooklyn College Library")
    page = new_context().new_page()
    page.goto(f"/requests/new/?{_web_of_science_link()}")
    page.get_by_role("heading", name="Log in").wait_for()
    assert "OCLC symbol" in page.content()
    page.get_by_label("Username").fill(SYMBOL.lower())
    page.get_by_label("Password").fill("Quill-Lantern-Harbor-5093")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Request a copy").wait_for()
    assert field(page, "DOI").input_value() == "10.1039/b814549k"
    assert field(page, "ISSN").input_value() == "1757-9694"
    assert field(page, "Pages").input_value() == "30-42"
    assert "filled in from a link sent by Web of Science." in page.content()
    audit.check(page, "copy form from a real OpenURL", every_impact=True)
    screenshot(page, "copy-form-from-openurl")
    audit.assert_clean()


def test_a_copy_form_from_a_link_sent_with_an_error_keeps_its_notice(
    new_context: Any, audit: Any
) -> None:
    create_librarian(SYMBOL, "Brooklyn College Library")
    page = new_context().new_page()
    log_in(page, SYMBOL)
    page.goto(f"/requests/new/?{_web_of_science_link()}")
    page.get_by_role("heading", name="Request a copy").wait_for()
    field(page, "ISSN").fill("not-issn")
    page.get_by_role("button", name="Send the copy request").click()
    page.get_by_role("heading", name="Request a copy").wait_for()
    assert field(page, "ISSN").input_value() == "not-issn"
    assert field(page, "DOI").input_value() == "10.1039/b814549k"
    assert "filled in from a link sent by Web of Science." in page.content()
    assert not Request.objects.exists()
    audit.check(page, "copy form from a link, sent with an error", every_impact=True)
    audit.assert_clean()


def test_a_doi_only_link_opens_the_copy_form_with_the_doi(new_context: Any, audit: Any) -> None:
    create_librarian(SYMBOL, "Brooklyn College Library")
    page = new_context().new_page()
    log_in(page, SYMBOL)
    assert page.url.endswith("/requests/")
    page.goto("/requests/new/?id=doi:10.1038/nature12373")
    page.get_by_role("heading", name="Request a copy").wait_for()
    assert field(page, "DOI").input_value() == "10.1038/nature12373"
    audit.check(page, "copy form from a DOI-only link", every_impact=True)
    audit.assert_clean()


def test_a_two_way_conversation(
    new_context: Any, audit: Any, screenshot: Any, mail_server: Any
) -> None:
    institution = create_librarian(SYMBOL, "Brooklyn College Library")
    item = make_copy(institution, patron_ref="TN:31337")
    library = new_context().new_page()
    log_in(library, SYMBOL)
    library.goto(f"/requests/{item.pk}/")
    field(library, "Your message to the office").fill("Could you scan the plates in colour?")
    library.get_by_role("button", name="Send the message").click()
    library.get_by_text("Your message was sent to the office.").wait_for()
    audit.check(library, "request with a library message", every_impact=True)
    to_office = message_to(mail_server, "ill@illdesk.invalid")
    assert "Could you scan the plates in colour?" in plain_text(to_office)

    desk = _staff_page(new_context)
    desk.get_by_role("heading", name="Unread messages from libraries (1)").wait_for()
    desk.get_by_role("link", name=f"Request {item.pk}").first.click()
    desk.locator("#action-message").click()
    field(desk, "Message to the library").fill("Yes, at no extra cost.")
    desk.get_by_role("button", name="Send a message to the library").click()
    desk.get_by_text(f"Request {item.pk}: {ACTIONS['message'].past}.").wait_for()

    subject = f"Copy request {item.pk} (your ref. TN:31337): a message from the office"
    [to_library] = [m for m in mail_server.wait_for(3) if m["Subject"] == subject]
    assert to_library["To"] == institution.email
    assert "Yes, at no extra cost." in plain_text(to_library)
    library.reload()
    library.get_by_text("Message from the office: Yes, at no extra cost.").wait_for()
    assert "Claimed" not in library.content()
    audit.check(library, "request with the office's answer", every_impact=True)
    screenshot(library, "conversation")
    audit.assert_clean()


def _ask_renewal(page: Any, loan: Request) -> None:
    page.goto(f"/requests/{loan.pk}/")
    page.get_by_role("button", name="Ask for a renewal").click()
    page.get_by_text("Your renewal request was sent to the office.").wait_for()


def test_a_renewal_approved_and_one_declined(
    new_context: Any, audit: Any, screenshot: Any, mail_server: Any
) -> None:
    institution = create_librarian(SYMBOL, "Brooklyn College Library")
    staff = create_staff("shipper", permissions=DESK_PERMISSIONS)
    due = timezone.localdate() + timedelta(days=5)
    loans = []
    for title in ("Approved Book", "Declined Book"):
        loan = make_loan(institution, title=title)
        from requests_app import services

        services.ship_loan(loan, seen="new", due_date=due, acting_user=staff)
        loans.append(loan)
    library = new_context().new_page()
    log_in(library, SYMBOL)
    for loan in loans:
        _ask_renewal(library, loan)
    audit.check(library, "loan with a renewal asked for", every_impact=True)
    screenshot(library, "renewal-asked")

    desk = _staff_page(new_context)
    new_due = due + timedelta(days=28)
    desk.goto(f"/desk/{loans[0].pk}/")  # answering the renewal is the next step: unfolded
    desk.locator("#id_renew_due_date").fill(new_due.isoformat())
    desk.get_by_role("button", name=ACTIONS["renew"].title).click()
    desk.get_by_text(f"Request {loans[0].pk}: {ACTIONS['renew'].past}.").wait_for()
    desk.goto(f"/desk/{loans[1].pk}/")
    desk.locator("#id_decline_renewal_reason").fill("Another library is waiting for it")
    desk.get_by_role("button", name=ACTIONS["decline_renewal"].title).click()
    desk.get_by_text(f"Request {loans[1].pk}: {ACTIONS['decline_renewal'].past}.").wait_for()

    subjects = {str(m["Subject"]) for m in mail_server.wait_for(8)}
    assert f"Loan request {loans[0].pk}: renewed until {new_due:%Y-%m-%d}" in subjects
    assert f"Loan request {loans[1].pk}: renewal declined, still due {due:%Y-%m-%d}" in subjects
    library.goto(f"/requests/{loans[1].pk}/")
    library.get_by_text("Renewal declined: Another library is waiting for it").wait_for()
    audit.check(library, "loan with its renewal declined", every_impact=True)
    audit.assert_clean()


def test_a_reproduction_order_with_a_quote(
    new_context: Any, audit: Any, screenshot: Any, mail_server: Any
) -> None:
    create_librarian(SYMBOL, "Brooklyn College Library")
    library = new_context().new_page()
    log_in(library, SYMBOL)
    library.goto("/requests/new/duplication/")
    field(library, "Reproduction number").fill("LC-USZ62-12345")
    field(library, "Title or description of the item").fill("Map of Washington, D.C., 1913")
    library.get_by_label("TIFF image file").check()
    field(library, "Resolution").fill("600 ppi")
    library.get_by_label("Publication (print or online)").check()
    field(library, "Credit line").fill("Library of Congress, Geography and Map Division")
    library.get_by_label("No known restrictions: in the public domain").check()
    library.get_by_label("We will use this reproduction only", exact=False).check()
    audit.check(library, "reproduction order form", every_impact=True)
    screenshot(library, "reproduction-order-form")
    library.get_by_role("button", name="Send the order for a price quote").click()
    library.get_by_role("heading", name="Reproduction order").wait_for()
    number = library.url.rstrip("/").rsplit("/", 1)[-1]

    desk = _staff_page(new_context)
    desk.goto(f"/desk/{number}/")
    assert "Fill the copy" not in desk.content()
    desk.locator("#id_quote_amount").fill("45.00")
    desk.locator("#id_quote_note").fill("One TIFF file at 600 ppi")
    desk.get_by_role("button", name="Send the price quote").click()
    desk.get_by_text(f"Request {number}: {ACTIONS['quote'].past}.").wait_for()

    library.reload()
    library.get_by_role("heading", name="Price quote: US $45.00").wait_for()
    audit.check(library, "reproduction order with a quote", every_impact=True)
    screenshot(library, "reproduction-quote")
    library.get_by_role("button", name="Approve the quote").click()
    confirmation = library.locator("[data-announce]")
    confirmation.wait_for()
    assert confirmation.text_content() == (
        "You approved the quote: the office will make the reproduction."
    )
    assert library.evaluate("document.activeElement.hasAttribute('data-announce')")
    library.get_by_text("In process").first.wait_for()
    subjects = {str(m["Subject"]) for m in mail_server.wait_for(3)}
    assert any("price quote US $45.00" in s for s in subjects)
    desk.reload()
    assert "Fill the copy" in desk.content()
    audit.assert_clean()


def test_the_registration_errors_by_keyboard(new_context: Any, audit: Any, screenshot: Any) -> None:
    page = new_context().new_page()
    page.goto("/register/")
    page.get_by_role("button", name="Submit the registration").click()
    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    page.keyboard.press("Tab")
    first_link = page.evaluate("document.activeElement.getAttribute('href')")
    assert first_link and first_link.startswith("#id_")
    page.keyboard.press("Enter")
    focused = page.evaluate("document.activeElement.id")
    assert f"#{focused}" == first_link
    audit.check(page, "registration with errors", every_impact=True)
    screenshot(page, "registration-errors")
    audit.assert_clean()


@pytest.mark.parametrize(
    ("viewport", "scale"), [({"width": 390, "height": 844}, 3), ({"width": 640, "height": 450}, 2)]
)
def test_the_request_list_and_the_desk_reflow_without_sideways_scrolling(
    new_context: Any, audit: Any, screenshot: Any, viewport: dict[str, int], scale: int
) -> None:
    """390 px is a phone; 640 by 450 CSS pixels is a 1280 by 900 window at 200 % zoom."""
    institution = create_librarian(SYMBOL, "Brooklyn College Library")
    for n in range(3):
        make_copy(institution, article_title=f"A rather long article title, number {n}")
    page = new_context(viewport=viewport, device_scale_factor=scale).new_page()
    log_in(page, SYMBOL)
    page.goto("/requests/list/")
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    assert page.locator("td[data-label='Citation']").first.is_visible()
    audit.check(page, f"request list at {viewport['width']} px", every_impact=True)
    screenshot(page, f"request-list-{viewport['width']}px")
    desk = _staff_page(lambda **_: new_context(viewport=viewport, device_scale_factor=scale))
    desk.goto("/desk/?queue=new")
    widths = desk.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    audit.assert_clean()
