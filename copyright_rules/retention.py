"""Guideline 4 retention: records are kept through 31 Dec (Y + 3) and purged from 1 Jan (Y + 4).

The purge deletes only what SPEC section 7 allows (due, final, no unpaid fee, no legal hold), in
batches of its own transactions so the table is never locked for long and an interrupted run,
started again, finishes the job. It logs counts, never contents.
"""

from __future__ import annotations

import logging
from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from copyright_rules.models import Record

BATCH_SIZE = 5000
logger = logging.getLogger(__name__)


def copyright_today() -> date:
    """Today in COPYRIGHT_TIME_ZONE: the zone that fixed every record's purge date."""
    return timezone.localdate(timezone=ZoneInfo(settings.COPYRIGHT_TIME_ZONE))


def count_due_records(today: date) -> int:
    return Record.objects.due_for_purge(today).count()


def purge_due_records(today: date, *, batch_size: int = BATCH_SIZE) -> int:
    """Delete every record due on `today`, batch by batch; returns how many were deleted."""
    total = 0
    while deleted := _purge_batch(today, batch_size):
        total += deleted
        logger.info("copyright record purge: %d deleted so far", total)
    logger.info("copyright record purge for %s finished: %d records deleted", today, total)
    return total


def _purge_batch(today: date, batch_size: int) -> int:
    with transaction.atomic():
        # Rows are locked as they are chosen, so staff setting a legal hold at this moment wait
        # for the batch instead of having their hold silently deleted (SQLite ignores the lock:
        # its IMMEDIATE transaction already excludes every other writer).
        due = Record.objects.due_for_purge(today).select_for_update(skip_locked=True)
        # No ORDER BY: most due rows share one purge date, and sorting them all for every batch
        # would make a large purge quadratic. Any due rows will do.
        ids = list(due.order_by().values_list("pk", flat=True)[:batch_size])
        if ids:
            Record.objects.filter(pk__in=ids).only("pk").delete()
    return len(ids)
