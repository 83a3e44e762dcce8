"""Request emails through the outbox under faults, with the real services: the broker down at
submission, Redis killed with messages queued, SMTP refusing every attempt."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

import pytest
from celery.exceptions import Retry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from illdesk import outbox as tasks
from registration.models import OutboxMessage
from requests_app import services
from requests_app.models import Action, Request, RequestEvent
from tests.factories import make_institution
from tests.requests_app.factories import make_copy
from tests.requests_app.test_submit import COPY_POST
from tests.services import (
    RedisServer,
    SmtpServer,
    forget_broker_connections,
    start_celery_worker,
)


def _wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _as_if_a_while_ago() -> None:
    """Move the outbox's clock back, as if the periodic requeue's wait had passed."""
    OutboxMessage.objects.update(updated_at=timezone.now() - timedelta(minutes=5))


def _sweep() -> None:
    """What beat does every minute: the requeue task, through the broker, on the worker."""
    forget_broker_connections()
    tasks.requeue_outbox.delay()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_submission_with_redis_down_is_stored_and_its_email_waits_in_the_outbox(
    celery_broker: str, redis_server: RedisServer, smtp_server: SmtpServer, tmp_path: Any
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
    message = OutboxMessage.objects.get(target_id=request.pk)
    assert (message.email, message.status) == ("request-received", "pending")
    assert not RequestEvent.objects.filter(action=Action.EMAIL_FAILED).exists()

    worker = start_celery_worker(
        celery_broker, tmp_path / "worker.log", {"EMAIL_URL": smtp_server.url}
    )
    try:
        _as_if_a_while_ago()
        _sweep()
        assert _wait_until(lambda: len(smtp_server.messages) == 1), worker.log()
    finally:
        worker.stop()
    assert OutboxMessage.objects.get().status == "sent"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_emails_queued_before_redis_is_killed_arrive_exactly_once_after_it_returns(
    celery_broker: str, redis_server: RedisServer, smtp_server: SmtpServer, tmp_path: Any
) -> None:
    client = Client()
    institution = make_institution()
    client.force_login(cast(Any, institution.user))
    for _ in range(3):  # no worker yet: the three tasks wait in Redis
        assert client.post(reverse("requests:new_copy"), COPY_POST).status_code == 302
    assert OutboxMessage.objects.filter(status="pending").count() == 3

    redis_server.kill()  # SIGKILL, no persistence: the queued tasks are gone
    redis_server.start()
    forget_broker_connections()
    worker = start_celery_worker(
        celery_broker, tmp_path / "worker.log", {"EMAIL_URL": smtp_server.url}
    )
    try:
        time.sleep(2)
        assert smtp_server.messages == []  # the queue really was lost
        _as_if_a_while_ago()
        _sweep()
        _sweep()  # beat running twice must not send twice
        assert _wait_until(lambda: OutboxMessage.objects.filter(status="sent").count() == 3)
        time.sleep(2)
    finally:
        worker.stop()
    assert len(smtp_server.messages) == 3
    recipients = {m["To"] for m in smtp_server.messages}
    assert recipients == {institution.email}
    assert not RequestEvent.objects.filter(action=Action.EMAIL_FAILED).exists()


@pytest.mark.django_db
def test_an_email_refused_on_every_attempt_is_on_the_timeline_and_in_the_staff_outbox(
    smtp_server: SmtpServer, django_capture_on_commit_callbacks: Any, admin_client: Client
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
    listing = admin_client.get(
        reverse("admin:registration_outboxmessage_changelist"), {"status__exact": "failed"}
    )
    assert b"request-received" in listing.content
    assert b"SMTPDataError" in listing.content


@pytest.mark.django_db
def test_an_email_for_a_purged_request_fails_without_sending(smtp_server: SmtpServer) -> None:
    request = make_copy(make_institution())
    message = services.queue_request_email(request.pk, "request-filled")
    assert message is not None
    Request.objects.filter(pk=request.pk).delete()

    tasks.deliver_email(message.pk)

    message.refresh_from_db()
    assert (message.status, message.last_error) == ("failed", "Undeliverable")
    assert smtp_server.messages == []


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_retries_through_the_broker_and_records_the_failure_after_the_last(
    celery_broker: str, smtp_server: SmtpServer
) -> None:
    smtp_server.inbox.refuse = True
    request = make_copy(make_institution())
    OutboxMessage.objects.all().delete()  # the submission's own email: not this test's
    message = services.queue_request_email(request.pk, "request-received")
    assert message is not None
    task = cast(Any, tasks.deliver_email)  # push_request's keywords are untyped

    # Run as the worker runs it (not eagerly): an early attempt schedules a retry on Redis.
    task.push_request(retries=0, is_eager=False, id="attempt-1")
    try:
        with pytest.raises(Retry):
            task(message.pk)
    finally:
        task.pop_request()
    assert not RequestEvent.objects.filter(action=Action.EMAIL_FAILED).exists()
    assert OutboxMessage.objects.get().status == "pending"

    OutboxMessage.objects.update(claimed_until=None)  # the retry's hold has passed
    task.push_request(retries=tasks.MAX_RETRIES, is_eager=False, id="attempt-last")
    try:
        task(message.pk)
    finally:
        task.pop_request()
    failure = RequestEvent.objects.get(request=request, action=Action.EMAIL_FAILED)
    assert "after 2 attempts (SMTPDataError)" in failure.text
    assert OutboxMessage.objects.get().status == "failed"
