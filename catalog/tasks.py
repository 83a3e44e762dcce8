"""Catalog tasks: thin, taking ids (docs/catalog.md)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from catalog import client, services


@shared_task(name="catalog.look_up")
def look_up(request_id: int) -> str:
    lookup = services.look_up(request_id)
    return lookup.state if lookup else "skipped"


@shared_task(name="catalog.look_up_due")
def look_up_due() -> int:
    return services.queue_due(timezone.now())


def look_up_if_configured(request_id: int) -> None:
    """Every submission's step (portal, ISO 18626, staff), run by the worker's one task after the
    submission commits (illdesk/tasks.py), never on the submission's path. Without a broker
    (tasks run in-process) it is not run in the web request: the periodic job and the desk's
    Look up button look the request up."""
    if client.configured():
        services.look_up(request_id)
