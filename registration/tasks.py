"""Email tasks: thin wrappers around the outbox (registration/outbox.py), taking ids only."""

import smtplib
from datetime import timedelta

from celery import Task, shared_task

from registration import outbox

MAX_RETRIES = 5


def retry_delay(retries: int) -> int:
    """1, 2, 4, 8, 16 minutes: an SMTP server that is down for maintenance gets time to recover."""
    return 60 * 2**retries


@shared_task(bind=True, name="registration.deliver_email", max_retries=MAX_RETRIES)
def deliver_email(self: Task, message_id: int) -> None:
    try:
        outbox.deliver(message_id)
    except (smtplib.SMTPException, OSError) as error:
        # Run in-process (no broker, the embedded default) a retry cannot wait; the failure is
        # final at once (staff see it in the admin's email outbox).
        if self.request.is_eager or self.request.retries >= MAX_RETRIES:
            outbox.record_failure(message_id, error=error, retry_in=None)
            return
        delay = retry_delay(self.request.retries)
        outbox.record_failure(message_id, error=error, retry_in=timedelta(seconds=delay))
        # The retry runs a second after the hold ends, so it can claim the message (a retried
        # credentials email carries a fresh password: the one just made was never delivered).
        # The exception is not passed on, so no SMTP reply text reaches the broker.
        raise self.retry(countdown=delay + 1, exc=None) from None


@shared_task(name="registration.requeue_outbox")
def requeue_outbox() -> int:
    return outbox.requeue_stale()
