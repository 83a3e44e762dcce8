"""The desk's ways into electronic delivery: the Fill action, a batch of scans delivered at once,
and the delivery a request page shows. The work itself is delivery.services (docs/delivery.md)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import IO

from delivery.models import Delivery, Status
from delivery.services import DeliveryChanged, Unmatched, confirm, start_delivery
from illdesk.actors import Actor
from requests_app import services as requests
from requests_app.models import Request


def latest_delivery(item: Request) -> Delivery | None:
    """The delivery the request page shows: the newest one."""
    return item.deliveries.order_by("-created_at", "-pk").first()


def confirm_batch(batch: uuid.UUID, *, acting_user: Actor) -> tuple[list[int], list[str]]:
    """Deliver every ready scan of a batch, each in its own compare-and-set: one that cannot
    be delivered does not stop the others. Returns the delivered ids and why the others not."""
    done: list[int] = []
    failed: list[str] = []
    for delivery in Delivery.objects.of_batch(batch).filter(status=Status.READY):
        try:
            confirm(delivery, acting_user=acting_user)
        except (Unmatched, DeliveryChanged) as refused:
            failed.append(str(refused))
        else:
            done.append(delivery.pk)
    return done, failed


def fill_copy(
    item: Request,
    *,
    seen: str,
    delivery_method: str,
    scans: Sequence[IO[bytes]],
    notice: str,
    language: str,
    acting_user: Actor,
) -> Request | Delivery:
    """The desk's Fill action: a mailed copy is filled at once; an electronic one goes through
    the pipeline, which fills the request when the file is ready."""
    if delivery_method != Request.DeliveryMethod.ELECTRONIC:
        return requests.fill_copy(
            item, seen=seen, delivery_method=delivery_method, pdf=None, acting_user=acting_user
        )
    return start_delivery(
        item, seen=seen, files=scans, notice=notice, language=language, acting_user=acting_user
    )
