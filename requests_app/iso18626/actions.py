"""A partner's `requestingAgencyMessage`: each action goes to the service the portal or the desk
uses for the same thing (docs/iso18626.md, "Messages we receive")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from requests_app import library, services
from requests_app.iso18626 import outbox, xml
from requests_app.iso18626.models import (
    IsoPartner,
    IsoTransaction,
    OfferAnswer,
    answer_in,
    clean_note,
)
from requests_app.iso18626.statuses import ErrorType, PartnerAction, Reason, since_lent
from requests_app.iso18626.xml import OK, Answer, error
from requests_app.lifecycle import Tell
from requests_app.models import Action, Request


def receive_action(partner: IsoPartner, element: xml.Element) -> tuple[Answer, Request | None]:
    link = _transaction(partner, element)
    if link is None:
        value = "header/requestingAgencyRequestId: no request of yours has this id"
        return error(ErrorType.UNRECOGNISED_DATA_VALUE, value), None
    name = xml.text(element, "action")
    handler = HANDLERS.get(name)
    if handler is None:
        return error(ErrorType.UNSUPPORTED_ACTION_TYPE, f"action: {name or 'missing'}"), None
    note = xml.text(element, "note")
    with transaction.atomic():
        request = Request.objects.select_for_update().get(pk=link.request_id)
        link.request = request
        return handler(link, request, note), request


def _transaction(partner: IsoPartner, element: xml.Element) -> IsoTransaction | None:
    request_id = xml.text(element, "header", "requestingAgencyRequestId")
    rows = IsoTransaction.objects.select_related("partner").filter(partner=partner)
    return rows.filter(requesting_agency_request_id=request_id).first() if request_id else None


def _cancel(link: IsoTransaction, request: Request, note: str) -> Answer:
    """Cancelled at once while the institution itself could cancel (a Cancel of a conditional
    offer or a price quote declines it: ReShare rejects conditions so); yes again for a request
    that already ended unsupplied; no once supplied; otherwise staff decide, and their decision
    is sent as the CancelResponse."""
    _note(request, "The library asked to cancel.", note)
    state = request.status_row
    if state.offered:
        _answer_offer(request, agree=False, tell=Tell.CANCEL_ANSWER)
    elif state.library_may_cancel:
        services.cancel_by_institution(
            request, seen=request.status, acting_user=None, tell=Tell.CANCEL_ANSWER
        )
    elif state.ended_unsupplied:
        outbox.queue_message(request, link, Reason.CANCEL_RESPONSE, answer="Y")
    elif state.supplied:
        outbox.queue_message(request, link, Reason.CANCEL_RESPONSE, answer="N")
    else:
        IsoTransaction.objects.filter(pk=link.pk).update(cancel_asked=True)
    return OK


def _renew(link: IsoTransaction, request: Request, note: str) -> Answer:
    """One renewal, for as long again as the loan was first given, counted from the due date or
    from today when the loan is overdue; never over a recall or a renewal staff declined
    (docs/iso18626.md)."""
    _note(request, "The library asked to renew.", note)
    due, supplied = request.due_date, request.supplied_at
    out = request.status_row.loan_out
    decided = since_lent(request) & {Action.RECALLED, Action.RENEWAL_DECLINED}
    if not out or request.renewals > 0 or due is None or supplied is None or decided:
        outbox.queue_message(request, link, Reason.RENEW_RESPONSE, answer="N")
        return OK
    period = max(due - timezone.localtime(supplied).date(), timedelta(days=1))
    try:
        new_due = max(due, timezone.localdate()) + period
    except OverflowError:  # due near 9999-12-31: there is no later date to renew to
        outbox.queue_message(request, link, Reason.RENEW_RESPONSE, answer="N")
        return OK
    services.renew_loan(
        request, seen=request.status, due_date=new_due, acting_user=None, tell=Tell.RENEW_ANSWER
    )
    return OK


def _status_request(link: IsoTransaction, request: Request, note: str) -> Answer:
    outbox.queue_message(request, link, Reason.STATUS_REQUEST_RESPONSE)
    return OK


def _notification(link: IsoTransaction, request: Request, note: str) -> Answer:
    """A conditional offer or a price quote is agreed or declined by the peer's own markers
    (models.answer_in); any other note goes on the timeline."""
    answer = answer_in(note)
    if request.status_row.offered and answer != OfferAnswer.NONE:
        agree = answer == OfferAnswer.AGREE
        said = "The library accepted the terms." if agree else "The library declined the terms."
        _note(request, said, note)
        _answer_offer(request, agree=agree)
    else:
        _note(request, "Notification.", note)
    return OK


def _answer_offer(request: Request, *, agree: bool, tell: Tell = Tell.STATUS) -> None:
    seen = request.status
    if request.status_row.asks_quote:
        library.answer_quote(request, seen=seen, approve=agree, acting_user=None, tell=tell)
    else:
        library.answer_conditions(request, seen=seen, accept=agree, acting_user=None, tell=tell)


def _noted(text: str) -> Callable[[IsoTransaction, Request, str], Answer]:
    def handle(link: IsoTransaction, request: Request, note: str) -> Answer:
        _note(request, text, note)
        return OK

    return handle


def _shipped_forward(link: IsoTransaction, request: Request, note: str) -> Answer:
    return error(ErrorType.UNSUPPORTED_ACTION_TYPE, "action: ShippedForward (no transfers)")


def _note(request: Request, text: str, note: str) -> None:
    services.record_library_message(request, text=" ".join(filter(None, [text, clean_note(note)])))


HANDLERS: dict[str, Callable[[IsoTransaction, Request, str], Answer]] = {
    PartnerAction.CANCEL: _cancel,
    PartnerAction.RENEW: _renew,
    PartnerAction.STATUS_REQUEST: _status_request,
    PartnerAction.NOTIFICATION: _notification,
    PartnerAction.RECEIVED: _noted("The library received the item."),
    PartnerAction.SHIPPED_RETURN: _noted("The library shipped the item back."),
    PartnerAction.SHIPPED_FORWARD: _shipped_forward,
}
