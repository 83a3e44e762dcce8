"""Request emails under faults: the broker down at submission, SMTP refusing every attempt."""

from __future__ import annotations

from typing import Any, cast

import pytest
from celery.exceptions import Retry
from django.test import Client
from django.urls import reverse

from requests_app import tasks
from requests_app.models import Action, Request, RequestEvent
from tests.factories import make_institution
from tests.requests_app.factories import make_copy
from tests.requests_app.test_submit import COPY_POST
from tests.services import RedisServer, SmtpServer, forget_broker_connections


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_submission_with_redis_down_is_stored_and_the_lost_email_is_on_the_timeline(
    celery_broker: str, redis_server: RedisServer
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(cast(Any, make_institution().user))
    forget_broker_connections()
    redis_server.stop()
    try:
        response = client.post(reverse("requests:new_copy"), COPY_POST)
    finally:
        redis_server.start()
        forget_broker_connections()

    assert response.status_code == 302
    request = Request.objects.get()
    failure = RequestEvent.objects.get(request=request, action=Action.EMAIL_FAILED)
    assert "request-received" in failure.text


@pytest.mark.django_db
def test_an_email_refused_on_every_attempt_is_on_the_timeline(
    smtp_server: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    client.force_login(cast(Any, make_institution().user))
    smtp_server.inbox.refuse = True

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("requests:new_copy"), COPY_POST)

    assert response.status_code == 302

    request = Request.objects.get()
    failure = RequestEvent.objects.get(request=request, action=Action.EMAIL_FAILED)
    assert "not delivered after 1 attempts (SMTPDataError)" in failure.text
    assert smtp_server.messages == []


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_retries_through_the_broker_and_records_the_failure_after_the_last(
    celery_broker: str, smtp_server: SmtpServer
) -> None:
    smtp_server.inbox.refuse = True
    request = make_copy(make_institution())
    task = cast(Any, tasks.send_request_email)  # push_request's keywords are untyped

    # Run as the worker runs it (not eagerly): an early attempt schedules a retry on Redis.
    task.push_request(retries=0, is_eager=False, id="attempt-1")
    try:
        with pytest.raises(Retry):
            task(request.pk, "request-received")
    finally:
        task.pop_request()
    assert not RequestEvent.objects.filter(action=Action.EMAIL_FAILED).exists()

    task.push_request(retries=tasks.MAX_RETRIES, is_eager=False, id="attempt-last")
    try:
        task(request.pk, "request-received")
    finally:
        task.pop_request()
    failure = RequestEvent.objects.get(request=request, action=Action.EMAIL_FAILED)
    assert f"after {tasks.MAX_RETRIES + 1} attempts" in failure.text
