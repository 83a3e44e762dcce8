"""Outgoing `supplyingAgencyMessage`s: written in the transaction that changes the request, sent
by the worker after commit, oldest first per request, retried with a doubling delay on network
errors, timeouts, any HTTP status but 200 and any answer that is no confirmation. A partner's
ERROR confirmation is final and shown to staff (docs/iso18626.md, "Messages we send")."""

from __future__ import annotations

import http.client
import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Exists
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from fees.services import Cost
from illdesk.office import office_contact
from requests_app.iso18626 import addresses, costs, xml
from requests_app.iso18626.models import IsoMessage, IsoTransaction
from requests_app.iso18626.peers import Peer, peer_of
from requests_app.iso18626.statuses import (
    ENDED_UNSUPPLIED,
    REASON_UNFILLED,
    STATUS_TABLE,
    SUPPLIED,
    IsoStatus,
    LoanCondition,
    Reason,
    is_recalled,
    loan_condition,
)
from requests_app.models import Action, RefusalReason, Request, Status

logger = logging.getLogger(__name__)
DOWNLOAD_SALT = "iso18626.copy"

# Set while a partner's Cancel or Renew is being carried out, so the transition it causes is
# sent as the answer (CancelResponse, RenewResponse) instead of a plain StatusChange.
_answering: ContextVar[Reason | None] = ContextVar("iso18626_answering", default=None)


@contextmanager
def answering(reason: Reason) -> Iterator[None]:
    token = _answering.set(reason)
    try:
        yield
    finally:
        _answering.reset(token)


# Set while a request a partner has retried is cancelled: the partner itself replaced it, and
# its system no longer knows the old id (or the id now names the retry), so nothing is sent.
_quiet: ContextVar[bool] = ContextVar("iso18626_quiet", default=False)


@contextmanager
def quietly() -> Iterator[None]:
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def transition_recorded(request: Request, *, action: str, seen: str, target: str) -> None:
    """Called by the request services for every recorded transition, inside its transaction."""
    if _quiet.get() or (seen == target and action not in (Action.RENEWED, Action.RECALLED)):
        return
    link = _link(request)
    if link is None:
        return
    reason = _answering.get() or Reason.STATUS_CHANGE
    if link.cancel_asked and reason == Reason.STATUS_CHANGE:
        reason = _answer_pending_cancel(link, request, target)
    answer = {Reason.CANCEL_RESPONSE: "Y", Reason.RENEW_RESPONSE: "Y"}.get(reason)
    if reason == Reason.CANCEL_RESPONSE and target not in ENDED_UNSUPPLIED:
        answer = "N"
    queue_message(request, link, reason, answer=answer)


def message_recorded(request: Request, *, text: str) -> None:
    """A staff message to the institution also goes to its ILL system, as a Notification."""
    link = _link(request)
    if link is not None:
        queue_message(request, link, Reason.NOTIFICATION, note=text)


def _link(request: Request) -> IsoTransaction | None:
    return IsoTransaction.objects.select_related("partner").filter(request_id=request.pk).first()


def _answer_pending_cancel(link: IsoTransaction, request: Request, target: str) -> Reason:
    """A Cancel staff had to decide: cancelling or refusing ends the request unsupplied, as the
    partner asked (Y); supplying it says no (N)."""
    if target not in (*ENDED_UNSUPPLIED, *SUPPLIED):
        return Reason.STATUS_CHANGE
    IsoTransaction.objects.filter(pk=link.pk).update(cancel_asked=False)
    link.cancel_asked = False
    return Reason.CANCEL_RESPONSE


def queue_message(
    request: Request,
    link: IsoTransaction,
    reason: Reason,
    *,
    answer: str | None = None,
    note: str = "",
) -> IsoMessage:
    """Write the message to the outbox and hand it to the worker after commit. A peer that reads
    notes only on Notifications (peers.PEERS) gets the note again as one."""
    built = build_status_message(request, link, reason, answer=answer, note=note)
    message = _outgoing(request, link, reason, built)
    if built.note and reason != Reason.NOTIFICATION and peer_of(link.partner).notes_on_notification:
        again = build_status_message(request, link, Reason.NOTIFICATION, answer=None, note=note)
        _outgoing(request, link, Reason.NOTIFICATION, again)
    transaction.on_commit(lambda: dispatch(request.pk))
    return message


def _outgoing(request: Request, link: IsoTransaction, reason: Reason, built: Built) -> IsoMessage:
    return IsoMessage.objects.create(
        partner=link.partner,
        request=request,
        direction=IsoMessage.Direction.OUT,
        kind="supplyingAgencyMessage",
        summary=f"{reason} {built.status}",
        raw=built.body.decode(),
        delivery=IsoMessage.Delivery.PENDING,
    )


def dispatch(request_id: int) -> None:
    """Runs after commit. With the broker down the message stays pending; the requeue job
    (CELERY_BEAT_SCHEDULE) sends it later."""
    from requests_app.iso18626 import tasks

    try:
        tasks.send_iso_messages.delay(request_id)
    except (BrokerError, OSError) as error:
        logger.warning("request %s: ISO 18626 send not queued (%s)", request_id, type(error))


# --- Building --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CurrentStatus:
    iso: IsoStatus
    note: str


def status_of(request: Request) -> CurrentStatus:
    """The ISO status of the request now (STATUS_TABLE; a recalled loan is Recalled), and what
    the status note says."""
    row = STATUS_TABLE[Status(request.status)]
    note = row.note
    iso = (
        IsoStatus.RECALLED if request.status == Status.ON_LOAN and is_recalled(request) else row.iso
    )
    if request.status == Status.CONDITIONAL:
        note = f"{row.note} {request.conditions}".strip()
    elif request.status == Status.QUOTED and request.quote_amount is not None:
        note = f"{row.note} US ${request.quote_amount:,.2f}. {request.quote_note}".strip()
    elif request.status == Status.REFUSED:
        note = request.reason
    return CurrentStatus(iso, note)


@dataclass(frozen=True)
class Built:
    body: bytes
    status: IsoStatus
    note: str


def build_status_message(
    request: Request, link: IsoTransaction, reason: Reason, *, answer: str | None, note: str = ""
) -> Built:
    """A supplyingAgencyMessage about the request as it is now, shaped for the partner's ILL
    system (peers.PEERS)."""
    peer = peer_of(link.partner)
    current = status_of(request)
    iso = current.iso
    if iso == IsoStatus.EXPECT_TO_SUPPLY and not peer.expect_to_supply:
        iso = IsoStatus.WILL_SUPPLY
    offer = request.status_row.offered
    elements = costs.cost_elements(request)
    cost = elements.offered
    condition = loan_condition(request) if request.status == Status.CONDITIONAL else None
    condition = (
        LoanCondition.OTHER if offer and cost is not None and condition is None else condition
    )
    text = " ".join(
        filter(
            None,
            [
                note,
                _terms_note(peer, condition, cost) if offer else "",
                peer.conditions_prefix if offer else "",
                current.note,
                peer.conditions_suffix if offer else "",
                _link_note(request),
                _return_note() if peer.return_address_in_note and iso == IsoStatus.LOANED else "",
            ],
        )
    )
    message_info: list[tuple[str, Any]] = [
        ("reasonForMessage", str(reason)),
        ("answerYesNo", answer),
        ("note", text or None),
        ("reasonUnfilled", _reason_unfilled(request)),
        ("offeredCosts", _costs(cost) if cost is not None else None),
    ]
    status_info: list[tuple[str, Any]] = [
        ("status", str(iso)),
        (
            "dueDate",
            xml.due_date(request.due_date) if request.due_date and _on_loan(request) else None,
        ),
        ("lastChange", xml.stamp(request.updated_at)),
    ]
    tree: list[tuple[str, Any]] = [
        ("header", header(link, supplying_request_id=str(request.pk))),
        ("messageInfo", message_info),
        ("statusInfo", status_info),
        ("deliveryInfo", _delivery_info(request, iso, condition, elements.delivery)),
        ("returnInfo", _return_info() if iso in _LOAN_OUT else None),
    ]
    return Built(xml.build(tree, "supplyingAgencyMessage"), iso, text)


_LOAN_OUT = (IsoStatus.LOANED, IsoStatus.OVERDUE, IsoStatus.RECALLED)


def header(link: IsoTransaction, *, supplying_request_id: str) -> list[tuple[str, Any]]:
    partner = link.partner
    return [
        ("supplyingAgencyId", our_agency()),
        ("requestingAgencyId", xml.agency(partner.agency_id_type, partner.agency_id_value)),
        ("multipleItemRequestId", ""),
        ("timestamp", xml.stamp()),
        ("requestingAgencyRequestId", link.requesting_agency_request_id),
        ("supplyingAgencyRequestId", supplying_request_id),
    ]


def our_agency() -> list[tuple[str, Any]]:
    return xml.agency(settings.ISO18626_AGENCY_ID_TYPE, settings.ISO18626_AGENCY_ID_VALUE)


def _on_loan(request: Request) -> bool:
    return request.status in Request.LOAN_OUT_STATUSES and request.due_date is not None


def _reason_unfilled(request: Request) -> str | None:
    if request.status != Status.REFUSED or not request.refusal_reason:
        return None
    return REASON_UNFILLED[RefusalReason(request.refusal_reason)]


def _costs(cost: Cost) -> list[tuple[str, Any]]:
    return [("currencyCode", cost.currency), ("monetaryValue", f"{cost.amount:.2f}")]


def _terms_note(peer: Peer, condition: LoanCondition | None, cost: Cost | None) -> str:
    """ "Condition: ..., Cost: 12.50 USD" for a peer that shows neither element."""
    if not peer.terms_in_note:
        return ""
    terms = [
        f"Condition: {condition}" if condition else "",
        f"Cost: {cost.amount:.2f} {cost.currency}" if cost else "",
    ]
    return ", ".join(filter(None, terms))


def _delivery_info(
    request: Request, iso: IsoStatus, condition: LoanCondition | None, cost: Cost | None
) -> list[tuple[str, Any]] | None:
    """What was sent (a copy's link, a loan's barcode: the request number on its book band), or
    the condition of an offer (the schema wants a dateSent: the time of the offer)."""
    if condition is not None:
        return [("dateSent", xml.stamp(request.updated_at)), ("loanCondition", str(condition))]
    supplied = (IsoStatus.COPY_COMPLETED, *_LOAN_OUT)
    if iso not in supplied or request.supplied_at is None:
        return None
    if iso == IsoStatus.COPY_COMPLETED:
        item_id = download_url(request) if request.delivered_file else None
        via = "URL" if request.delivered_file else "Mail"
    else:
        item_id, via = str(request.pk), "Mail"
    return [
        ("dateSent", xml.stamp(request.supplied_at)),
        ("itemId", item_id),
        ("sentVia", via),
        ("deliveryCosts", _costs(cost) if cost is not None else None),
    ]


def _return_info() -> list[tuple[str, Any]]:
    """Where a loan comes back to: the office's name and address (OFFICE_NAME, OFFICE_ADDRESS)."""
    office = office_contact()
    lines = office.address_lines
    address = [("line1", lines[0]), ("line2", ", ".join(lines[1:]) or None)] if lines else None
    return [("returnAgencyId", our_agency()), ("name", office.name), ("physicalAddress", address)]


def _return_note() -> str:
    office = office_contact()
    return "Return to: " + ", ".join([office.name, *office.address_lines]) + "."


def _link_note(request: Request) -> str:
    if request.status != Status.DELIVERED or not request.delivered_file:
        return ""
    expires = request.file_expires_at
    until = f" until {expires:%Y-%m-%d}" if expires else ""
    return f"Download the copy{until}: {download_url(request)}"


def download_url(request: Request) -> str:
    token = signing.dumps(request.pk, salt=DOWNLOAD_SALT)
    return settings.SITE_URL.rstrip("/") + reverse("iso18626:copy", args=[token])


# --- Sending ---------------------------------------------------------------------------------


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


# Beyond the connect and read timeouts, for resolving the host: a worker that dies while sending
# leaves the message to the requeue job once the lease is over.
LEASE_MARGIN_SECONDS = 30


STUCK = (IsoMessage.Delivery.REJECTED, IsoMessage.Delivery.FAILED)


def resendable(message: IsoMessage, later_sent: bool) -> bool:
    """A message that did not go through may be sent again by staff, unless a later message
    about the request already reached the partner: the old status would then overwrite it."""
    return (
        message.direction == IsoMessage.Direction.OUT
        and message.delivery in STUCK
        and not (later_sent)
    )


def resend_message(message: IsoMessage) -> bool:
    """Put a rejected or failed message back in the outbox, with fresh attempts (the partner's
    address or system has been put right); compare-and-set, so a double click sends it once.
    False when it is not stuck any more or a later message was delivered meanwhile."""
    request_id = message.request_id
    if request_id is None:  # only an incoming message has no request, and it is never sent
        return False
    later_sent = IsoMessage.objects.filter(
        request_id=request_id, pk__gt=message.pk, delivery=IsoMessage.Delivery.SENT
    )
    with transaction.atomic():
        changed = (
            IsoMessage.objects.filter(
                pk=message.pk, direction=IsoMessage.Direction.OUT, delivery__in=STUCK
            )
            .exclude(Exists(later_sent))
            .update(
                delivery=IsoMessage.Delivery.PENDING,
                attempts=0,
                next_attempt_at=None,
                message_status="",
                error="",
            )
        )
        if changed:
            transaction.on_commit(lambda: dispatch(request_id))
    return bool(changed)


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
    cls = http.client.HTTPSConnection if target.scheme == "https" else http.client.HTTPConnection
    timeout = settings.ISO18626_SEND_TIMEOUT
    connection = cls(target.host, target.port, timeout=timeout)
    # Connect to the address that was vetted, not to a fresh lookup of the name; TLS still
    # verifies the certificate against the name.
    connection._create_connection = partial(_connect_to, target)  # type: ignore[attr-defined]
    # The socket's timeout bounds each wait, not the exchange: a partner that sends a byte a
    # second would hold the worker past its lease, and another worker would send the message
    # again. At the deadline the connection is cut, and the attempt has failed.
    cut = threading.Event()
    deadline = threading.Timer(timeout, _cut, args=(connection, cut))
    deadline.start()
    try:
        connection.request("POST", target.path, body.encode(), {"Content-Type": "application/xml"})
        response = connection.getresponse()
        content = response.read(settings.ISO18626_MAX_BYTES + 1)
    except (OSError, http.client.HTTPException) as error:
        if cut.is_set():
            raise TransientFailure(f"no complete answer within {timeout:g} s") from None
        raise TransientFailure(f"{type(error).__name__}: {error}") from None
    finally:
        deadline.cancel()
        connection.close()
    if cut.is_set():  # what came before the cut is not the whole answer
        raise TransientFailure(f"no complete answer within {timeout:g} s")
    if response.status != 200:
        raise TransientFailure(f"HTTP {response.status}")
    return content


def _cut(connection: http.client.HTTPConnection, cut: threading.Event) -> None:
    """End the exchange at its deadline: shutting the socket down wakes the read waiting on it
    (below TLS, so a handshake or an encrypted read ends too)."""
    cut.set()
    sock = connection.sock
    if sock is not None:
        with suppress(OSError):  # already closed
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _connect_to(target: addresses.Target, _address: Any, *args: Any, **kwargs: Any) -> Any:
    return socket.create_connection((target.ip, target.port), *args, **kwargs)


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
