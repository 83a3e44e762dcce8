"""How long the message log keeps what no request holds (docs/iso18626.md, "The message log").

A request's messages go with its copyright record. A partner's messages that never became part
of a request (an ERROR before intake) follow the same rule as a record: kept until 31 December of
their year + 3. What a sender that failed authentication sent is no record of anything: its
metadata is kept ISO18626_UNAUTHENTICATED_DAYS. The daily job deletes both when due."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from requests_app.iso18626.models import IsoMessage

KEPT_YEARS = 3


def purge_unattached_messages(*, today: date) -> int:
    cutoff = timezone.make_aware(datetime.combine(date(today.year - KEPT_YEARS, 1, 1), time.min))
    due = IsoMessage.objects.filter(request__isnull=True, created_at__lt=cutoff)
    deleted, _ = due.delete()
    return deleted + _purge_unauthenticated(today=today)


def _purge_unauthenticated(*, today: date) -> int:
    kept_from = today - timedelta(days=settings.ISO18626_UNAUTHENTICATED_DAYS)
    cutoff = timezone.make_aware(datetime.combine(kept_from, time.min))
    due = IsoMessage.objects.filter(authenticated=False, created_at__lt=cutoff)
    deleted, _ = due.delete()
    return deleted
