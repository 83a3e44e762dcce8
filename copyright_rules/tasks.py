"""Scheduled copyright jobs: thin wrappers around the retention module."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from copyright_rules import retention


@shared_task(name="copyright_rules.purge_due_records")
def purge_due_records() -> int:
    """The daily guideline 4 purge (see CELERY_BEAT_SCHEDULE); safe to run twice. Paced by
    COPYRIGHT_PURGE_BATCH_SIZE and COPYRIGHT_PURGE_PAUSE. Each record is due by the date in the
    zone that dated it (docs/copyright.md section 10, ruling 10)."""
    return retention.purge_due_records(
        timezone.now(),
        batch_size=settings.COPYRIGHT_PURGE_BATCH_SIZE,
        pause=settings.COPYRIGHT_PURGE_PAUSE,
    )
