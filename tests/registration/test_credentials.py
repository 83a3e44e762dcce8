import logging
import smtplib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from illdesk import outbox
from illdesk.celery import app as celery_app
from illdesk.outbox import MAX_RETRIES, retry_delay
from registration.models import Institution, OutboxMessage, Registration
from tests.registration.factories import RegistrationFactory
from tests.registration.helpers import decide, every_text_value, password_in
from tests.services import forget_broker_connections

pytestmark = pytest.mark.django_db


@pytest.fixture
def approve(admin_client: Client, django_capture_on_commit_callbacks: Any) -> Any:
    def run(registration: Registration) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            decide(admin_client, registration, "approve")

    return run


def works(username: str, password: str) -> bool:
    return User.objects.get(username=username).check_password(password)


def log_in(client: Client, username: str, password: str) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password})


def test_emailed_username_and_password_log_the_institution_in(approve: Any) -> None:
    approve(RegistrationFactory.create(oclc_symbol="SPL"))
    message = mail.outbox[0]
    client = Client()
    response = log_in(client, "SPL", password_in(message))
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == User.objects.get(username="SPL").pk


def test_email_is_multipart_with_login_url_and_the_no_change_note(
    approve: Any, settings: Any
) -> None:
    approve(RegistrationFactory.create(oclc_symbol="SPL"))
    message = mail.outbox[0]
    assert isinstance(message, EmailMultiAlternatives)
    html = str(message.alternatives[0][0])
    assert f"{settings.SITE_URL}/accounts/login/" in message.body
    assert "cannot be changed" in message.body
    assert "register the library again" in message.body
    assert password_in(message) in html
    assert "Username:  SPL" in message.body


def test_only_an_argon2_hash_is_stored(approve: Any) -> None:
    approve(RegistrationFactory.create(oclc_symbol="SPL"))
    assert User.objects.get(username="SPL").password.startswith("argon2$argon2id$")


def test_password_never_reaches_the_database_or_the_logs(
    approve: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    approve(RegistrationFactory.create(oclc_symbol="SPL"))
    password = password_in(mail.outbox[0])
    assert "credentials emailed" in caplog.text
    assert password not in caplog.text
    assert not [value for value in every_text_value() if password in value]


def test_reregistration_replaces_the_password_and_ends_old_sessions(approve: Any) -> None:
    first = RegistrationFactory.create(oclc_symbol="SPL")
    approve(first)
    old_password = password_in(mail.outbox[0])
    old_session = Client()
    log_in(old_session, "SPL", old_password)
    assert old_session.get(reverse("home")).wsgi_request.user.is_authenticated

    again = RegistrationFactory.create(oclc_symbol="SPL", email="new-contact@library.example")
    approve(again)

    new_password = password_in(mail.outbox[1])
    # No confirmation of the new contact was recorded: the password goes to the verified one.
    assert mail.outbox[1].to == [first.email]
    assert not old_session.get(reverse("home")).wsgi_request.user.is_authenticated
    assert not works("SPL", old_password)
    assert works("SPL", new_password)
    assert Institution.objects.count() == 1


def test_resend_issues_a_new_password_and_the_old_one_stops_working(
    approve: Any, admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    approve(RegistrationFactory.create(oclc_symbol="SPL"))
    institution = Institution.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:registration_institution_resend", args=[institution.pk]))
    first, second = (password_in(m) for m in mail.outbox)
    assert first != second
    assert not works("SPL", first)
    assert works("SPL", second)


def test_delivering_twice_sends_one_email(approve: Any) -> None:
    approve(RegistrationFactory.create(oclc_symbol="SPL"))
    delivery = OutboxMessage.objects.get()
    assert outbox.deliver(delivery.pk) is False
    assert len(mail.outbox) == 1


def test_smtp_refusal_in_process_marks_the_delivery_failed_for_staff(
    approve: Any, smtp_server: Any
) -> None:
    smtp_server.inbox.refuse = True
    approve(RegistrationFactory.create(oclc_symbol="SPL"))
    delivery = OutboxMessage.objects.get()
    assert delivery.status == "failed"
    assert delivery.attempts == 1
    assert delivery.last_error == "SMTPDataError"
    assert smtp_server.messages == []


def test_every_attempt_stores_a_fresh_password_hash(approve: Any, smtp_server: Any) -> None:
    smtp_server.inbox.refuse = True
    approve(RegistrationFactory.create(oclc_symbol="SPL"))
    first_hash = User.objects.get(username="SPL").password
    delivery = OutboxMessage.objects.get()
    OutboxMessage.objects.filter(pk=delivery.pk).update(status="pending")
    with pytest.raises(smtplib.SMTPDataError):
        outbox.deliver(delivery.pk)
    assert User.objects.get(username="SPL").password != first_hash


def test_retry_delays_grow() -> None:
    assert [retry_delay(n) for n in range(MAX_RETRIES)] == sorted(
        {retry_delay(n) for n in range(MAX_RETRIES)}
    )


def test_resend_after_a_failed_delivery_gives_a_working_password(
    approve: Any, smtp_server: Any, admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    smtp_server.inbox.refuse = True
    approve(RegistrationFactory.create(oclc_symbol="SPL"))
    smtp_server.inbox.refuse = False
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:registration_institution_resend", args=[Institution.objects.get().pk])
        )
    password = password_in(smtp_server.wait_for(1)[0])
    assert works("SPL", password)


@pytest.fixture
def broker_down() -> Iterator[None]:
    saved = {k: celery_app.conf[k] for k in ("task_always_eager", "broker_url")}
    celery_app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:9/0")
    forget_broker_connections()
    yield
    celery_app.conf.update(**saved)
    forget_broker_connections()


def test_approval_succeeds_when_the_broker_is_down(
    approve: Any, broker_down: None, caplog: pytest.LogCaptureFixture
) -> None:
    registration = RegistrationFactory.create(oclc_symbol="SPL")
    approve(registration)
    registration.refresh_from_db()
    assert registration.status == "approved"
    assert OutboxMessage.objects.get().status == "pending"
    assert "not queued" in caplog.text


def test_periodic_job_requeues_pending_deliveries_older_than_a_minute(approve: Any) -> None:
    approve(RegistrationFactory.create(oclc_symbol="SPL"))
    delivery = OutboxMessage.objects.get()
    OutboxMessage.objects.filter(pk=delivery.pk).update(
        status="pending", sent_at=None, updated_at=timezone.now() - timedelta(minutes=2)
    )
    assert outbox.requeue_stale() == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert len(mail.outbox) == 2


def test_periodic_job_gives_up_a_message_after_too_many_attempts(approve: Any) -> None:
    approve(RegistrationFactory.create(oclc_symbol="SPL"))
    OutboxMessage.objects.update(
        status="pending",
        sent_at=None,
        attempts=outbox.MAX_ATTEMPTS,
        updated_at=timezone.now() - timedelta(minutes=2),
    )
    assert outbox.requeue_stale() == 1
    message = OutboxMessage.objects.get()
    assert (message.status, message.last_error) == ("failed", "Undeliverable")
    assert len(mail.outbox) == 1


def test_periodic_job_leaves_fresh_and_claimed_deliveries_alone(approve: Any) -> None:
    approve(RegistrationFactory.create(oclc_symbol="SPL"))
    OutboxMessage.objects.update(status="pending", sent_at=None, updated_at=timezone.now())
    assert outbox.requeue_stale() == 0
    OutboxMessage.objects.update(
        updated_at=timezone.now() - timedelta(minutes=5),
        claimed_until=timezone.now() + timedelta(minutes=1),
    )
    assert outbox.requeue_stale() == 0


def test_the_beat_schedule_runs_the_requeue_job_every_minute(settings: Any) -> None:
    entries = list(settings.CELERY_BEAT_SCHEDULE.values())
    job = next(e for e in entries if e["task"] == "registration.requeue_outbox")
    assert job["schedule"] == timedelta(minutes=1)


def test_a_failure_with_a_retry_scheduled_is_held_from_the_periodic_requeue(approve: Any) -> None:
    approve(RegistrationFactory.create(oclc_symbol="SPL"))
    delivery = OutboxMessage.objects.get()
    OutboxMessage.objects.update(status="pending", sent_at=None)
    outbox.record_failure(
        delivery.pk, error=smtplib.SMTPServerDisconnected(), retry_in=timedelta(minutes=4)
    )
    OutboxMessage.objects.update(updated_at=timezone.now() - timedelta(minutes=2))
    assert outbox.requeue_stale() == 0
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == ("pending", "SMTPServerDisconnected")


def test_the_credentials_table_is_a_table_with_row_headers_not_a_layout_table(
    approve: Any,
) -> None:
    """Row headers belong to a data table: a role="presentation" table hides them."""
    from lxml import html as lxml_html

    approve(RegistrationFactory.create(oclc_symbol="SPL"))
    message = mail.outbox[0]
    assert isinstance(message, EmailMultiAlternatives)
    page = lxml_html.fromstring(str(message.alternatives[0][0]))
    [table] = page.xpath("//table")
    assert table.get("role") is None
    headers = [th.text_content() for th in table.xpath(".//th[@scope='row']")]
    assert headers == ["Log in at", "Username", "Password"]
