"""How long the message log keeps what no request holds (docs/iso18626.md, "The message log").

A request's messages go with its copyright record. Messages that never became part of a request
(an unknown agency, an ERROR before intake) follow the same rule as a record: kept until 31
December of their year + 3, then deleted by the daily job. The year and the date are read in the
zone that dated each message, stored with it (docs/copyright.md section 10, ruling 10), whatever
zone is configured now."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from requests_app.iso18626.models import IsoMessage

KEPT_YEARS = 3


def purge_unattached_messages(*, today: date | None = None, now: datetime | None = None) -> int:
    """Delete the unattached messages due now (or on the day `today`, read in each message's
    own zone); returns how many were deleted."""
    unattached = IsoMessage.objects.filter(request__isnull=True)
    moment = now or timezone.now()
    deleted = 0
    for zone_name in unattached.order_by().values_list("time_zone", flat=True).distinct():
        zone = ZoneInfo(zone_name)
        day = today or moment.astimezone(zone).date()
        kept_from = datetime(day.year - KEPT_YEARS, 1, 1, tzinfo=zone)
        count, _ = unattached.filter(time_zone=zone_name, created_at__lt=kept_from).delete()
        deleted += count
    return deleted
