"""Journey 10: a library's day, end to end in Chromium against the live application with its
Celery worker and SMTP server, citation completion on against a local server answering as
Crossref and NCBI PubMed do. The library registers and is verified, logs in with the emailed
password, sends requests from real citation links (Web of Science, a DOI-only and a PMID-only
link completed by the lookups, a Google Scholar book chapter, a WorldCat book), follows them,
writes to the office, cancels one, and reads every email it gets. Every library page is checked
with axe at every impact level; forms are used by keyboard; the pages reflow at 390 px and
at 200 % zoom."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import (
    LIBRARY,
    VERIFIER_PERMISSIONS,
    create_librarian,
    create_staff,
    field,
    labelled_value,
    log_in,
    message_to,
    plain_text,
)
from tests.e2e.test_registration_journey import approve_in_admin, directory_entry
from tests.e2e.test_registration_journey import register_library as register
from tests.requests_app.citation_services import CitationServices
from tests.services import SmtpServer

pytestmark = [pytest.mark.postgres_only, pytest.mark.services]

REAL_OPENURLS = Path(__file__).resolve().parents[2] / "../shared/openurl/real-openurls.txt"
SYMBOL = LIBRARY["OCLC symbol"]
LIBRARY_EMAIL = LIBRARY["Contact email"]
SMALL_SCREENS = [({"width": 390, "height": 844}, 3), ({"width": 640, "height": 450}, 2)]


def _real_link(marker: str) -> str:
    """The query string of the real link containing `marker`, as the database sent it."""
    lines = REAL_OPENURLS.read_text(encoding="utf-8").splitlines()
    link = next(line for line in lines if marker in line and not line.startswith("#"))
    return link.partition("?")[2] if "://" in link.split("?", 1)[0] else link


@pytest.fixture
def citation_services(settings: Any) -> Iterator[CitationServices]:
    server = CitationServices()
    server.start()
    server.configure(settings)
    yield server
    server.stop()


def _log_in_with_the_emailed_password(page: Any, mail_server: SmtpServer, audit: Any) -> None:
    email = plain_text(message_to(mail_server, LIBRARY_EMAIL))
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(labelled_value(email, "Username").lower())
    page.get_by_label("Password").fill(labelled_value(email, "Password"))
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=f"Requests from {LIBRARY['Institution name']}").wait_for()
    audit.check(page, "dashboard after the first log-in", every_impact=True)


def _open(page: Any, query: str, heading: str) -> None:
    page.goto(f"/requests/new/?{query}")
    page.get_by_role("heading", name=heading).wait_for()


def _state_ccg_by_keyboard(page: Any) -> None:
    """The compliance statement, chosen as a keyboard user does: focus the group, Space."""
    ccg = page.get_by_label("CCG: this request complies", exact=False)
    ccg.focus()
    page.keyboard.press("Space")
    assert ccg.is_checked()


def _sent(page: Any, button: str, kind: str) -> str:
    """Send the form; the request's number, from the focused confirmation line."""
    page.get_by_role("button", name=button).click()
    confirmation = page.locator("[data-announce]")
    confirmation.wait_for()
    text = str(confirmation.text_content())
    assert text.startswith(f"{kind} ") and text.endswith(" received."), text
    assert page.evaluate("document.activeElement.hasAttribute('data-announce')")
    return text.removeprefix(f"{kind} ").removesuffix(" received.")


def _send_copy(page: Any, audit: Any, label: str) -> str:
    _state_ccg_by_keyboard(page)
    audit.check(page, label, every_impact=True)
    number = _sent(page, "Send the copy request", "Copy request")
    audit.check(page, f"{label}, sent", every_impact=True)
    return number


def _radio_beside_its_label(page: Any, label: str) -> None:
    radio = page.get_by_label(label, exact=False)
    text = page.locator(f"label[for='{radio.get_attribute('id')}']")
    box, beside = radio.bounding_box(), text.bounding_box()
    assert beside["x"] >= box["x"] + box["width"], (box, beside)
    assert beside["y"] <= box["y"] + box["height"] / 2 <= beside["y"] + beside["height"]


def _requests_from_real_links(page: Any, audit: Any, screenshot: Any) -> dict[str, str]:
    numbers = {}
    _open(page, _real_link("WOS:WOS"), "Request a copy")
    assert "filled in from a link sent by Web of Science." in page.content()
    _radio_beside_its_label(page, "An article from a journal")
    numbers["wos"] = _send_copy(page, audit, "copy form from Web of Science")

    _open(page, "id=doi:10.1038/nature12373", "Request a copy")
    assert field(page, "Journal or book title").input_value() == "Nature"
    assert field(page, "Date or year").input_value() == "2013-07-31"
    assert "completed from Crossref" in page.content()
    screenshot(page, "copy-form-completed-from-crossref")
    numbers["doi"] = _send_copy(page, audit, "copy form from a DOI-only link")

    _open(page, "sid=Entrez:PubMed&id=pmid:1757671", "Request a copy")
    assert field(page, "Journal or book title").input_value() == "Journal of abnormal psychology"
    assert field(page, "Pages").input_value() == "569-582"
    numbers["pmid"] = _send_copy(page, audit, "copy form from a PMID-only link")

    _open(page, _real_link("id=doi:10.1007"), "Request a copy")
    assert page.get_by_label("A chapter or part of a book", exact=False).is_checked()
    assert field(page, "Journal or book title").input_value() == "Programming Languages and Systems"
    numbers["chapter"] = _send_copy(page, audit, "copy form from a Scholar book chapter")

    _open(page, _real_link("firstsearch.oclc.org/WebZ"), "Request a loan")
    assert field(page, "Title").input_value() == "The power look at home : decorating for men"
    page.get_by_label("We tried local and other libraries first", exact=False).check()
    audit.check(page, "loan form from WorldCat", every_impact=True)
    numbers["loan"] = _sent(page, "Send the loan request", "Loan request")
    return numbers


def _follow(page: Any, numbers: dict[str, str], audit: Any) -> None:
    page.get_by_role("link", name="All requests").click()
    page.get_by_role("heading", name="All requests").wait_for()
    current = page.locator("nav[aria-label='Requests'] [aria-current='page']")
    assert current.text_content() == "All requests"
    assert page.locator("caption").text_content() == f"{len(numbers)} requests"
    audit.check(page, "request list after a day's requests", every_impact=True)
    page.get_by_role("link", name=numbers["doi"], exact=True).click()
    page.get_by_role("heading", name=f"Copy request {numbers['doi']}").wait_for()
    assert "Nanometre-scale thermometry in a living cell" in page.content()


def _write_to_the_office(page: Any, mail_server: SmtpServer, audit: Any) -> None:
    field(page, "Your message to the office").fill("Could the figures be scanned in colour?")
    page.get_by_role("button", name="Send the message").click()
    page.get_by_text("Your message was sent to the office.").wait_for()
    audit.check(page, "request with the library's message", every_impact=True)
    to_office = message_to(mail_server, "ill@illdesk.invalid")
    assert "Could the figures be scanned in colour?" in plain_text(to_office)


def _cancel(page: Any, number: str, audit: Any) -> None:
    page.goto(f"/requests/{number}/")
    page.get_by_role("link", name="Cancel this request").click()
    page.get_by_role("heading", name=f"Cancel request {number}?").wait_for()
    audit.check(page, "cancel confirmation", every_impact=True)
    page.get_by_role("button", name="Cancel the request").focus()
    page.keyboard.press("Enter")
    confirmation = page.locator("[data-announce]")
    confirmation.wait_for()
    assert confirmation.text_content() == f"Loan request {number} is cancelled."
    audit.check(page, "cancelled loan", every_impact=True)


def _emails_of_the_day(mail_server: SmtpServer, numbers: dict[str, str]) -> None:
    kinds = {"loan": "Loan request"}
    expected = {f"{kinds.get(key, 'Copy request')} {n}: received" for key, n in numbers.items()}
    expected.add(f"Loan request {numbers['loan']}: cancelled")
    count = len(expected) + 2  # and the credentials and the message to the office
    to_library = [m for m in mail_server.wait_for(count) if LIBRARY_EMAIL in str(m["To"])]
    subjects = {str(m["Subject"]) for m in to_library}
    assert expected <= subjects, subjects
    for message in to_library:
        assert message.get_body(preferencelist=("html",)) is not None
        assert "Interlibrary Loan Office" in plain_text(message)


def test_a_library_day_from_registration_to_cancelling(
    new_context: Any,
    audit: Any,
    screenshot: Any,
    mail_server: SmtpServer,
    citation_services: CitationServices,
) -> None:
    directory_entry()
    create_staff("verifier", permissions=VERIFIER_PERMISSIONS)
    library = new_context().new_page()
    register(library, audit, screenshot)
    approve_in_admin(new_context().new_page(), audit, screenshot)
    _log_in_with_the_emailed_password(library, mail_server, audit)

    numbers = _requests_from_real_links(library, audit, screenshot)
    assert len(citation_services.asked) == 3
    _follow(library, numbers, audit)
    _write_to_the_office(library, mail_server, audit)
    _cancel(library, numbers["loan"], audit)
    _emails_of_the_day(mail_server, numbers)
    audit.assert_clean()


@pytest.mark.parametrize(("viewport", "scale"), SMALL_SCREENS)
def test_the_completed_copy_form_reflows_with_radios_beside_their_labels(
    new_context: Any,
    audit: Any,
    screenshot: Any,
    citation_services: CitationServices,
    viewport: dict[str, int],
    scale: int,
) -> None:
    """390 px is a phone; 640 by 450 CSS pixels is a 1280 by 900 window at 200 % zoom."""
    create_librarian(SYMBOL, LIBRARY["Institution name"])
    page = new_context(viewport=viewport, device_scale_factor=scale).new_page()
    log_in(page, SYMBOL)
    _open(page, "sid=Entrez:PubMed&id=pmid:1757671", "Request a copy")
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    _radio_beside_its_label(page, "An article from a journal")
    _radio_beside_its_label(page, "CCG: this request complies")
    current = page.locator("nav[aria-label='Requests'] [aria-current='page']")
    assert current.text_content() == "Request a copy"
    audit.check(page, f"completed copy form at {viewport['width']} px", every_impact=True)
    screenshot(page, f"copy-form-{viewport['width']}px")
    audit.assert_clean()


@pytest.mark.parametrize(
    ("viewport", "scale"), [({"width": 1280, "height": 900}, 1), *SMALL_SCREENS]
)
def test_log_in_errors_and_the_lockout_speak_plainly(
    new_context: Any, audit: Any, settings: Any, viewport: dict[str, int], scale: int
) -> None:
    create_librarian(SYMBOL, LIBRARY["Institution name"])
    page = new_context(viewport=viewport, device_scale_factor=scale).new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(SYMBOL.lower())
    page.get_by_label("Password").fill("not the password")
    page.keyboard.press("Enter")
    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    assert "the username, your OCLC symbol, is not" in str(summary.text_content())
    assert "both fields may be case-sensitive" not in page.content()
    audit.check(page, f"log-in error at {viewport['width']} px", every_impact=True)
    locked = page.get_by_role("heading", name="Too many failed log-in attempts")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        if locked.count():
            break
        page.get_by_label("Password").fill("not the password")
        with page.expect_navigation():
            page.keyboard.press("Enter")
    locked.wait_for()
    text = " ".join(str(page.locator("main").text_content()).split())
    assert "Please wait 15 minutes and try again." in text
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    audit.check(page, f"lockout at {viewport['width']} px", every_impact=True)
    icon = page.request.get(str(page.locator("link[rel=icon]").get_attribute("href")))
    assert (icon.status, icon.headers["content-type"]) == (200, "image/svg+xml")
    audit.assert_clean()
