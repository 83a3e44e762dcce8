"""The project's own tasks: the email outbox's (defined beside it, illdesk/outbox.py, named here
for the worker's task discovery), and the work each new request gets from other apps once its
submission commits, sent to the worker as one task (docs/performance.md, "One task after each
submission").

The lifecycle's fan-out (requests_app/lifecycle.py, FAN_OUT) calls `queue_after_submission`
after a submission commits: one broker round trip however many apps act on new requests, the
same whether the catalog is configured or not. Without a broker, or when the broker cannot take
the task, the steps that may run in the web process run here and now; the others (a catalog
search waits on the network) are left to their app's periodic job."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from celery import current_app, shared_task
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError as BrokerError

from illdesk.outbox import deliver_email, requeue_outbox

__all__ = ["after_submission", "deliver_email", "queue_after_submission", "requeue_outbox"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    """One app's work on a new request: a function taking the request's id (imported when first
    needed, so the project imports no app that builds on it), and whether it may run in the
    submitting process when no worker can take it."""

    path: str
    in_web_process: bool

    def run(self, request_id: int) -> object:
        return _function(self.path)(request_id)


# Every app's step for a new request, in this order.
STEPS: tuple[Step, ...] = (
    Step("policy.services.apply_rules", in_web_process=True),
    Step("catalog.tasks.look_up_if_configured", in_web_process=False),
)


@cache
def _function(path: str) -> Callable[[int], object]:
    function: Callable[[int], object] = import_string(path)
    return function


def queue_after_submission(request_id: int) -> None:
    """The submission's after-commit listener: one task for every step."""
    if not current_app.conf.task_always_eager:
        try:
            after_submission.delay(request_id)
            return
        except (BrokerError, OSError) as error:
            logger.warning("after-submission steps of %s run here (%s)", request_id, error)
    for step in STEPS:
        if step.in_web_process:
            step.run(request_id)


@shared_task(name="illdesk.after_submission")
def after_submission(request_id: int) -> None:
    """Every step for one new request, on the worker. One step's failure does not keep the
    others from theirs; the first is raised after all have run."""
    failed: Exception | None = None
    for step in STEPS:
        try:
            step.run(request_id)
        except Exception as error:  # noqa: BLE001  (logged here, raised after the other steps)
            logger.exception("after-submission step %s of %s failed", step.path, request_id)
            failed = failed or error
    if failed is not None:
        raise failed
