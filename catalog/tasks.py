"""Catalog tasks, thin and taking ids, and the queueing that hands lookups to them: the catalog's
services do the work and never queue it (docs/catalog.md)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from catalog import client, services
from catalog.models import Lookup
from requests_app.models import Request

logger = logging.getLogger(__name__)

# New requests the periodic job looks up when the broker never ran their lookup.
NEW_WITHIN = timedelta(days=1)


@shared_task(name="catalog.look_up")
def look_up(request_id: int) -> str:
    lookup = services.look_up(request_id)
    return lookup.state if lookup else "skipped"


@shared_task(name="catalog.look_up_due")
def look_up_due() -> int:
    return queue_due(timezone.now())


def look_up_if_configured(request_id: int) -> None:
    """Every submission's step (portal, ISO 18626, staff), run by the worker's one task after the
    submission commits (illdesk/tasks.py), never on the submission's path. Without a broker
    (tasks run in-process) it is not run in the web request: the periodic job and the desk's
    Look up button look the request up."""
    if client.configured():
        services.look_up(request_id)


def queue_lookup(request_id: int) -> bool:
    """Hand one lookup to the worker; False when the broker cannot take it now (the periodic
    job tries again)."""
    try:
        look_up.delay(request_id)
    except (BrokerError, OSError) as error:
        logger.warning("catalog lookup of %s not queued (%s)", request_id, type(error).__name__)
        return False
    return True


def queue_due(now: datetime) -> int:
    """Queue the failed lookups whose retry is due, and new requests never looked up (left
    CATALOG_RETRY_MINUTES to the lookup their submission queued, so a busy worker is not sent
    each one again every minute)."""
    if not client.configured():
        return 0
    due = list(Lookup.objects.retry_due(now).values_list("request_id", flat=True)[:200])
    grace = timedelta(minutes=settings.CATALOG_RETRY_MINUTES)
    Lookup.objects.filter(request_id__in=due).update(retry_at=now + grace)
    never = Request.objects.open().filter(
        catalog_lookup__isnull=True, created_at__gte=now - NEW_WITHIN, created_at__lte=now - grace
    )
    waiting = due + list(never.order_by("created_at").values_list("pk", flat=True)[:200])
    return sum(queue_lookup(request_id) for request_id in waiting)


def queue_lookups(items: Iterable[Request]) -> str:
    """The desk's batch "look up": each selected request is looked up again on a worker."""
    if not client.configured():
        return "No catalog is configured: nothing was looked up."
    numbers = [item.pk for item in items]
    queued = sum(queue_lookup(number) for number in numbers)
    noun = "request" if queued == 1 else "requests"
    left = len(numbers) - queued
    return f"{queued} {noun} sent to the catalog." + (
        f" {left} could not be queued now; the periodic job will." if left else ""
    )
