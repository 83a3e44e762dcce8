"""The staff's transitions of a request at the desk: accept, reply conditionally, fill, ship,
return, renew, recall, quote, refuse, cancel, record where the item is. Each is one
`lifecycle.transition` in its own transaction (requests_app/lifecycle.py): compare-and-set from
the status the user saw, so two staff (or a stale page) cannot act twice.

The other services are in their own modules and named here too, as the views and the desk's
action table call them: claiming a request (`claiming`), submission (`submission`), what the
library does (`library`), the conversation (`conversation`), copyright clearance and corrections
(`clearance`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from fees import services as fees
from illdesk.actors import Actor, user_of
from requests_app import lifecycle, search
from requests_app.claiming import AlreadyClaimed, FinishedRequest, claim_request
from requests_app.clearance import (
    NothingChanged,
    confirm_key,
    correct_citation,
    record_determination,
    record_permission,
    reevaluate,
)
from requests_app.conversation import (
    add_staff_note,
    mark_library_messages_read,
    record_library_message,
    send_library_message,
    send_message,
)
from requests_app.library import (
    RenewalNotAllowed,
    answer_conditions,
    answer_quote,
    cancel_by_institution,
    request_renewal,
)
from requests_app.lifecycle import Move, StaleRequest, Tell, stale, transition
from requests_app.mailing import queue_request_email, record_email_failure
from requests_app.models import Action, Request, RequestEvent, Status
from requests_app.submission import (
    IncompleteRequest,
    RepeatedArticle,
    submit_copy_request,
    submit_loan_request,
)

__all__ = [
    "AlreadyClaimed",
    "FinishedRequest",
    "IncompleteRequest",
    "NothingChanged",
    "RenewalNotAllowed",
    "RepeatedArticle",
    "StaleRequest",
    "accept_request",
    "add_staff_note",
    "answer_conditions",
    "answer_quote",
    "cancel_by_institution",
    "cancel_request",
    "claim_request",
    "confirm_key",
    "correct_citation",
    "decline_renewal",
    "fill_copy",
    "mark_library_messages_read",
    "mark_lost",
    "queue_request_email",
    "recall_loan",
    "record_determination",
    "record_email_failure",
    "record_holding",
    "record_library_message",
    "record_permission",
    "record_return",
    "reevaluate",
    "refuse_request",
    "renew_loan",
    "reply_conditionally",
    "request_renewal",
    "send_library_message",
    "send_message",
    "send_quote",
    "ship_loan",
    "stale",
    "submit_copy_request",
    "submit_loan_request",
]

ACCEPT = Move(Action.ACCEPTED, Status.IN_PROCESS)
CONDITIONAL = Move(Action.CONDITIONAL, Status.CONDITIONAL, email="request-conditional")
FILL = Move(Action.FILLED, Status.DELIVERED, email="request-filled")
SHIP = Move(Action.SHIPPED, Status.ON_LOAN, email="loan-shipped")
RETURN = Move(Action.RETURNED, Status.RETURNED, email="loan-returned")
RENEW = Move(Action.RENEWED, Status.ON_LOAN, email="loan-renewed")
RECALL = Move(Action.RECALLED, Status.ON_LOAN, email="loan-recalled")
LOSE = Move(Action.LOST, Status.LOST)
REFUSE = Move(Action.REFUSED, Status.REFUSED, email="request-refused")
CANCEL = Move(Action.CANCELLED, Status.CANCELLED, email="request-cancelled")
SEND_QUOTE = Move(Action.QUOTE_SENT, Status.QUOTED, email="quote-sent")


def accept_request(request: Request, *, seen: str, acting_user: Actor, note: str = "") -> Request:
    """The note is for staff ("Pulling from stacks; LC copy 2"): the library never sees it."""
    with transaction.atomic():
        return transition(request, ACCEPT, seen=seen, actor=acting_user, staff_note=note)


def reply_conditionally(
    request: Request, *, seen: str, conditions: str, acting_user: Actor
) -> Request:
    with transaction.atomic():
        return transition(
            request,
            CONDITIONAL,
            seen=seen,
            actor=acting_user,
            text=conditions,
            conditions=conditions,
        )


def fill_copy(
    request: Request,
    *,
    seen: str,
    delivery_method: str,
    pdf: File | None,
    acting_user: Actor,
) -> Request:
    """Deliver a copy: electronically (the PDF is downloadable for REQUESTS_DELIVERY_DAYS) or
    by mail. The file is written to storage before the transaction; a lost race removes it."""
    if not request.is_copy:
        raise stale(request)
    now = timezone.now()
    stored, expires = "", None
    if pdf is not None:
        stored = request.delivered_file.storage.save(_file_name(request, now), pdf)
        expires = now + timedelta(days=settings.REQUESTS_DELIVERY_DAYS)
    try:
        with transaction.atomic():
            transition(
                request,
                FILL,
                seen=seen,
                actor=acting_user,
                delivery_method=delivery_method,
                supplied_at=now,
                delivered_file=stored,
                file_expires_at=expires,
            )
    except (StaleRequest, fees.ChargeAboveMaximum):
        if stored:
            request.delivered_file.storage.delete(stored)
        raise
    return request


def _file_name(request: Request, now: datetime) -> str:
    return f"deliveries/{now:%Y/%m}/request-{request.pk}.pdf"


def ship_loan(
    request: Request,
    *,
    seen: str,
    due_date: date,
    acting_user: Actor,
    library_use_only: bool = False,
    no_copying: bool = False,
    restriction_note: str = "",
    carrier: str = "",
    tracking_number: str = "",
    pieces: int = 1,
) -> Request:
    if request.is_copy:
        raise stale(request)
    travel = ", ".join(filter(None, [carrier and Request.Carrier(carrier).label, tracking_number]))
    text = f"Due {due_date:%Y-%m-%d}." + (f" Sent by {travel}." if travel else "")
    with transaction.atomic():
        return transition(
            request,
            SHIP,
            seen=seen,
            actor=acting_user,
            text=text,
            due_date=due_date,
            supplied_at=timezone.now(),
            library_use_only=library_use_only,
            no_copying=no_copying,
            restriction_note=restriction_note,
            carrier=carrier,
            tracking_number=tracking_number,
            pieces=pieces,
        )


def record_return(
    request: Request, *, seen: str, acting_user: Actor, condition: str = ""
) -> Request:
    with transaction.atomic():
        return transition(
            request,
            RETURN,
            seen=seen,
            actor=acting_user,
            text=condition,
            returned_at=timezone.now(),
            return_condition=condition,
            renewal_requested_at=None,
        )


def record_holding(
    request: Request,
    *,
    seen: str,
    shelf_call_number: str,
    location: str,
    acting_user: Actor,
    text: str = "",
) -> Request:
    """Where the office holds the item (printed on the pull slip and the book band), typed by
    staff or confirmed from the catalog; the library's cited call number is left as it cited
    it. Changes no status; the compare-and-set on the seen status keeps a stale page from
    writing."""
    request.shelf_call_number, request.location = shelf_call_number, location
    changes = {
        "shelf_call_number": shelf_call_number,
        "location": location,
        **search.refresh(request),
    }
    with transaction.atomic():
        rows = Request.objects.filter(pk=request.pk, status=seen)
        if not rows.update(**changes, updated_at=timezone.now()):
            raise stale(request)
        RequestEvent.objects.create(
            request=request,
            action=Action.HOLDING,
            text=text or " ".join(filter(None, [shelf_call_number, location])),
            actor=user_of(acting_user),
        )
    return request


def renew_loan(
    request: Request, *, seen: str, due_date: date, acting_user: Actor, tell: Tell = Tell.STATUS
) -> Request:
    text = f"New due date {due_date:%Y-%m-%d}."
    with transaction.atomic():
        return transition(
            request,
            RENEW,
            seen=seen,
            actor=acting_user,
            text=text,
            tell=tell,
            due_date=due_date,
            renewals=request.renewals + 1,
            overdue_notices_sent=0,
            renewal_requested_at=None,
            recalled_at=None,
        )


def recall_loan(
    request: Request, *, seen: str, due_date: date, acting_user: Actor, reason: str = ""
) -> Request:
    """The office needs the item back before its due date: the loan stays out, due earlier,
    and the library (and its ILL system, as Recalled) is told at once, with the reason."""
    text = " ".join(filter(None, [f"Recalled: to be returned by {due_date:%Y-%m-%d}.", reason]))
    with transaction.atomic():
        return transition(
            request,
            RECALL,
            seen=seen,
            actor=acting_user,
            text=text,
            due_date=due_date,
            renewal_requested_at=None,
            recalled_at=timezone.now(),
        )


def send_quote(
    request: Request, *, seen: str, amount: Decimal, note: str, acting_user: Actor
) -> Request:
    """A reproduction order's price: the library approves or declines it in the portal, and no
    work starts before it approves (the desk offers Fill only after that)."""
    if not request.is_duplication:
        raise stale(request)
    text = f"US ${amount:,.2f}. {note}".strip()
    with transaction.atomic():
        return transition(
            request,
            SEND_QUOTE,
            seen=seen,
            actor=acting_user,
            text=text,
            quote_amount=amount,
            quote_note=note,
        )


def decline_renewal(request: Request, *, seen: str, reason: str, acting_user: Actor) -> Request:
    """Staff decline the library's renewal request: the loan stays due on its date."""
    with transaction.atomic():
        won = Request.objects.filter(
            pk=request.pk, status=seen, renewal_requested_at__isnull=False
        ).update(renewal_requested_at=None, updated_at=timezone.now())
        if not won:
            raise stale(request)
        lifecycle.record(
            request,
            Action.RENEWAL_DECLINED,
            actor=acting_user,
            text=reason,
            email="renewal-declined",
        )
    request.renewal_requested_at = None
    return request


def mark_lost(request: Request, *, seen: str, note: str, acting_user: Actor) -> Request:
    with transaction.atomic():
        return transition(
            request,
            LOSE,
            seen=seen,
            actor=acting_user,
            text=note,
            reason=note,
            renewal_requested_at=None,
        )


def refuse_request(
    request: Request, *, seen: str, refusal_reason: str, reason: str, acting_user: Actor
) -> Request:
    text = reason or Request.RefusalReason(refusal_reason).label
    with transaction.atomic():
        return transition(
            request,
            REFUSE,
            seen=seen,
            actor=acting_user,
            text=text,
            refusal_reason=refusal_reason,
            reason=text,
        )


def cancel_request(request: Request, *, seen: str, reason: str, acting_user: Actor) -> Request:
    with transaction.atomic():
        return transition(request, CANCEL, seen=seen, actor=acting_user, text=reason, reason=reason)
