"""The work each new request gets from other apps once its submission commits, sent to the
worker as one task (docs/performance.md, "One task after each submission").

Each app registers its step, a function taking the request's id, when it is ready (policy: the
lending rules; catalog: the lookup). The submission service calls `queue_after_submission` after
its transaction commits (`requests_app.services.register_after_submission`): one broker round
trip however many apps act on new requests, the same whether the catalog is configured or not.
Without a broker (the embedded default), or when the broker cannot take the task, the steps that
may run in the web process run here and now; the others (a catalog search waits on the network)
are left to their app's periodic job."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from celery import current_app, shared_task
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    run: Callable[[int], object]
    in_web_process: bool  # may run in the submitting process when no worker can


STEPS: list[Step] = []


def register_step(run: Callable[[int], object], *, in_web_process: bool) -> None:
    step = Step(run, in_web_process)
    if step not in STEPS:
        STEPS.append(step)


def queue_after_submission(request_id: int) -> None:
    """The submission's after-commit hook: one task for every registered step."""
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
    """Every registered step for one new request, on the worker. One step's failure does not
    keep the others from theirs; the first is raised after all have run."""
    failed: Exception | None = None
    for step in STEPS:
        try:
            step.run(request_id)
        except Exception as error:  # noqa: BLE001  (logged here, raised after the other steps)
            logger.exception("after-submission step %s of %s failed", step.run, request_id)
            failed = failed or error
    if failed is not None:
        raise failed
