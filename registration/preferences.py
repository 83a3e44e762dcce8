"""Which request emails an institution receives (docs/emails.md, "Preferences"): the optional
ones it did not turn off, every other one always."""

from collections.abc import Iterable

from registration.models import Institution, OptionalEmail


def wants_email(institution: Institution, email_name: str) -> bool:
    """Whether to queue the email `email_name` (the name of its templates) for the institution:
    read from its row, no query."""
    if email_name not in OptionalEmail.values:
        return True
    return bool(getattr(institution, OptionalEmail(email_name).field))


def wanted_emails(institution: Institution) -> list[OptionalEmail]:
    return [email for email in OptionalEmail if getattr(institution, email.field)]


def set_wanted_emails(institution: Institution, wanted: Iterable[str]) -> None:
    """Receive the optional emails in `wanted`, and none of the others."""
    chosen = set(wanted)
    for email in OptionalEmail:
        setattr(institution, email.field, email.value in chosen)
    institution.save(update_fields=[email.field for email in OptionalEmail])
