"""No SMTP server holds anyone up (docs/operations.md, "Email"): a send has a total deadline,
EMAIL_SEND_DEADLINE, at which the connection is cut and the email left to be retried; and no
transaction is open while the server is asked, so staff work goes on during a slow send."""

import threading
from datetime import timedelta
from typing import Any

import pytest
from celery.exceptions import Retry
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from illdesk import outbox
from registration.models import Institution, OutboxMessage
from requests_app.models import Request, Status
from tests.requests_app.factories import make_copy
from tests.services import SlowSmtpLine, SmtpServer


def refuse(desk: Client, item: Request) -> OutboxMessage:
    """Refuse the request at the desk; its email waits in the outbox (no worker runs here)."""
    response = desk.post(
        reverse("desk:act", args=[item.pk, "refuse"]),
        {"seen_status": item.status, "refusal_reason": "not_owned", "reason": "", "confirm": "on"},
    )
    assert response.status_code == 302, response.content.decode()
    return OutboxMessage.objects.get(email="request-refused", target_id=item.pk)


def subjects(server: SmtpServer) -> list[str]:
    return [str(message["Subject"]) for message in server.messages]


@pytest.mark.django_db
def test_a_server_trickling_its_replies_is_cut_at_the_deadline_and_the_email_retried(
    desk: Client,
    institution: Institution,
    smtp_server: SmtpServer,
    slow_smtp_line: SlowSmtpLine,
    settings: Any,
) -> None:
    settings.EMAIL_SEND_DEADLINE = 3  # each byte comes well within EMAIL_TIMEOUT
    slow_smtp_line.trickle = 1.0
    settings.EMAIL_PORT = slow_smtp_line.port
    first, second = make_copy(institution), make_copy(institution)
    slowed = refuse(desk, first)

    with pytest.raises(Retry):  # the worker's task, as a worker runs it, asks to be retried
        outbox.deliver_email(slowed.pk)

    slowed.refresh_from_db()
    assert (slowed.status, slowed.attempts, slowed.last_error) == ("pending", 1, "DeadlineExceeded")
    assert slowed.claimed_until is not None and slowed.claimed_until > timezone.now()  # its retry
    assert slow_smtp_line.ended.wait(30), "the connection was never cut"
    assert smtp_server.messages == []

    # The same sender is free: the next email, to a server that answers, is delivered.
    settings.EMAIL_PORT = smtp_server.port
    outbox.deliver_email(refuse(desk, second).pk)
    assert subjects(smtp_server) == [f"Copy request {second.pk}: refused, {REASON}"]

    # The line behaves again; once its retry is due the first email goes through it.
    slow_smtp_line.trickle = 0.0
    settings.EMAIL_PORT = slow_smtp_line.port
    OutboxMessage.objects.filter(pk=slowed.pk).update(claimed_until=timezone.now())
    outbox.deliver_email(slowed.pk)
    slowed.refresh_from_db()
    assert (slowed.status, slowed.attempts, slowed.last_error) == ("sent", 2, "")
    assert subjects(smtp_server)[1] == f"Copy request {first.pk}: refused, {REASON}"


REASON = "cannot be supplied (not owned by the office)"


@pytest.mark.django_db
def test_a_tls_handshake_that_never_ends_is_cut_at_the_deadline(
    desk: Client,
    institution: Institution,
    slow_smtp_line: SlowSmtpLine,
    settings: Any,
) -> None:
    """SMTP over TLS (smtps://): the socket is cut while the handshake waits on the server."""
    settings.EMAIL_SEND_DEADLINE, settings.EMAIL_TIMEOUT = 2, 600
    settings.EMAIL_USE_SSL, settings.EMAIL_PORT = True, slow_smtp_line.port
    slow_smtp_line.hold = True  # nothing comes back until the test ends
    message = refuse(desk, make_copy(institution))

    with pytest.raises(Retry):
        outbox.deliver_email(message.pk)

    message.refresh_from_db()
    assert (message.status, message.last_error) == ("pending", "DeadlineExceeded")
    assert slow_smtp_line.ended.wait(30), "the connection was never cut"
    assert slow_smtp_line.replied == 0  # cut while waiting for the server's first byte


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_staff_work_on_another_request_goes_on_during_a_slow_send(
    desk: Client,
    institution: Institution,
    smtp_server: SmtpServer,
    slow_smtp_line: SlowSmtpLine,
    settings: Any,
    broker: str,
) -> None:
    settings.EMAIL_PORT, settings.EMAIL_SEND_DEADLINE = slow_smtp_line.port, 600
    slow_smtp_line.hold = True  # the server answers once the staff action is done
    emailed, other = make_copy(institution), make_copy(institution)
    message = refuse(desk, emailed)  # queued to the broker, which no worker reads here

    def worker() -> None:
        try:
            outbox.deliver_email(message.pk)
        finally:
            connection.close()

    sender = threading.Thread(target=worker)
    sender.start()
    assert slow_smtp_line.connected.wait(30), "the email never reached the SMTP server"

    response = desk.post(reverse("desk:act", args=[other.pk, "accept"]), {"seen_status": "new"})

    # The staff action is done while the email is still being sent.
    message.refresh_from_db()
    under_way = (message.status, message.attempts) == ("pending", 1)
    # No other worker takes the message while this one may still be sending it.
    assert message.claimed_until is not None
    leased_past_the_deadline = message.claimed_until > message.updated_at + timedelta(seconds=600)
    slow_smtp_line.release.set()
    sender.join(30)
    other.refresh_from_db()
    assert response.status_code == 302 and other.status == Status.IN_PROCESS
    assert under_way and leased_past_the_deadline
    message.refresh_from_db()
    assert message.status == "sent"
    assert subjects(smtp_server) == [f"Copy request {emailed.pk}: refused, {REASON}"]
