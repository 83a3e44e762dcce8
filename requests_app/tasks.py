"""Request tasks: thin wrappers taking ids, run by the worker (or in-process when embedded)."""

import smtplib

from celery import Task, shared_task
from django.utils import timezone

from requests_app import emails, scheduled, services
from requests_app.iso18626 import tasks as iso18626_tasks  # noqa: F401  (registers them)
from requests_app.models import Request

MAX_RETRIES = 5


@shared_task(bind=True, name="requests_app.send_request_email", max_retries=MAX_RETRIES)
def send_request_email(self: Task, request_id: int, email: str) -> None:
    request = Request.objects.select_related("institution", "record").filter(pk=request_id).first()
    if request is None:  # purged since: nothing to tell anyone
        return
    try:
        emails.EMAILS[email](request)
    except (smtplib.SMTPException, OSError) as error:
        # Run in-process (no broker), a retry cannot wait: the failure is final at once.
        if self.request.is_eager or self.request.retries >= MAX_RETRIES:
            attempts = self.request.retries + 1
            reason = f"not delivered after {attempts} attempts ({type(error).__name__})"
            services.record_email_failure(request_id, email, reason=reason)
            return
        raise self.retry(countdown=60 * 2**self.request.retries) from None


@shared_task(name="requests_app.daily_loans")
def daily_loans() -> dict[str, int]:
    """Mark overdue loans, then send due-soon reminders and overdue notices."""
    today = timezone.localdate()
    return {
        "overdue": scheduled.mark_overdue_loans(today=today),
        "notices": scheduled.send_overdue_notices(today=today),
        "due_soon": scheduled.send_due_soon_reminders(today=today),
    }


@shared_task(name="requests_app.remove_expired_files")
def remove_expired_files() -> int:
    return scheduled.remove_expired_files(now=timezone.now())
