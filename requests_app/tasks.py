"""Request tasks: thin wrappers taking ids, run by the worker (or in-process when embedded)."""

from celery import shared_task
from django.utils import timezone

from requests_app import scheduled, tallies
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


@shared_task(name="requests_app.refresh_statistics")
def refresh_statistics() -> int | None:
    """Recompute the statistics' days changed since the last refresh (see CELERY_BEAT_SCHEDULE);
    returns how many, or None when another refresh was still under way and is left to finish."""
    try:
        return tallies.refresh(wait=False).days
    except tallies.RefreshRunning:
        return None
