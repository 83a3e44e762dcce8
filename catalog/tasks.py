"""Catalog tasks: thin, taking ids (docs/catalog.md)."""

from __future__ import annotations

from celery import current_app, shared_task
from django.db import transaction
from django.utils import timezone

from catalog import client, services


@shared_task(name="catalog.look_up")
def look_up(request_id: int) -> str:
    lookup = services.look_up(request_id)
    return lookup.state if lookup else "skipped"


@shared_task(name="catalog.look_up_due")
def look_up_due() -> int:
    return services.queue_due(timezone.now())


def look_up_after_commit(request_id: int) -> None:
    """Every submission's hook (portal, ISO 18626, staff): the lookup runs on a worker once the
    request is committed, never on the submission's path. Without a broker (tasks run
    in-process) it would run in the web request, so it is left to the periodic job and the desk's
    Look up button."""
    if client.configured() and not current_app.conf.task_always_eager:
        transaction.on_commit(lambda: services.queue_lookup(request_id))
