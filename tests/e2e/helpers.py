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


def log_in(page: Any, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def create_staff(username: str = "desk", *, roles: tuple[str, ...] = ()) -> AbstractBaseUser:
    from django.contrib.auth.models import Group

    from illdesk.roles import setup_roles

    setup_roles()
    user = get_user_model().objects.create_user(
        username=username, password=STAFF_PASSWORD, is_staff=True, email=f"{username}@loc.invalid"
    )
    user.groups.set(Group.objects.filter(name__in=roles))
    return user


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
