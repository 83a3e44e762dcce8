"""Journey: a staff member at the desk, by keyboard: finds requests by ISSN and by the library's
reference, is told (the message taking focus) that a batch needs a selection, claims ten loans and
prints their pull slips at once (the barcode on a slip scans), ships five in one batch, answers
the renewals two libraries asked for from the renewal requests queue (one renewed, one declined,
each as a batch), and refuses one after confirming, with the error summary taking focus."""

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from requests_app.models import Request
from tests.e2e.helpers import DESK_PERMISSIONS, STAFF_PASSWORD, create_librarian, create_staff
from tests.requests_app.factories import make_copy, make_loan

pytestmark = [pytest.mark.postgres_only, pytest.mark.services]

DECLINE = "Decline the renewal the library asked for"


def press(page: Any, locator: Any, key: str) -> None:
    locator.focus()
    page.keyboard.press(key)


def search_for(page: Any, text: str) -> list[str]:
    box = page.get_by_label("Find a request")
    box.focus()
    page.keyboard.press("Control+a")
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    page.get_by_role("table").wait_for()
    return page.locator("tbody td[data-label=Number] a").all_inner_texts()


def select_rows(page: Any, numbers: list[int]) -> None:
    for number in numbers:
        press(page, page.locator(f"#pick-{number}"), "Space")
        assert page.locator(f"#pick-{number}").is_checked()


def scanned(png: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def log_in_at_the_desk(page: Any) -> None:
    page.goto("/desk/")
    page.get_by_label("Username").fill("desk")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Request desk").wait_for()


def test_staff_find_claim_print_ship_and_refuse_by_keyboard(
    new_context: Any, audit: Any, screenshot: Any
) -> None:
    library = create_librarian("NYBKL", "Brooklyn College Library")
    create_staff("desk", permissions=DESK_PERMISSIONS)
    article = make_copy(library, issn="0028-0836", patron_ref="BKL-2024-77")
    make_copy(library, issn="0036-8075", article_title="Another article")
    loans = [make_loan(library, title=f"Book {n}", call_number=f"PS35{n} .H1") for n in range(10)]
    numbers = [loan.pk for loan in loans]

    page = new_context(device_scale_factor=2).new_page()  # a print-like resolution for the scan
    log_in_at_the_desk(page)
    audit.check(page, "desk queues")
    assert search_for(page, "00280836") == [str(article.pk)]
    assert search_for(page, "0028-0836") == [str(article.pk)]
    assert search_for(page, "BKL-2024-77") == [str(article.pk)]
    audit.check(page, "desk search results")

    page.goto("/desk/?queue=new&service=loan")
    audit.check(page, "desk queue filtered to loans")
    press(page, page.get_by_role("button", name="Claim them"), "Enter")
    page.get_by_text("Select at least one request first.").wait_for()
    assert page.evaluate("document.activeElement.textContent") == (
        "Select at least one request first."
    )
    select_rows(page, numbers)
    press(page, page.get_by_role("button", name="Claim them"), "Enter")
    page.get_by_text("10 claimed.").wait_for()
    assert Request.objects.filter(pk__in=numbers, claimed_by__username="desk").count() == 10

    select_rows(page, numbers)
    press(page, page.get_by_role("button", name="Print their pull slips"), "Enter")
    page.get_by_role("heading", name="Pull slips for 10 requests").wait_for()
    assert page.locator("article.pull-slip").count() == 10
    audit.check(page, "pull slips for ten requests")
    screenshot(page, "pull-slips")
    first_barcode = page.locator("img.barcode").first
    assert scanned(first_barcode.screenshot()) == [str(numbers[0])]

    page.goto("/desk/?queue=new&service=loan")
    select_rows(page, numbers[:5])
    due = timezone.localdate() + timedelta(days=30)
    page.get_by_label("Due date").fill(due.isoformat())
    press(page, page.get_by_role("button", name="Ship the loan: selected"), "Enter")
    page.get_by_text("5 shipped.").wait_for()
    assert Request.objects.filter(pk__in=numbers[:5], status="on_loan", due_date=due).count() == 5
    audit.check(page, "desk queue after a batch")

    Request.objects.filter(pk__in=numbers[:2]).update(renewal_requested_at=timezone.now())
    page.goto("/desk/home/")
    press(page, page.get_by_role("link", name="2 Renewal requests"), "Enter")
    tab = page.get_by_role("link", name="Renewal requests (2)")
    tab.wait_for()
    assert tab.get_attribute("aria-current") == "page"
    assert page.locator("tbody td:nth-child(2) a").all_inner_texts() == [
        str(n) for n in numbers[:2]
    ]
    audit.check(page, "renewal requests queue")
    screenshot(page, "renewal-requests-queue")
    select_rows(page, numbers[:1])
    later = due + timedelta(days=28)
    page.get_by_label("New due date").fill(later.isoformat())
    press(page, page.get_by_role("button", name="Renew the loan: selected"), "Enter")
    page.get_by_text("1 renewed.").wait_for()
    select_rows(page, numbers[1:2])
    press(page, page.get_by_role("button", name=f"{DECLINE}: selected"), "Enter")
    page.locator(".error-summary").wait_for()
    assert "error-summary" in page.evaluate("document.activeElement.className")
    assert page.locator(f"#pick-{numbers[1]}").is_checked()
    audit.check(page, "renewal requests queue, decline without a reason")
    page.get_by_label("Why (the library reads this)").fill("Another library is waiting for it")
    press(page, page.get_by_role("button", name=f"{DECLINE}: selected"), "Enter")
    page.get_by_text("1 declined for renewal.").wait_for()
    page.get_by_text("This queue is empty.").wait_for()
    assert Request.objects.get(pk=numbers[0]).due_date == later
    assert not Request.objects.filter(renewal_requested_at__isnull=False).exists()

    page.goto(f"/desk/{numbers[5]}/")
    press(page, page.locator("summary#action-refuse"), "Enter")
    press(page, page.locator("#id_refuse_refusal_reason"), "ArrowDown")
    press(page, page.get_by_role("button", name="Refuse", exact=True), "Enter")
    page.locator(".error-summary").wait_for()
    focused = page.evaluate("document.activeElement.className")
    assert "error-summary" in focused
    audit.check(page, "desk request page, refusal not confirmed")
    screenshot(page, "refuse-needs-confirmation")
    press(page, page.locator("#id_refuse_confirm"), "Space")
    press(page, page.get_by_role("button", name="Refuse", exact=True), "Enter")
    page.get_by_text(f"Request {numbers[5]}: refused.").wait_for()
    assert page.locator(".status").inner_text() == "Refused"
    audit.check(page, "desk request page, refused")

    page.goto("/desk/home/")
    page.get_by_role("heading", name="Staff home").wait_for()
    audit.check(page, "staff home")
    page.goto("/desk/statistics/")
    page.get_by_role("heading", name=re.compile("Office statistics")).wait_for()
    press(page, page.get_by_role("button", name="Refresh now"), "Enter")
    page.get_by_text("Figures refreshed").wait_for()
    assert "NYBKL\t12" in page.get_by_role("table", name="The ten institutions").inner_text()
    audit.check(page, "office statistics")
    screenshot(page, "statistics")
    audit.assert_clean()
