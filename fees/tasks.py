"""Fee tasks: thin wrappers run by the worker (or in-process when embedded)."""

from celery import shared_task
from django.utils import timezone

from fees import services, stats


@shared_task(name="fees.issue_invoices")
def issue_invoices() -> int:
    """Invoice last month's charges (daily: a run that finds nothing new issues nothing)."""
    return len(services.issue_invoices(services.previous_month(timezone.localdate())))


@shared_task(name="fees.send_reminders")
def send_reminders() -> int:
    """Remind libraries of invoices open FEES_REMINDER_DAYS (docs/fees.md)."""
    return services.send_reminders(now=timezone.now())


@shared_task(name="fees.refresh_revenue")
def refresh_revenue() -> int:
    """Bring the statistics' revenue up to date (docs/fees.md, "Statistics")."""
    return stats.refresh()
