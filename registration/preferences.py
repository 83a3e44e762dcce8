"""Which request emails an institution receives (docs/emails.md, "Preferences"): the optional
ones unless it turned them off, every other one always."""

from collections.abc import Iterable

from django.db import transaction

from registration.models import EmailOptOut, Institution, OptionalEmail


def wants_email(institution: Institution | int, email_name: str) -> bool:
    """Whether to queue the email `email_name` (the name of its templates) for the institution
    (or its id). A mandatory email, or one to the office, costs no query."""
    if email_name not in OptionalEmail.values:
        return True
    return not EmailOptOut.objects.filter(institution=institution, email=email_name).exists()


def wanted_emails(institution: Institution) -> set[OptionalEmail]:
    """The optional emails the institution receives."""
    off = set(institution.email_opt_outs.values_list("email", flat=True))
    return {email for email in OptionalEmail if email.value not in off}


def set_wanted_emails(institution: Institution, wanted: Iterable[str]) -> None:
    """Turn off every optional email not in `wanted` and turn the others back on, at once."""
    off = set(OptionalEmail.values) - set(wanted)
    with transaction.atomic():
        institution.email_opt_outs.exclude(email__in=off).delete()
        kept = set(institution.email_opt_outs.values_list("email", flat=True))
        EmailOptOut.objects.bulk_create(
            EmailOptOut(institution=institution, email=email) for email in sorted(off - kept)
        )
