"""Journey: one day of a staff member at the desk, by keyboard, every page checked by axe at every
impact level. The staff home shows the library's unread message; its request page shows that
message first with the library's contact and shipping address, and staff answer. In the new
queue, at 1280 px, every column heading stays whole on one line; the skip link takes staff to the
list, the first row is one Tab further, and after claiming two requests the result is announced
and focused above the list. A search without accents finds an accented title; a request number
opens its request; a reproduction order is found by its own filter. Staff correct a copy's
citation (the rule of five holds it for permission), ship a loan and print its book band (the
office's name and return address, the number under the barcode), and read the statistics by
type. The work list reflows at 390 px and at 200 % zoom. The README's desk screenshots are taken
here (test-artifacts/e2e/test_a_staff_day_at_the_desk/)."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from requests_app import services
from requests_app.models import Request
from tests.e2e.helpers import DESK_PERMISSIONS, STAFF_PASSWORD, create_librarian, create_staff
from tests.requests_app.factories import COPY_FIELDS, make_copy, make_loan

pytestmark = [pytest.mark.postgres_only, pytest.mark.services]


def press(page: Any, locator: Any, key: str) -> None:
    locator.focus()
    page.keyboard.press(key)


def focused(page: Any) -> str:
    return str(page.evaluate("document.activeElement.outerHTML"))


def log_in_at_the_desk(page: Any) -> None:
    page.goto("/desk/home/")
    page.get_by_label("Username").fill("desk")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Staff home").wait_for()


def headings_on_one_line(page: Any) -> dict[str, int]:
    """Each column heading of the work list and the number of lines its text takes."""
    return dict(
        page.evaluate(
            """() => [...document.querySelectorAll(
                'table.work-list thead th:not(:has(.visually-hidden))'
            )].map(th => {
                const range = document.createRange();
                range.selectNodeContents(th);
                const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                return [th.textContent.trim(), tops.size];
            })"""
        )
    )


def test_a_staff_day_at_the_desk(
    new_context: Any, audit: Any, screenshot: Any, settings: Any
) -> None:
    settings.OFFICE_NAME = "Library of Congress Interlibrary Loan"
    settings.OFFICE_ADDRESS = "101 Independence Ave SE\nWashington, DC 20540-4570"
    library = create_librarian(
        "NYBKL",
        "Brooklyn College Library",
        shipping_address="Interlibrary Loan, Room 112\n2900 Bedford Avenue\nBrooklyn, NY 11210",
    )
    create_staff("desk", permissions=DESK_PERMISSIONS)
    for n in range(5):  # five articles of one journal this year: the limit
        make_copy(library, article_title=f"Article {n}", issue=str(n))
    czech = make_copy(
        library, title="Památky archeologické", issn="0031-0506", article_title="Hradiště"
    )
    asked = make_copy(library, title="Science", issn="0036-8075", article_title="Misfiled")
    services.record_library_message(asked, text="Is the supplement included?")
    order = make_copy(
        library,
        title="Views of Washington, D.C.",
        issn="",
        article_title="Plate 3",
        is_duplication=True,
    )
    assert order.status == "new"
    loan = make_loan(library, title="A Book to Borrow", call_number="PS3545 .H16")

    page = new_context().new_page()
    log_in_at_the_desk(page)
    audit.check(page, "staff home with an unread message", every_impact=True)
    page.get_by_role("heading", name="Unread messages from libraries (1)").wait_for()
    press(page, page.get_by_role("link", name=f"Request {asked.pk}"), "Enter")
    newest = page.locator("section.newest-message")
    newest.get_by_text("Is the supplement included?").wait_for()
    contact = page.locator("section.library-contact")
    assert "2900 Bedford Avenue" in contact.inner_text() and "Ada Reference" in contact.inner_text()
    audit.check(page, "request page with the newest message first", every_impact=True)
    screenshot(page, "desk-request")
    press(page, newest.get_by_role("link", name="Reply to the library"), "Enter")
    page.locator("#id_message_text").fill("Yes: the supplement is included.")
    press(page, page.get_by_role("button", name="Send a message to the library"), "Enter")
    page.get_by_text(f"Request {asked.pk}: message sent.").wait_for()
    assert "data-result" in focused(page)

    # The work list: whole headings at 1280 px, the skip link, the first row one Tab on.
    page.goto("/desk/?queue=new")
    lines = headings_on_one_line(page)
    assert lines and set(lines.values()) == {1}, lines
    audit.check(page, "new queue at 1280 px", every_impact=True)
    screenshot(page, "desk-queue")
    page.locator("body").focus()
    for _ in range(12):
        page.keyboard.press("Tab")
        if "skip-inline" in focused(page):
            break
    assert "Skip to the list of requests" in focused(page)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    first = page.locator("tbody tr").first.locator("input.pick")
    assert first.evaluate("element => element === document.activeElement")
    page.keyboard.press("Space")
    press(page, page.locator(f"#pick-{czech.pk}"), "Space")
    press(page, page.get_by_role("button", name="Claim them"), "Enter")
    page.get_by_text("2 claimed.").wait_for()
    assert "data-result" in focused(page) and "2 claimed." in focused(page)
    page.keyboard.press("Tab")
    assert "pick" in focused(page)  # work goes on in the list, not from the top of the page

    # Search: without accents; a request number opens its request.
    box = page.get_by_label("Find a request")
    box.fill("pamatky")
    box.press("Enter")
    page.get_by_role("link", name=str(czech.pk)).wait_for()
    assert page.locator("tbody td[data-label=Number] a").all_inner_texts() == [str(czech.pk)]
    audit.check(page, "search results with batch work", every_impact=True)
    box = page.get_by_label("Find a request")
    box.fill(str(loan.pk))
    box.press("Enter")
    page.get_by_role("heading", name=f"Loan request {loan.pk} from NYBKL").wait_for()
    page.get_by_text("Opened by its request number.").wait_for()

    page.goto("/desk/?queue=new&service=reproduction")
    assert page.locator("tbody td[data-label=Number] a").all_inner_texts() == [str(order.pk)]
    audit.check(page, "new queue, reproduction orders", every_impact=True)

    # Correct the misfiled copy's citation: the sixth article of the journal is held.
    page.goto(f"/desk/{asked.pk}/")
    press(page, page.locator("summary#action-citation"), "Enter")
    page.locator("#id_citation_title").fill(COPY_FIELDS["title"])
    page.locator("#id_citation_issn").fill(COPY_FIELDS["issn"])
    audit.check(page, "citation correction form", every_impact=True)
    press(page, page.get_by_role("button", name="Correct the citation"), "Enter")
    page.get_by_text(f"Request {asked.pk}: given a corrected citation.").wait_for()
    page.locator(".timeline").get_by_text("Citation corrected").first.wait_for()
    asked.refresh_from_db()
    assert asked.status == "awaiting_clearance" and asked.title == COPY_FIELDS["title"]

    # Ship the loan and print its book band.
    page.goto(f"/desk/{loan.pk}/")
    due = timezone.localdate() + timedelta(days=28)
    page.locator("#id_ship_due_date").fill(due.isoformat())
    press(page, page.get_by_role("button", name="Ship the loan"), "Enter")
    page.get_by_text(f"Request {loan.pk}: shipped.").wait_for()
    press(page, page.get_by_role("link", name="Book band"), "Enter")
    band = page.locator("article.book-band")
    band.wait_for()
    assert "property of Library of Congress Interlibrary Loan" in band.inner_text()
    assert "101 Independence Ave SE" in band.inner_text()
    assert page.locator(".barcode-number").inner_text() == str(loan.pk)
    audit.check(page, "book band", every_impact=True)

    page.goto("/desk/statistics/")
    press(page, page.get_by_role("button", name="Refresh now"), "Enter")
    page.get_by_text("Figures refreshed").wait_for()
    page.get_by_role("table", name="Fill rate and turnaround by request type").wait_for()
    audit.check(page, "statistics", every_impact=True)
    audit.assert_clean()
    assert Request.objects.get(pk=loan.pk).status == "on_loan"


@pytest.mark.parametrize(
    ("viewport", "scale"), [({"width": 390, "height": 844}, 3), ({"width": 640, "height": 450}, 2)]
)
def test_the_work_list_reflows_on_a_phone_and_at_200_percent(
    new_context: Any, audit: Any, viewport: dict[str, int], scale: int
) -> None:
    """390 px is a phone; 640 by 450 CSS pixels is a 1280 by 900 window at 200 % zoom."""
    library = create_librarian("NYBKL", "Brooklyn College Library")
    create_staff("desk", permissions=DESK_PERMISSIONS)
    for n in range(3):
        make_copy(library, article_title=f"A rather long article title, number {n}", issue=str(n))
    page = new_context(viewport=viewport, device_scale_factor=scale).new_page()
    log_in_at_the_desk(page)
    for path in ("/desk/?queue=new", "/desk/?q=article", "/desk/home/"):
        page.goto(path)
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], (path, widths)
        audit.check(page, f"{path} at {viewport['width']} px", every_impact=True)
    audit.assert_clean()
