"""How long the message log keeps what no request holds (docs/iso18626.md, "The message log").

A request's messages go with its copyright record. Messages that never became part of a request
(an unknown agency, an ERROR before intake) follow the same rule as a record: kept until 31
December of their year + 3, then deleted by the daily job."""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from requests_app.iso18626.models import IsoMessage

KEPT_YEARS = 3


def purge_unattached_messages(*, today: date) -> int:
    cutoff = timezone.make_aware(datetime.combine(date(today.year - KEPT_YEARS, 1, 1), time.min))
    due = IsoMessage.objects.filter(request__isnull=True, created_at__lt=cutoff)
    deleted, _ = due.delete()
    return deleted
