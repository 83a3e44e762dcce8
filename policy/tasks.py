"""Policy tasks: thin wrappers taking ids, run by the worker (or in-process when embedded)."""

import logging

from celery import shared_task
from celery.app.task import Task
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from policy import services
from policy.models import PolicyRule

logger = logging.getLogger(__name__)


@shared_task(name="policy.apply_rules")
def apply_rules(request_id: int) -> int | None:
    """The policy rules for one new request; returns the id of the rule that acted, if any."""
    acted = services.apply_rules(request_id)
    return acted.pk if acted else None


@shared_task(name="policy.flag_requests")
def flag_requests() -> int:
    """Flag requests answered late or past their need-before date (docs/policy.md)."""
    return services.flag_requests(timezone.localdate())


@shared_task(name="policy.reevaluate_rule")
def reevaluate_rule(rule_id: int) -> int:
    """The open requests a saved rule now matches or no longer matches (docs/policy.md)."""
    return services.reevaluate_rule(rule_id)


@shared_task(name="policy.reevaluate_removed")
def reevaluate_removed(rule_name: str, acted: list[int], suggested: list[int]) -> int:
    """The open requests a deleted rule had acted on or suggested something for."""
    return services.reevaluate_removed(rule_name, acted=acted, suggested=suggested)


def rule_saved(rule: PolicyRule) -> None:
    """Staff saved a rule: once that commits, the worker re-evaluates the requests it touches."""
    transaction.on_commit(lambda: _queue(reevaluate_rule, rule.pk))


def rule_deleted(rule: PolicyRule) -> None:
    """Staff are deleting a rule: the requests it touched are listed now, while the rule still
    names them, and re-evaluated once the deletion commits."""
    touched = services.requests_touched_by(rule)
    name = rule.name
    transaction.on_commit(
        lambda: _queue(reevaluate_removed, name, touched.acted, touched.suggested)
    )


def _queue(task: Task, *args: object) -> None:
    """To the worker; in-process when the broker cannot be reached, so no change goes
    unevaluated."""
    try:
        task.delay(*args)
    except (BrokerError, OSError) as error:
        logger.warning("policy re-evaluation run in-process (%s)", error)
        task(*args)
