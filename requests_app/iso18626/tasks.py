"""ISO 18626 outbox tasks: thin wrappers taking ids (docs/iso18626.md, "Messages we send")."""

from celery import Task, shared_task
from django.db.models import Q
from django.utils import timezone

from requests_app.iso18626 import retention, sending
from requests_app.iso18626.models import IsoMessage


@shared_task(bind=True, name="requests_app.iso18626_send")
def send_iso_messages(self: Task, request_id: int) -> None:
    """Send the request's pending messages in order; come back when the first one failing for
    now is due again. Run in-process (no broker), it cannot wait: the requeue job retries."""
    delay = sending.send_pending(request_id)
    if delay is not None and not self.request.is_eager:
        send_iso_messages.apply_async((request_id,), countdown=delay)


@shared_task(name="requests_app.iso18626_requeue")
def requeue_iso_messages() -> int:
    """Hand the worker every request with a pending message that is due (a lost broker task or a
    retry whose countdown was lost). Sending twice is harmless: a sent message is never resent."""
    due = IsoMessage.objects.filter(delivery=IsoMessage.Delivery.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())
    )
    request_ids = list(due.values_list("request_id", flat=True).distinct())
    for request_id in request_ids:
        send_iso_messages.delay(request_id)
    return len(request_ids)


@shared_task(name="requests_app.iso18626_purge_unattached")
def purge_unattached_messages() -> int:
    return retention.purge_unattached_messages(now=timezone.now())
