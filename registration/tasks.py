"""Credential delivery tasks: thin wrappers around services, taking ids only."""

import logging
import smtplib
from datetime import timedelta

from celery import Task, shared_task

from registration import services

MAX_RETRIES = 5
logger = logging.getLogger(__name__)


def retry_delay(retries: int) -> int:
    """1, 2, 4, 8, 16 minutes: an SMTP server that is down for maintenance gets time to recover."""
    return 60 * 2**retries


@shared_task(bind=True, name="registration.deliver_credentials", max_retries=MAX_RETRIES)
def deliver_credentials(self: Task, delivery_id: int) -> None:
    try:
        services.deliver_credentials(delivery_id)
    except (smtplib.SMTPException, OSError) as error:
        # Run in-process (no broker, the embedded default) a retry cannot wait; the failure is
        # final at once and staff resend from the admin.
        if self.request.is_eager or self.request.retries >= MAX_RETRIES:
            services.record_delivery_failure(delivery_id, error=error, retry_in=None)
            return
        delay = retry_delay(self.request.retries)
        services.record_delivery_failure(
            delivery_id, error=error, retry_in=timedelta(seconds=delay)
        )
        # A retry generates a fresh password: the one just made was never delivered. It runs a
        # second after the hold ends, so it can claim the delivery. The exception is not passed
        # on, so no SMTP reply text reaches the broker.
        raise self.retry(countdown=delay + 1, exc=None) from None


@shared_task(name="registration.requeue_credential_deliveries")
def requeue_credential_deliveries() -> int:
    return services.requeue_stale_deliveries()


@shared_task(bind=True, name="registration.send_information_request", max_retries=MAX_RETRIES)
def send_information_request(self: Task, event_id: int) -> None:
    try:
        services.send_information_request(event_id)
    except (smtplib.SMTPException, OSError) as error:
        if self.request.is_eager or self.request.retries >= MAX_RETRIES:
            logger.warning(
                "information request %s not emailed (%s)", event_id, type(error).__name__
            )
            return
        raise self.retry(countdown=retry_delay(self.request.retries), exc=None) from None
