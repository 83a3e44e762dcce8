"""The credentials email under faults, with the real services: Redis stopped at approval time, the
SMTP server refusing mail, and a worker killed in the middle of a delivery."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from datetime import timedelta
from email.message import EmailMessage
from typing import Any, cast

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from illdesk.outbox import requeue_outbox
from registration import services
from registration.models import OutboxMessage, Registration
from tests.registration.factories import RegistrationFactory, StaffFactory
from tests.registration.helpers import password_in
from tests.services import CeleryWorker, RedisServer, SmtpServer, forget_broker_connections

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

QUIET_SECONDS = 3.0


def _approve() -> tuple[Registration, User]:
    registration = cast(Registration, RegistrationFactory())
    staff = cast(User, StaffFactory())
    services.approve_registration(registration, acting_user=staff)
    registration.refresh_from_db()
    return registration, staff


def _delivery() -> OutboxMessage:
    return OutboxMessage.objects.get()


def _as_if_a_while_ago(minutes: int = 5) -> None:
    """Move the outbox row's clock back, as if the sweeper's wait and any claim had passed."""
    earlier = timezone.now() - timedelta(minutes=minutes)
    OutboxMessage.objects.update(updated_at=earlier, claimed_until=None)


def _sweep() -> None:
    forget_broker_connections()
    requeue_outbox.delay()


def _wait_until(condition: Any, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _only_usable_password_is_the_last_emailed(messages: list[EmailMessage], user: User) -> None:
    user.refresh_from_db()
    passwords = [password_in(m) for m in messages]
    assert user.check_password(passwords[-1])
    assert not any(user.check_password(p) for p in passwords[:-1])


def test_approval_with_redis_down_commits_and_the_email_follows_once_redis_returns(
    celery_broker: str,
    redis_server: RedisServer,
    smtp_server: SmtpServer,
    request: pytest.FixtureRequest,
) -> None:
    forget_broker_connections()
    redis_server.stop()
    try:
        registration, _ = _approve()

        assert registration.status == Registration.Status.APPROVED
        assert _delivery().status == OutboxMessage.Status.PENDING
    finally:
        redis_server.start()
    worker: CeleryWorker = request.getfixturevalue("celery_worker")
    assert smtp_server.messages == []

    _as_if_a_while_ago()
    _sweep()

    assert _wait_until(lambda: _delivery().status == OutboxMessage.Status.SENT)
    time.sleep(QUIET_SECONDS)
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0]["To"] == registration.email
    _only_usable_password_is_the_last_emailed(smtp_server.messages, _user(registration))
    assert worker.process.poll() is None


def _user(registration: Registration) -> User:
    institution = registration.institution
    assert institution is not None and institution.user is not None
    return institution.user


def test_a_refusing_smtp_server_leaves_the_delivery_pending_with_backoff(
    celery_worker: CeleryWorker, smtp_server: SmtpServer
) -> None:
    smtp_server.inbox.refuse = True
    forget_broker_connections()

    _approve()

    assert _wait_until(lambda: _delivery().last_error != "")
    delivery = _delivery()
    assert delivery.status == OutboxMessage.Status.PENDING
    assert delivery.claimed_until is not None
    hold = delivery.claimed_until - delivery.updated_at
    assert timedelta(seconds=50) <= hold <= timedelta(seconds=70)
    assert smtp_server.messages == []


def test_after_the_smtp_server_recovers_exactly_one_email_is_sent(
    celery_worker: CeleryWorker, smtp_server: SmtpServer
) -> None:
    smtp_server.inbox.refuse = True
    forget_broker_connections()
    registration, _ = _approve()
    assert _wait_until(lambda: _delivery().last_error != "")

    smtp_server.inbox.refuse = False
    _as_if_a_while_ago()
    _sweep()
    _sweep()  # a second sweep (beat runs every minute) must not send a second email

    assert _wait_until(lambda: _delivery().status == OutboxMessage.Status.SENT)
    time.sleep(QUIET_SECONDS)
    assert len(smtp_server.messages) == 1
    _only_usable_password_is_the_last_emailed(smtp_server.messages, _user(registration))


def test_staff_see_a_failed_credentials_email_in_the_admin(
    smtp_server: SmtpServer, admin_client: Client
) -> None:
    # Without a broker the task runs in-process and cannot wait to retry: the failure is final.
    forget_broker_connections()
    smtp_server.inbox.refuse = True
    registration, _ = _approve()
    assert _delivery().status == OutboxMessage.Status.FAILED

    page = admin_client.get(
        reverse("admin:registration_outboxmessage_changelist"), {"status": "failed"}
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert registration.oclc_symbol in html and "SMTPDataError" in html


def _stall_smtp_data(smtp_server: SmtpServer) -> threading.Event:
    """Make the SMTP server hold each message for a few seconds before accepting it, and signal
    when one has arrived: the sending worker is then in the middle of its delivery."""
    arrived = threading.Event()
    accept = smtp_server.inbox.handle_DATA

    async def stalled(server: Any, session: Any, envelope: Any) -> str:
        arrived.set()
        await asyncio.sleep(2)
        return await accept(server, session, envelope)

    smtp_server.inbox.handle_DATA = stalled  # type: ignore[method-assign]
    return arrived


def test_a_worker_killed_mid_delivery_leaves_only_the_last_emailed_password_usable(
    celery_worker: CeleryWorker, smtp_server: SmtpServer, request: pytest.FixtureRequest
) -> None:
    arrived = _stall_smtp_data(smtp_server)
    forget_broker_connections()
    registration, _ = _approve()
    assert arrived.wait(30), "the worker never reached the SMTP server"

    celery_worker.stop(signal.SIGKILL)
    time.sleep(QUIET_SECONDS)
    # The server drops a message whose sender vanished mid-DATA; either way the row is not sent.
    before = len(smtp_server.messages)
    assert _delivery().status == OutboxMessage.Status.PENDING

    replacement = _start_worker(celery_worker, request)
    _as_if_a_while_ago()
    _sweep()

    assert _wait_until(lambda: _delivery().status == OutboxMessage.Status.SENT, timeout=60)
    time.sleep(QUIET_SECONDS)
    replacement.stop()
    assert len(smtp_server.messages) == before + 1
    _only_usable_password_is_the_last_emailed(smtp_server.messages, _user(registration))


def _start_worker(killed: CeleryWorker, request: pytest.FixtureRequest) -> CeleryWorker:
    from tests.services import start_celery_worker

    smtp: SmtpServer = request.getfixturevalue("smtp_server")
    log = killed.log_path.with_name("worker-after-kill.log")
    return start_celery_worker(killed.broker_url, log, {"EMAIL_URL": smtp.url})
