"""Delivery tasks: thin wrappers taking ids (delivery.services does the work)."""

from celery import shared_task

from delivery import services


@shared_task(name="delivery.prepare")
def prepare_delivery(delivery_id: int) -> None:
    services.prepare(delivery_id)


@shared_task(name="delivery.finish")
def finish_delivery(delivery_id: int) -> None:
    services.finish(delivery_id)
