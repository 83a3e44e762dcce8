"""The partner's side of the fan-out: each event about a request that came by ISO 18626 becomes a
`supplyingAgencyMessage` row in the event's transaction, handed to the worker after commit and
sent by requests_app/iso18626/sending.py (docs/iso18626.md, "Messages we send")."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Exists
from kombu.exceptions import OperationalError as BrokerError

from requests_app.iso18626 import tasks
from requests_app.iso18626.messages import Built, build_status_message
from requests_app.iso18626.models import IsoMessage, IsoTransaction
from requests_app.iso18626.peers import peer_of
from requests_app.iso18626.statuses import ENDED_UNSUPPLIED, SUPPLIED, Reason
from requests_app.lifecycle import Event, Tell
from requests_app.models import Action, Request

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
) -> IsoMessage:
    """Write the message to the outbox and hand it to the worker after commit. A peer that reads
    notes only on Notifications (peers.PEERS) gets the note again as one."""
    built = build_status_message(request, link, reason, answer=answer, note=note)
    message = _outgoing(request, link, reason, built)
    if built.note and reason != Reason.NOTIFICATION and peer_of(link.partner).notes_on_notification:
        again = build_status_message(request, link, Reason.NOTIFICATION, answer=None, note=note)
        _outgoing(request, link, Reason.NOTIFICATION, again)
    request_id = request.pk
    transaction.on_commit(lambda: dispatch(request_id))
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
