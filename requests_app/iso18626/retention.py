"""How long the message log keeps what no request holds (docs/iso18626.md, "The message log").

A request's messages go with its copyright record. A partner's messages that never became part
of a request (an ERROR before intake) follow the same rule as a record: kept until 31 December of
their year + 3, the year and the date read in the zone that dated each message, stored with it
(docs/copyright.md section 10, ruling 10), whatever zone is configured now. What a sender that
failed authentication sent is no record of anything: its metadata is kept
ISO18626_UNAUTHENTICATED_DAYS. The daily job deletes both when due."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from requests_app.iso18626.models import IsoMessage

KEPT_YEARS = 3


def purge_unattached_messages(*, now: datetime) -> int:
    """Delete the unattached messages due at `now` (its year read in each message's own zone)
    and the unauthenticated metadata past its days; returns how many were deleted."""
    unattached = IsoMessage.objects.filter(request__isnull=True)
    deleted = 0
    for zone_name in unattached.order_by().values_list("time_zone", flat=True).distinct():
        zone = ZoneInfo(zone_name)
        kept_from = datetime(now.astimezone(zone).year - KEPT_YEARS, 1, 1, tzinfo=zone)
        count, _ = unattached.filter(time_zone=zone_name, created_at__lt=kept_from).delete()
        deleted += count
    return deleted + _purge_unauthenticated(now=now)


def _purge_unauthenticated(*, now: datetime) -> int:
    cutoff = now - timedelta(days=settings.ISO18626_UNAUTHENTICATED_DAYS)
    deleted, _ = IsoMessage.objects.filter(authenticated=False, created_at__lt=cutoff).delete()
    return deleted
