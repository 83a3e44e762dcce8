"""What the journeys do as a person would: log in, read mail; the people they start with."""

from __future__ import annotations

import re
import time
from email.message import EmailMessage
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from registration.models import Institution
from tests.services import SmtpServer

STAFF_PASSWORD = "staff-desk-Passphrase-7241"
LIBRARIAN_PASSWORD = "Quill-Lantern-Harbor-5093"

# A library as it fills in the registration form: label -> what it types.
LIBRARY = {
    "OCLC symbol": "ILSPF",
    "Institution name": "Springfield Public Library",
    "Street": "326 South Seventh Street",
    "City": "Springfield",
    "State or region": "IL",
    "Postal code": "62701",
    "Contact person": "Ada Reference",
    "Contact email": "ill@springfield-pl.example.org",
    "Phone": "217-555-0142",
}


def message_to(mail_server: SmtpServer, address: str, timeout: float = 30.0) -> EmailMessage:
    """The first message the SMTP server received for `address`, waiting for it to arrive."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in list(mail_server.messages):
            if address in str(message.get("To", "")):
                return message
        time.sleep(0.1)
    received = [str(m.get("To")) for m in mail_server.messages]
    raise AssertionError(f"no email to {address} within {timeout}s; received for: {received}")


def plain_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None, "the email has no text/plain part"
    return str(body.get_content())


def labelled_value(text: str, label: str) -> str:
    """The value after `label:` on its own line of an email, e.g. "Password: abc" -> "abc"."""
    match = re.search(rf"^\s*{label}\s*:\s*(\S+)\s*$", text, re.IGNORECASE | re.MULTILINE)
    assert match, f"no '{label}:' line in the email:\n{text}"
    return match.group(1)


def field(page: Any, label: str) -> Any:
    """The form control labelled exactly `label` (a required field's label ends "(required)")."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \(required\))?$"))


def log_in(page: Any, username: str, password: str = LIBRARIAN_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name=f"Log out {username}").wait_for()


def create_staff(username: str, *, permissions: tuple[str, ...]) -> AbstractBaseUser:
    """A staff member holding exactly `permissions` ("app_label.codename")."""
    from django.contrib.auth.models import Permission

    user = get_user_model().objects.create_user(
        username=username, password=STAFF_PASSWORD, is_staff=True, email=f"{username}@loc.invalid"
    )
    grants = [p.split(".", 1) for p in permissions]
    found = Permission.objects.filter(
        content_type__app_label__in={app for app, _ in grants},
        codename__in={codename for _, codename in grants},
    )
    assert found.count() == len(grants), f"unknown permissions among {permissions}"
    user.user_permissions.set(found)
    return user


VERIFIER_PERMISSIONS = (
    "registration.view_registration",
    "registration.change_registration",
    "registration.view_institution",
    "registration.view_directoryrecord",
)
DESK_PERMISSIONS = ("requests_app.view_request", "requests_app.change_request")


def create_librarian(symbol: str, name: str, **fields: Any) -> Institution:
    """A verified institution with its login account, as approval leaves it."""
    user = get_user_model().objects.create_user(username=symbol, password=LIBRARIAN_PASSWORD)
    defaults = {
        "street": "1 Library Way",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
        "contact_name": "Ada Reference",
        "email": f"ill@{symbol.lower()}.example.org",
        "phone": "217-555-0100",
    }
    return Institution.objects.create(
        oclc_symbol=symbol,
        name=name,
        user=user,
        verified_at=timezone.now(),
        **{**defaults, **fields},
    )


JOURNAL = "Journal of Interlibrary Loan, Document Delivery & Electronic Reserve"


def recent_article(number: int) -> dict[str, str]:
    """Article `number` of one journal's issue from last year: inside the five-year window."""
    year = timezone.localdate().year - 1
    return {
        "Journal or book title": JOURNAL,
        "ISSN": "1072-303X",
        "Article or chapter title": f"Resource sharing in practice, part {number}",
        "Author": f"Author{number}, Pat",
        "Volume(s)": "33",
        "Issue": "2",
        "Date or year": f"{year}-04",
        "Pages": f"{10 * number}-{10 * number + 9}",
    }


def fill_copy_form(page: Any, article: dict[str, str], *, statement: str | None = "CCG") -> None:
    """Type a periodical article's citation into the copy form, as a librarian would."""
    page.get_by_label("An article from a journal, magazine or newspaper").check()
    for label, value in article.items():
        field(page, label).fill(value)
    field(page, "What is wanted").select_option(label="One article or chapter")
    field(page, "Material").select_option(label="Text")
    field(page, "Purpose").select_option(label="Private study, scholarship or research")
    if statement:
        page.get_by_label(f"{statement}: this request complies", exact=False).check()


def send_copy_request(page: Any) -> None:
    page.get_by_role("button", name="Send the copy request").click()
    page.wait_for_load_state()
