"""The transactional outbox every email goes through (docs/operations.md, "Email"), and its tasks.

`queue_email` writes an OutboxMessage in the caller's transaction and hands its id to Celery only
after commit. The worker claims the row (compare-and-set on its status and claim time), sends, and
marks it sent; a second copy of the task finds it claimed or sent and does nothing. No transaction
is open while the SMTP server is asked, and the send has a total deadline (illdesk/mail.py): a send
cut at it fails like any SMTP error, and is retried. A row the broker never received or lost stays
pending, and the periodic `requeue_stale` job queues it again.
A message that cannot be delivered is marked failed, shown to staff in the admin, and reported to
the email's `on_failure` hook (request emails put it on the request's timeline).

`EMAILS` names every email (its templates' name) and the function that sends it from its row,
imported when first needed; every request email has one sender (requests_app/mailing.py). A
sender that returns the message it sent has its recipient, subject and text kept on the row, the
admin's email log (docs/operations.md, "Email"); the credentials email returns nothing, so its
password is never stored.
"""

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache, partial

from celery import Task, shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError as BrokerError

from illdesk.actors import Actor, user_of
from registration.models import OutboxMessage

logger = logging.getLogger(__name__)

# The lease on a message outlasts its send, which is cut at EMAIL_SEND_DEADLINE (illdesk/mail.py),
# by this margin for rendering it and resolving the server's name: no second worker takes a
# message while one is still sending it.
CLAIM_MARGIN = timedelta(minutes=1)
REQUEUE_AFTER = timedelta(minutes=1)
# More attempts than the SMTP retries make (1 + 5): a message that keeps failing some other way
# (a worker dying on it) is given up and shown to staff instead of being queued for ever.
MAX_ATTEMPTS = 10


class Undeliverable(Exception):
    """Nothing can or should be sent any more (e.g. the request was purged): a final failure."""


@dataclass(frozen=True)
class Email:
    """How to send one kind of email from its outbox row, and whom to tell when it cannot be: the
    dotted paths of functions."""

    # (OutboxMessage) -> the message sent, to be kept in the log, or None when its text must not
    # be kept (the credentials email: its password).
    send: str
    # (OutboxMessage, reason) -> None, told when the email can never be delivered.
    on_failure: str = ""
    # (OutboxMessage) -> the staff page of what the email is about, for the email log.
    link: str = ""


_REQUEST_EMAIL = Email(
    "requests_app.mailing.send_queued_email",
    on_failure="requests_app.mailing.report_email_failure",
    link="requests_app.mailing.email_link",
)
# Every email but the request emails, by name.
EMAILS: dict[str, Email] = {
    OutboxMessage.CREDENTIALS: Email("registration.services.deliver_credentials"),
    "registration-info-request": Email("registration.services.send_information_request"),
    "registration-rejected": Email("registration.services.send_rejection_notice"),
    "registration-reregistered": Email("registration.services.send_reregistration_notice"),
    "iso-partner-changed": Email("requests_app.iso18626.emails.send_partner_changed"),
    "invoice-reminder": Email("fees.emails.send_queued_reminder"),
}


def email_named(name: str) -> Email | None:
    """The email of that name: one of EMAILS, or a request email (requests_app.emails.EMAILS)."""
    if name in EMAILS:
        return EMAILS[name]
    request_emails: dict[str, object] = import_string("requests_app.emails.EMAILS")
    return _REQUEST_EMAIL if name in request_emails else None


@cache
def _function(path: str) -> Callable[..., object]:
    function: Callable[..., object] = import_string(path)
    return function


def queue_email(
    name: str,
    *,
    target_id: int | None = None,
    institution_id: int | None = None,
    registration_id: int | None = None,
    requested_by: Actor = None,
) -> OutboxMessage:
    """Write the message in the current transaction; it is queued for the worker after commit."""
    if email_named(name) is None:
        raise KeyError(f"no email has the name {name!r}")
    message = OutboxMessage.objects.create(
        email=name,
        target_id=target_id,
        institution_id=institution_id,
        registration_id=registration_id,
        requested_by=user_of(requested_by),
    )
    dispatch_on_commit(message)
    return message


def dispatch_on_commit(message: OutboxMessage) -> None:
    """Hand the saved message to the worker once the transaction that wrote it commits (for a
    caller that writes the row in a statement of its own, illdesk/inserts.py, then calls this)."""
    transaction.on_commit(partial(dispatch, message.pk))


def dispatch(message_id: int) -> None:
    """Hand the message to the worker. A broker outage must not undo the change that wrote it:
    the row stays pending and the periodic job queues it again."""
    try:
        deliver_email.delay(message_id)
    except (BrokerError, OSError) as error:
        logger.warning(
            "email %s not queued (%s); the periodic job will retry",
            message_id,
            type(error).__name__,
        )


def requeue_stale() -> int:
    due = OutboxMessage.objects.due_for_requeue(older_than=REQUEUE_AFTER)
    stale = list(due.values_list("pk", "attempts"))
    for message_id, attempts in stale:
        if attempts >= MAX_ATTEMPTS:
            record_failure(message_id, error=Undeliverable("too many attempts"), retry_in=None)
        else:
            dispatch(message_id)
    return len(stale)


def claim_duration() -> timedelta:
    return timedelta(seconds=settings.EMAIL_SEND_DEADLINE) + CLAIM_MARGIN


def _claim(message_id: int) -> OutboxMessage | None:
    """Take the message for one worker for longer than its send can take, so two copies of the
    task (a redelivery and a requeue) never send it twice at once."""
    now = timezone.now()
    unclaimed = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    claimed = OutboxMessage.objects.filter(
        unclaimed, pk=message_id, status=OutboxMessage.Status.PENDING
    ).update(claimed_until=now + claim_duration(), attempts=F("attempts") + 1, updated_at=now)
    if not claimed:
        return None
    return OutboxMessage.objects.select_related("institution__user").get(pk=message_id)


def deliver(message_id: int) -> bool:
    """Send the message once. Returns False when there was nothing to do (already sent or failed,
    or another worker holds it). SMTP errors propagate to the task, which retries."""
    message = _claim(message_id)
    if message is None:
        return False
    email = email_named(message.email)
    try:
        if email is None:
            raise Undeliverable(f"no email has the name {message.email!r}")
        sent = _function(email.send)(message)
    except Undeliverable as reason:
        record_failure(message_id, error=reason, retry_in=None)
        return False
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message_id).update(
        **_logged(sent if isinstance(sent, EmailMessage) else None),
        status=OutboxMessage.Status.SENT,
        sent_at=now,
        updated_at=now,
        claimed_until=None,
        last_error="",
    )
    return True


def _logged(sent: EmailMessage | None) -> dict[str, str]:
    """What the email log keeps of a sent message: recipients, subject and plain text."""
    if sent is None:
        return {}
    recipient = ", ".join(sent.to)[: OutboxMessage._meta.get_field("recipient").max_length]
    return {"recipient": recipient, "subject": str(sent.subject), "body": str(sent.body)}


def link_of(message: OutboxMessage) -> str | None:
    """The staff page of what the message is about, if its email says."""
    email = email_named(message.email)
    link = _function(email.link)(message) if email and email.link else None
    return str(link) if link else None


def record_failure(message_id: int, *, error: BaseException, retry_in: timedelta | None) -> None:
    """Keep the error's class only: SMTP replies can quote the message (and a password). With
    `retry_in` the message stays pending and held until its retry is due, so the periodic requeue
    does not start a second chain of retries beside it; without, it has failed for good."""
    now = timezone.now()
    failed = OutboxMessage.objects.filter(
        pk=message_id, status=OutboxMessage.Status.PENDING
    ).update(
        status=OutboxMessage.Status.PENDING if retry_in else OutboxMessage.Status.FAILED,
        last_error=type(error).__name__,
        claimed_until=now + retry_in if retry_in else None,
        updated_at=now,
    )
    logger.warning(
        "email %s failed (%s); %s",
        message_id,
        type(error).__name__,
        f"retry in {retry_in}" if retry_in else "giving up",
    )
    if failed and retry_in is None:
        _report_failure(message_id)


def _report_failure(message_id: int) -> None:
    message = OutboxMessage.objects.get(pk=message_id)
    email = email_named(message.email)
    if email is not None and email.on_failure:
        reason = f"not delivered after {message.attempts} attempts ({message.last_error})"
        _function(email.on_failure)(message, reason)


# --- Tasks: thin wrappers taking ids ---------------------------------------------------------

MAX_RETRIES = 5


def retry_delay(retries: int) -> int:
    """1, 2, 4, 8, 16 minutes: an SMTP server that is down for maintenance gets time to recover."""
    return 60 * 2**retries


# The names are the ones the tasks had under registration/: messages already queued keep them.
@shared_task(bind=True, name="registration.deliver_email", max_retries=MAX_RETRIES)
def deliver_email(self: Task, message_id: int) -> None:
    try:
        deliver(message_id)
    except (smtplib.SMTPException, OSError) as error:
        # Run in-process (no broker, the embedded default) a retry cannot wait; the failure is
        # final at once (staff see it in the admin's email outbox).
        if self.request.is_eager or self.request.retries >= MAX_RETRIES:
            record_failure(message_id, error=error, retry_in=None)
            return
        delay = retry_delay(self.request.retries)
        record_failure(message_id, error=error, retry_in=timedelta(seconds=delay))
        # The retry runs a second after the hold ends, so it can claim the message (a retried
        # credentials email carries a fresh password: the one just made was never delivered).
        # The exception is not passed on, so no SMTP reply text reaches the broker.
        raise self.retry(countdown=delay + 1, exc=None) from None


@shared_task(name="registration.requeue_outbox")
def requeue_outbox() -> int:
    return requeue_stale()
