"""Delivery tasks: thin wrappers taking ids (delivery.services does the work, and sends them by
their names)."""

from celery import shared_task

from delivery import services


@shared_task(name=services.PREPARE_TASK)
def prepare_delivery(delivery_id: int) -> None:
    services.prepare(delivery_id)


@shared_task(name=services.FINISH_TASK)
def finish_delivery(delivery_id: int) -> None:
    services.finish(delivery_id)
