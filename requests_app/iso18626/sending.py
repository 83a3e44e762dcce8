"""Sending the outbox (docs/iso18626.md, "Messages we send"): each request's pending messages
oldest first, each claimed in a short transaction, posted with a total deadline and no
transaction open, and its outcome recorded in another short transaction. Retried with a doubling
delay on network errors, timeouts, any HTTP status but 200 and any answer that is no
confirmation; a partner's ERROR confirmation is final and shown to staff. Nothing is sent about a
request while the confirmation of the partner's own message about it is still on its way."""

from __future__ import annotations

import http.client
import logging
import socket
import ssl
from collections.abc import Callable
from datetime import timedelta
from typing import cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from illdesk.network import Deadline, WatchedTLS
from requests_app.iso18626 import addresses, xml
from requests_app.iso18626.models import IsoMessage, IsoTransaction

logger = logging.getLogger(__name__)


class TransientFailure(Exception):
    """Network error, timeout, an HTTP status but 200, an answer that is no confirmation, an
    address we may not send to: try again later."""


def send_pending(request_id: int) -> float | None:
    """Send the request's pending messages oldest first. Returns the seconds until the next
    retry when one failed for now (later messages wait behind it), or None when all are done.
    No transaction is open while the partner is asked: each message is leased first."""
    while True:
        claimed = _claim_next(request_id)
        if not isinstance(claimed, IsoMessage):
            return claimed
        if not _send_one(claimed):
            return _seconds_until(claimed) or None


def _claim_next(request_id: int) -> IsoMessage | float | None:
    """The request's oldest pending message, leased to this worker for the time a send can take
    (its next attempt moved past the lease, the attempt counted); or the seconds until it is
    due (another worker holds it, or its retry waits); or None when nothing is pending. Later
    messages wait behind it, so the partner hears them in order."""
    with transaction.atomic():
        wait = awaiting_confirmation(request_id)
        if wait > 0:
            return wait
        message = (
            IsoMessage.objects.select_for_update(of=("self",))
            .select_related("partner")
            .filter(request_id=request_id, delivery=IsoMessage.Delivery.PENDING)
            .order_by("pk")
            .first()
        )
        if message is None:
            return None
        wait = _seconds_until(message)
        if wait > 0:
            return wait
        message.attempts += 1
        lease = 2 * settings.ISO18626_SEND_TIMEOUT + LEASE_MARGIN_SECONDS
        message.next_attempt_at = timezone.now() + timedelta(seconds=lease)
        message.save(update_fields=["attempts", "next_attempt_at"])
    return message


def awaiting_confirmation(request_id: int) -> float:
    """The seconds to wait before anything about the request may be sent: while the confirmation
    of the partner's own message about it is on its way back (IsoTransaction.confirming_since,
    cleared once the web server has it, outbox.confirmation_sent), for at most
    ISO18626_CONFIRMATION_WAIT seconds, after which a confirmation lost with its connection no
    longer holds the messages back. 0 when they may go."""
    since = (
        IsoTransaction.objects.filter(request_id=request_id)
        .values_list("confirming_since", flat=True)
        .first()
    )
    if since is None:
        return 0.0
    waited = (timezone.now() - since).total_seconds()
    return max(0.0, settings.ISO18626_CONFIRMATION_WAIT - waited)


# Beyond the connect and read timeouts, for resolving the host: a worker that dies while sending
# leaves the message to the requeue job once the lease is over.
LEASE_MARGIN_SECONDS = 30


def _seconds_until(message: IsoMessage) -> float:
    if message.next_attempt_at is None:
        return 0.0
    return max(0.0, (message.next_attempt_at - timezone.now()).total_seconds())


def _send_one(message: IsoMessage) -> bool:
    """One attempt, already counted by the lease; False when it failed for now and must be
    retried. Only the confirmation's status and error are kept: the body of a partner's answer
    is never stored or shown."""
    try:
        confirmation = post(message.partner.address if message.partner else "", message.raw)
        status, error = read_confirmation(confirmation)
    except TransientFailure as failure:
        _record_failure(message, str(failure))
        return message.delivery != IsoMessage.Delivery.PENDING
    message.message_status, message.error = status, error
    ok = status == "OK"
    message.delivery = IsoMessage.Delivery.SENT if ok else IsoMessage.Delivery.REJECTED
    message.next_attempt_at = None
    message.save()
    return True


def _record_failure(message: IsoMessage, reason: str) -> None:
    message.error = reason[:300]
    if message.attempts >= settings.ISO18626_MAX_ATTEMPTS:
        message.delivery = IsoMessage.Delivery.FAILED
        message.next_attempt_at = None
    else:
        delay = settings.ISO18626_RETRY_SECONDS * 2 ** (message.attempts - 1)
        message.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    message.save()


def post(address: str, body: str) -> bytes:
    """POST one message to the vetted address; the confirmation's body, or TransientFailure."""
    try:
        target = addresses.vet(address)
    except addresses.UnsafeAddress as unsafe:
        raise TransientFailure(f"{unsafe} ({address!r})") from None
    timeout = settings.ISO18626_SEND_TIMEOUT
    # At the deadline the connection is cut, and the attempt has failed (illdesk/network.py):
    # whatever the partner trickles, its TLS handshake included.
    with Deadline(timeout) as deadline:
        connection = _connection(target, timeout, deadline.watch)
        try:
            connection.request(
                "POST", target.path, body.encode(), {"Content-Type": "application/xml"}
            )
            response = connection.getresponse()
            content = response.read(settings.ISO18626_MAX_BYTES + 1)
        except (OSError, http.client.HTTPException) as error:
            if deadline.passed:
                raise TransientFailure(f"no complete answer within {timeout:g} s") from None
            raise TransientFailure(f"{type(error).__name__}: {error}") from None
        finally:
            connection.close()
    if deadline.passed:  # what came before the cut is not the whole answer
        raise TransientFailure(f"no complete answer within {timeout:g} s")
    if response.status != 200:
        raise TransientFailure(f"HTTP {response.status}")
    return content


def _connection(
    target: addresses.Target, timeout: float, watch: Callable[[socket.socket], socket.socket]
) -> http.client.HTTPConnection:
    """A connection to the address that was vetted, not to a fresh lookup of the name (TLS still
    verifies the certificate against the name), that hands every socket to `watch` as it is
    opened: the plain one as it connects, the TLS one before its handshake (WatchedTLS), so the
    deadline can cut either while it waits on the partner."""

    def connect(
        _address: tuple[str, int], timeout: float | None, source: tuple[str, int] | None = None
    ) -> socket.socket:
        return watch(socket.create_connection((target.ip, target.port), timeout, source))

    connection = (
        http.client.HTTPSConnection(
            target.host,
            target.port,
            timeout=timeout,
            # ssl's default context (the certificate and host name verified), watched.
            context=cast(ssl.SSLContext, WatchedTLS(ssl.create_default_context(), watch)),
        )
        if target.scheme == "https"
        else http.client.HTTPConnection(target.host, target.port, timeout=timeout)
    )
    connection._create_connection = connect  # type: ignore[attr-defined]
    return connection


def read_confirmation(body: bytes) -> tuple[str, str]:
    """(messageStatus, the error text) of a partner's confirmation. A body that is no ISO 18626
    message (a proxy's page answered with HTTP 200) is a transport failure, retried."""
    try:
        parsed = xml.parse(body[: settings.ISO18626_MAX_BYTES])
    except xml.NotAMessage as unreadable:
        raise TransientFailure(
            f"the answer is no ISO 18626 confirmation ({unreadable})"[:300]
        ) from None
    status = xml.text(parsed.element, "confirmationHeader", "messageStatus")[:5] or "ERROR"
    error_data = xml.child(parsed.element, "errorData")
    if error_data is None:
        return status, ""
    described = f"{xml.text(error_data, 'errorType')}: {xml.text(error_data, 'errorValue')}"
    return status, described[:300]
