"""Request tasks: thin wrappers taking ids, run by the worker (or in-process when embedded)."""

from celery import shared_task
from django.utils import timezone

from requests_app import scheduled
from requests_app.iso18626 import tasks as iso18626_tasks  # noqa: F401  (registers them)


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
