"""The partner's side of the fan-out (docs/iso18626.md, "Messages we send: the outbox"): each event
about a request that came by ISO 18626 becomes a `supplyingAgencyMessage` row in the event's
transaction, handed to the worker after commit and sent by requests_app/iso18626/sending.py.

The message is the request as it is now, shaped for the partner's ILL system (models.PEERS), with
its status (STATUS_TABLE), terms, delivery and return information, and its cost elements
(docs/fees.md, "ISO 18626"):

- `offeredCosts` (messageInfo): on a WillSupply, what supplying will charge. A conditional reply
  names the charge whatever it is (a charge above the library's maximum cost is offered this
  way, for the library to accept); a plain WillSupply names it only within the maximum, or once
  the library has accepted a conditional reply with it. A price quote names its price.
- `deliveryCosts` (deliveryInfo): on Loaned / CopyCompleted, what supplying it was charged; a
  supply above the maximum is refused before it is charged (`fees.services.charge_for_transition`),
  so it is never more than the library agreed to.

Peers read these elements as docs/iso18626.md, "Peers", says (ReShare's condition markers around
the offer's note, Alma's "Condition: ..., Cost: ..." in the note)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Exists
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerError

from fees import services as fees
from fees.models import Charge
from fees.services import Cost
from illdesk.office import office_contact
from requests_app.iso18626 import tasks, xml
from requests_app.iso18626.models import IsoMessage, IsoTransaction, Peer
from requests_app.iso18626.statuses import (
    ENDED_UNSUPPLIED,
    KEY_TO_CONFIRM_NOTE,
    REASON_UNFILLED,
    STATUS_TABLE,
    SUPPLIED,
    IsoStatus,
    LoanCondition,
    Reason,
    is_recalled,
    loan_condition,
)
from requests_app.lifecycle import Event, Tell
from requests_app.models import Action, RefusalReason, Request, Status

logger = logging.getLogger(__name__)

# The reason a transition is sent with, by what the partner is to be told (lifecycle.Tell).
_REASON = {
    Tell.STATUS: Reason.STATUS_CHANGE,
    Tell.CANCEL_ANSWER: Reason.CANCEL_RESPONSE,
    Tell.RENEW_ANSWER: Reason.RENEW_RESPONSE,
}
# Events that move nothing but change what the partner must know (a new due date).
_SENT_UNMOVED = (Action.RENEWED, Action.RECALLED)


def event_recorded(event: Event) -> None:
    """The fan-out's ISO 18626 listener (lifecycle.FAN_OUT), inside the event's transaction: a
    transition is sent as a StatusChange or as the answer the partner asked for; an office
    message as a Notification."""
    if event.tell == Tell.NOBODY:
        return
    if event.action == Action.MESSAGE:
        link = _link(event.request)
        if link is not None:
            queue_message(event.request, link, Reason.NOTIFICATION, note=event.text)
        return
    if not event.moved and event.action not in _SENT_UNMOVED:
        return
    link = _link(event.request)
    if link is None:
        return
    reason = _REASON[event.tell]
    if link.cancel_asked and reason == Reason.STATUS_CHANGE:
        reason = _answer_pending_cancel(link, event.target)
    answer = {Reason.CANCEL_RESPONSE: "Y", Reason.RENEW_RESPONSE: "Y"}.get(reason)
    if reason == Reason.CANCEL_RESPONSE and event.target not in ENDED_UNSUPPLIED:
        answer = "N"
    queue_message(event.request, link, reason, answer=answer)


def _link(request: Request) -> IsoTransaction | None:
    return IsoTransaction.objects.select_related("partner").filter(request_id=request.pk).first()


def _answer_pending_cancel(link: IsoTransaction, target: str) -> Reason:
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
) -> None:
    """Write the message to the outbox and hand it to the worker after commit. A peer that reads
    notes only on Notifications (models.PEERS) gets the note again as one."""
    built = build_status_message(request, link, reason, answer=answer, note=note)
    queued = [(reason, built)]
    if built.note and reason != Reason.NOTIFICATION and link.partner.peer.notes_on_notification:
        again = build_status_message(request, link, Reason.NOTIFICATION, answer=None, note=note)
        queued.append((Reason.NOTIFICATION, again))
    for sent_as, message in queued:
        IsoMessage.objects.create(
            partner=link.partner,
            request=request,
            direction=IsoMessage.Direction.OUT,
            kind="supplyingAgencyMessage",
            summary=f"{sent_as} {message.status}",
            raw=message.body.decode(),
            delivery=IsoMessage.Delivery.PENDING,
        )
    request_id = request.pk
    transaction.on_commit(lambda: dispatch(request_id))


def dispatch(request_id: int) -> None:
    """Runs after commit. With the broker down the message stays pending; the requeue job
    (CELERY_BEAT_SCHEDULE) sends it later."""
    try:
        tasks.send_iso_messages.delay(request_id)
    except (BrokerError, OSError) as error:
        logger.warning("request %s: ISO 18626 send not queued (%s)", request_id, type(error))


def confirmation_sent(request_id: int, since: datetime | None) -> None:
    """The confirmation of the partner's message about the request has been handed to the web
    server: what waited behind it may go now (sending.awaiting_confirmation)."""
    if IsoTransaction.objects.filter(request_id=request_id, confirming_since=since).update(
        confirming_since=None
    ):
        transaction.on_commit(lambda: dispatch(request_id))


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


# --- The message: the request as it is now, shaped for the peer ------------------------------


DOWNLOAD_SALT = "iso18626.copy"
# The nested (element, content) pairs xml.build writes, built up in order.
Tree = list[tuple[str, xml.Content]]


@dataclass(frozen=True)
class CurrentStatus:
    iso: IsoStatus
    note: str
    unfilled: str | None = None  # reasonUnfilled


def status_of(request: Request) -> CurrentStatus:
    """The ISO status of the request now (STATUS_TABLE; a recalled loan is Recalled), and what
    the status note says (a copy held for its title key says so, KEY_TO_CONFIRM_NOTE)."""
    row = STATUS_TABLE[Status(request.status)]
    note = row.note
    iso = (
        IsoStatus.RECALLED if request.status == Status.ON_LOAN and is_recalled(request) else row.iso
    )
    if request.status == Status.AWAITING_CLEARANCE and request.record.key_to_confirm:
        note = KEY_TO_CONFIRM_NOTE
    elif request.status == Status.CONDITIONAL:
        note = f"{row.note} {request.conditions}".strip()
    elif request.status == Status.QUOTED and request.quote_amount is not None:
        note = f"{row.note} US ${request.quote_amount:,.2f}. {request.quote_note}".strip()
    elif request.status == Status.REFUSED:
        reason = request.refusal_reason
        unfilled = REASON_UNFILLED[RefusalReason(reason)] if reason else None
        return CurrentStatus(iso, request.reason, unfilled)
    elif request.status == Status.DELIVERED and request.delivered_file:
        expires = request.file_expires_at
        until = f" until {expires:%Y-%m-%d}" if expires else ""
        note = f"{row.note} Download the copy{until}: {download_url(request)}".strip()
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
    system (models.PEERS)."""
    peer = link.partner.peer
    current = status_of(request)
    iso = current.iso
    if iso == IsoStatus.EXPECT_TO_SUPPLY and not peer.expect_to_supply:
        iso = IsoStatus.WILL_SUPPLY
    offer = request.status_row.offered
    elements = cost_elements(request)
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
                _return_note() if peer.return_address_in_note and iso == IsoStatus.LOANED else "",
            ],
        )
    )
    message_info: Tree = [
        ("reasonForMessage", str(reason)),
        ("answerYesNo", answer),
        ("note", text or None),
        ("reasonUnfilled", current.unfilled),
        ("offeredCosts", _costs(cost) if cost is not None else None),
    ]
    status_info: Tree = [
        ("status", str(iso)),
        (
            "dueDate",
            xml.due_date(request.due_date)
            if request.due_date and request.status in Request.LOAN_OUT_STATUSES
            else None,
        ),
        ("lastChange", xml.stamp(request.updated_at)),
    ]
    tree: Tree = [
        ("header", header(link, supplying_request_id=str(request.pk))),
        ("messageInfo", message_info),
        ("statusInfo", status_info),
        ("deliveryInfo", _delivery_info(request, iso, condition, elements.delivery)),
        ("returnInfo", _return_info() if iso in _LOAN_OUT else None),
    ]
    return Built(xml.build(tree, "supplyingAgencyMessage"), iso, text)


_LOAN_OUT = (IsoStatus.LOANED, IsoStatus.OVERDUE, IsoStatus.RECALLED)


def header(link: IsoTransaction, *, supplying_request_id: str) -> Tree:
    partner = link.partner
    return [
        ("supplyingAgencyId", xml.our_agency()),
        (
            "requestingAgencyId",
            [("agencyIdType", partner.agency_id_type), ("agencyIdValue", partner.agency_id_value)],
        ),
        ("multipleItemRequestId", ""),
        ("timestamp", xml.stamp()),
        ("requestingAgencyRequestId", link.requesting_agency_request_id),
        ("supplyingAgencyRequestId", supplying_request_id),
    ]


def _costs(cost: Cost) -> Tree:
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
) -> Tree | None:
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


def _return_info() -> Tree:
    """Where a loan comes back to: the office's name and address (OFFICE_NAME, OFFICE_ADDRESS)."""
    office = office_contact()
    lines = office.address_lines
    address = [("line1", lines[0]), ("line2", ", ".join(lines[1:]) or None)] if lines else None
    return [
        ("returnAgencyId", xml.our_agency()),
        ("name", office.name),
        ("physicalAddress", address),
    ]


def _return_note() -> str:
    office = office_contact()
    return "Return to: " + ", ".join([office.name, *office.address_lines]) + "."


def download_url(request: Request) -> str:
    token = signing.dumps(request.pk, salt=DOWNLOAD_SALT)
    return settings.SITE_URL.rstrip("/") + reverse("iso18626:copy", args=[token])


@dataclass(frozen=True)
class CostElements:
    offered: fees.Cost | None  # messageInfo/offeredCosts
    delivery: fees.Cost | None  # deliveryInfo/deliveryCosts


def cost_elements(request: Request) -> CostElements:
    """The costs a message about the request as it is now carries."""
    if request.status == Status.QUOTED and request.quote_amount is not None:
        return CostElements(Cost(request.quote_amount, "USD"), None)
    row = request.status_row
    will_supply = row.partner.iso == IsoStatus.WILL_SUPPLY and not row.asks_quote
    if will_supply and not request.is_duplication:  # in process, or a conditional reply
        quote = fees.likely_charge(request)
        if quote is None:
            return CostElements(None, None)
        if request.status == Status.IN_PROCESS and fees.above_maximum(request, quote):
            return CostElements(None, None)
        return CostElements(Cost(quote.amount, quote.currency), None)
    if request.status in SUPPLIED:
        charge = Charge.objects.for_supply().filter(request=request).first()
        return CostElements(None, Cost(charge.amount, charge.currency) if charge else None)
    return CostElements(None, None)
