"""Request emails through the email outbox (illdesk/outbox.py): `queue_request_email` is the one
place a request email is queued, in the transaction of what it tells; the outbox sends it after
commit with `send_queued_email`, and one that can never be delivered goes on the timeline."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.urls import reverse

from illdesk import outbox
from registration.models import OutboxMessage
from requests_app import emails
from requests_app.models import Action, Request, RequestEmail, RequestEvent


def queue_request_email(request_id: int, email: str) -> OutboxMessage | None:
    """Queue one of requests_app.emails.EMAILS: the row commits with the change, so neither a
    broker outage nor a lost queue loses the email. An email the library turned off is not
    queued at all (docs/emails.md, "Preferences")."""
    if not emails.library_wants(request_id, email):
        return None
    return outbox.queue_email(email, target_id=request_id)


def send_queued_email(message: OutboxMessage) -> EmailMessage:
    """The outbox sender of every request email; the message sent goes into the email log."""
    if message.target_id is None:
        raise outbox.Undeliverable("no request")
    found = Request.objects.select_related("institution", "record").filter(pk=message.target_id)
    request = found.first()
    if request is None:
        raise outbox.Undeliverable("the request was purged")
    return emails.EMAILS[RequestEmail(message.email)](request)


def email_link(message: OutboxMessage) -> str | None:
    """The desk page of the request a request email is about, for the admin's email log."""
    return reverse("desk:detail", args=[message.target_id]) if message.target_id else None


def report_email_failure(message: OutboxMessage, reason: str) -> None:
    """The outbox's failure hook: an email that can never be delivered goes on the timeline."""
    request_id = message.target_id
    if request_id is not None and Request.objects.filter(pk=request_id).exists():
        record_email_failure(request_id, message.email, reason=reason)


def record_email_failure(request_id: int, email: str, *, reason: str) -> None:
    RequestEvent.objects.create(
        request_id=request_id, action=Action.EMAIL_FAILED, text=f"{email} email: {reason}"
    )
