"""Policy tasks: thin wrappers taking ids, run by the worker (or in-process when embedded)."""

import logging

from celery import shared_task
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from policy import services

logger = logging.getLogger(__name__)


@shared_task(name="policy.apply_rules")
def apply_rules(request_id: int) -> int | None:
    """The policy rules for one new request; returns the id of the rule that acted, if any."""
    acted = services.apply_rules(request_id)
    return acted.pk if acted else None


def apply_rules_after_submission(request_id: int) -> None:
    """The submission hook: the worker applies the rules, so a submission costs the web process
    no query more. A broker outage must not leave the request unevaluated: then they are applied
    here and now."""
    try:
        apply_rules.delay(request_id)
    except (BrokerError, OSError) as error:
        logger.warning("policy rules for request %s applied in-process (%s)", request_id, error)
        services.apply_rules(request_id)


@shared_task(name="policy.flag_requests")
def flag_requests() -> int:
    """Flag requests answered late or past their need-before date (docs/policy.md)."""
    return services.flag_requests(timezone.localdate())
