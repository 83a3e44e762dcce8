"""Scheduled copyright jobs: thin wrappers around the retention module."""

from celery import shared_task

from copyright_rules import retention


@shared_task(name="copyright_rules.purge_due_records")
def purge_due_records() -> int:
    """The daily guideline 4 purge (see CELERY_BEAT_SCHEDULE); safe to run twice."""
    return retention.purge_due_records(retention.copyright_today())
