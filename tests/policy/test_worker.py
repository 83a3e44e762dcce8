"""The rules and the clock on the real worker and the beat schedule."""

import time
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from illdesk.celery import app as celery_app
from policy.models import PolicyRule, RuleAction
from requests_app.models import Request, Status


def test_the_flags_are_computed_every_hour_by_beat() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["policy-flag-requests"]
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] == timedelta(hours=1)


def status_once_settled(pk: int, *, waiting: str, within: float = 60) -> str:
    """The request's status once it leaves `waiting` (the worker's change), or `waiting`."""
    deadline = time.monotonic() + within
    status = waiting
    while status == waiting and time.monotonic() < deadline:
        time.sleep(0.2)
        status = Request.objects.values_list("status", flat=True).get(pk=pk)
    return status


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_worker_conditions_a_pre_1900_loan(
    portal: Client, broker: str, celery_worker: Any
) -> None:
    PolicyRule.objects.create(
        name="Pre-1900 imprints: library use only",
        published_before=1900,
        action=RuleAction.APPLY_CONDITION,
        condition="Library use only",
    )
    portal.post(
        reverse("requests:new_loan"),
        {"title": "Walden", "publication_date": "1854", "tried_elsewhere": "on"},
    )
    loan = Request.objects.get()
    assert status_once_settled(loan.pk, waiting=Status.NEW) == Status.CONDITIONAL
