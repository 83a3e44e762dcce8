"""Policy tasks: thin wrappers taking ids, run by the worker (or in-process when embedded)."""

from celery import shared_task
from django.utils import timezone

from policy import services


@shared_task(name="policy.apply_rules")
def apply_rules(request_id: int) -> int | None:
    """The policy rules for one new request; returns the id of the rule that acted, if any."""
    acted = services.apply_rules(request_id)
    return acted.pk if acted else None


@shared_task(name="policy.flag_requests")
def flag_requests() -> int:
    """Flag requests answered late or past their need-before date (docs/policy.md)."""
    return services.flag_requests(timezone.localdate())
