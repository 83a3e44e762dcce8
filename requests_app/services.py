"""Request workflows: submission with its copyright decision, and every staff transition.

Each transition is compare-and-set (`filter(pk=..., status=seen).update(...)`): it acts only when
the request is still in the status the user saw, so two staff (or a stale page) cannot act twice.
Every change writes a RequestEvent in the same transaction, keeps the copyright record's counting
status in step, and queues its email only after commit."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from copyright_rules import services as copyright
from copyright_rules.models import Decision
from registration.models import Institution
from requests_app import tasks
from requests_app.iso18626 import outbox as iso18626_outbox
from requests_app.models import Action, Request, RequestEvent, Status

logger = logging.getLogger(__name__)

# The workflow status a copyright outcome leads to on submission or re-evaluation.
_STATUS_FOR_OUTCOME = {
    "ACCEPT_CCG": Status.NEW,
    "ACCEPT_CCL": Status.NEW,
    "NOT_APPLICABLE": Status.NEW,
    "NEEDS_PERMISSION": Status.AWAITING_CLEARANCE,
    "REFUSE": Status.REFUSED,
}
# The copyright record's counting status for each workflow status (SPEC section 1).
_RECORD_STATUS = {
    Status.NEW: "accepted",
    Status.AWAITING_CLEARANCE: "awaiting_clearance",
    Status.IN_PROCESS: "in_process",
    Status.CONDITIONAL: "in_process",
    Status.DELIVERED: "filled",
    Status.ON_LOAN: "shipped",
    Status.OVERDUE: "shipped",
    Status.RETURNED: "filled",
    Status.LOST: "filled",  # final, so the record can be purged; no return is recorded
    Status.REFUSED: "refused",
    Status.CANCELLED: "cancelled",
}
_EMAIL_FOR_STATUS = {
    Status.AWAITING_CLEARANCE: "request-held",
    Status.CONDITIONAL: "request-conditional",
    Status.DELIVERED: "request-filled",
    Status.ON_LOAN: "request-filled",
    Status.REFUSED: "request-refused",
    Status.CANCELLED: "request-cancelled",
}


class IncompleteRequest(Exception):
    """The copyright rules rejected the citation as incomplete: nothing was stored."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.explanation)
        self.decision = decision


class StaleRequest(Exception):
    """The request is no longer in the status the user acted on: nothing was done."""

    def __init__(self, request: Request) -> None:
        current = Request.objects.filter(pk=request.pk).values_list("status", flat=True).first()
        label = Status(current).label if current else "removed"
        super().__init__(
            f"Request {request.pk} changed since you opened it (it is now: {label}). "
            "Nothing was done; check the request and try again."
        )


class AlreadyClaimed(Exception):
    def __init__(self, request: Request) -> None:
        holder = (
            Request.objects.filter(pk=request.pk)
            .values_list("claimed_by__username", flat=True)
            .first()
        )
        super().__init__(
            f"Request {request.pk} is already claimed by {holder}. Use Take over to work on it."
        )


@dataclass(frozen=True)
class Move:
    """One workflow transition: the statuses it may start from, where it goes, what it records."""

    action: str
    sources: tuple[str, ...]
    target: str


ACCEPT = Move(Action.ACCEPTED, (Status.NEW,), Status.IN_PROCESS)
CONDITIONAL = Move(Action.CONDITIONAL, (Status.NEW, Status.IN_PROCESS), Status.CONDITIONAL)
ACCEPT_CONDITIONS = Move(Action.CONDITIONS_ACCEPTED, (Status.CONDITIONAL,), Status.IN_PROCESS)
DECLINE_CONDITIONS = Move(Action.CONDITIONS_DECLINED, (Status.CONDITIONAL,), Status.CANCELLED)
FILL = Move(Action.FILLED, (Status.NEW, Status.IN_PROCESS), Status.DELIVERED)
SHIP = Move(Action.SHIPPED, (Status.NEW, Status.IN_PROCESS), Status.ON_LOAN)
RETURN = Move(Action.RETURNED, Request.LOAN_OUT_STATUSES, Status.RETURNED)
RENEW = Move(Action.RENEWED, Request.LOAN_OUT_STATUSES, Status.ON_LOAN)
LOSE = Move(Action.LOST, Request.LOAN_OUT_STATUSES, Status.LOST)
_OPEN_UNSUPPLIED = (Status.NEW, Status.AWAITING_CLEARANCE, Status.IN_PROCESS, Status.CONDITIONAL)
REFUSE = Move(Action.REFUSED, _OPEN_UNSUPPLIED, Status.REFUSED)
CANCEL = Move(Action.CANCELLED, _OPEN_UNSUPPLIED, Status.CANCELLED)
CANCEL_BY_INSTITUTION = Move(Action.CANCELLED, Request.CANCELLABLE_BY_INSTITUTION, Status.CANCELLED)


# --- Submission ------------------------------------------------------------------------------


def submit_loan_request(
    institution: Institution, *, fields: Mapping[str, Any], acting_user: Any
) -> Request:
    facts = {"title": fields.get("title"), "author": fields.get("author") or None}
    return _submit(institution, service="loan", fields=fields, facts=facts, user=acting_user)


def submit_copy_request(
    institution: Institution,
    *,
    fields: Mapping[str, Any],
    facts: Mapping[str, Any],
    acting_user: Any,
) -> Request:
    """Decide and store in one transaction; raises IncompleteRequest (nothing stored)."""
    return _submit(institution, service="copy", fields=fields, facts=facts, user=acting_user)


def _submit(
    institution: Institution,
    *,
    service: str,
    fields: Mapping[str, Any],
    facts: Mapping[str, Any],
    user: Any,
) -> Request:
    now = timezone.now()
    with transaction.atomic():
        record, decision = copyright.decide_and_record(
            institution, service=service, facts=facts, created_at=now, acting_user=user
        )
        if decision.outcome == "REJECT_INCOMPLETE":
            # Raising rolls the record and its decision back: nothing of it is stored.
            raise IncompleteRequest(decision)
        status = _STATUS_FOR_OUTCOME[decision.outcome]
        request = Request.objects.create(
            institution=institution,
            record=record,
            service=service,
            status=status,
            created_at=now,
            updated_at=now,
            submitted_by=user,
            reason=decision.explanation if status == Status.REFUSED else "",
            refusal_reason="copyright" if status == Status.REFUSED else "",
            **fields,
        )
        _notify_on_commit(request.pk, "request-received")
    return request


# --- Transitions -----------------------------------------------------------------------------


def _move(
    request: Request,
    move: Move,
    *,
    seen: str,
    actor: Any,
    text: str = "",
    **changes: Any,
) -> Request:
    """Compare-and-set from the status the user saw; raise StaleRequest if anyone got there first.
    Call inside a transaction."""
    if seen not in move.sources:
        raise StaleRequest(request)
    now = timezone.now()
    updated = Request.objects.filter(pk=request.pk, status=seen).update(
        status=move.target, updated_at=now, **changes
    )
    if updated != 1:
        raise StaleRequest(request)
    RequestEvent.objects.create(
        request=request,
        action=move.action,
        from_status=seen,
        to_status=move.target,
        text=text,
        actor=actor,
        created_at=now,
    )
    _sync_record(request, seen, move.target, actor=actor, note=text)
    for name, value in changes.items():
        setattr(request, name, value)
    request.status, request.updated_at = move.target, now
    iso18626_outbox.transition_recorded(request, action=move.action, seen=seen, target=move.target)
    if move.target in _EMAIL_FOR_STATUS and move.target != seen:
        _notify_on_commit(request.pk, _EMAIL_FOR_STATUS[Status(move.target)])
    return request


def _sync_record(request: Request, seen: str, target: str, *, actor: Any, note: str) -> None:
    """Keep the copyright record's counting status in step (after the compare-and-set won)."""
    if seen == Status.AWAITING_CLEARANCE and target == Status.REFUSED:
        copyright.refuse_held(request.record, reason=note, acting_user=actor)
    elif _RECORD_STATUS[Status(seen)] != _RECORD_STATUS[Status(target)]:
        copyright.set_record_status(
            request.record,
            _RECORD_STATUS[Status(target)],
            acting_user=actor,
            note=note,
            loan_returned=target != Status.LOST,
        )


def _notify_on_commit(request_id: int, email: str) -> None:
    transaction.on_commit(lambda: queue_request_email(request_id, email))


def queue_request_email(request_id: int, email: str) -> None:
    """Runs after commit: a broker outage must not turn a saved request into a server error.
    The failure goes on the request's timeline, where staff see it."""
    try:
        tasks.send_request_email.delay(request_id, email)
    except (BrokerError, OSError) as error:
        logger.warning(
            "request %s: %s email not queued (%s)", request_id, email, type(error).__name__
        )
        record_email_failure(request_id, email, reason="the task broker was unavailable")


def record_email_failure(request_id: int, email: str, *, reason: str) -> None:
    RequestEvent.objects.create(
        request_id=request_id, action=Action.EMAIL_FAILED, text=f"{email} email: {reason}"
    )


def claim_request(request: Request, *, acting_user: Any, take_over: bool = False) -> Request:
    """Take an unclaimed request; taking over a colleague's claim must be asked for explicitly,
    so two staff who press "Claim" at once do not both believe they have it."""
    now = timezone.now()
    rows = Request.objects.filter(pk=request.pk)
    if not take_over:
        rows = rows.filter(Q(claimed_by__isnull=True) | Q(claimed_by=acting_user))
    with transaction.atomic():
        if not rows.update(claimed_by=acting_user, claimed_at=now):
            raise AlreadyClaimed(request)
        RequestEvent.objects.create(
            request=request, action=Action.CLAIMED, actor=acting_user, created_at=now
        )
    request.claimed_by, request.claimed_at = acting_user, now
    return request


def accept_request(request: Request, *, seen: str, acting_user: Any, note: str = "") -> Request:
    with transaction.atomic():
        return _move(request, ACCEPT, seen=seen, actor=acting_user, text=note)


def reply_conditionally(
    request: Request, *, seen: str, conditions: str, acting_user: Any
) -> Request:
    with transaction.atomic():
        return _move(
            request,
            CONDITIONAL,
            seen=seen,
            actor=acting_user,
            text=conditions,
            conditions=conditions,
        )


def answer_conditions(request: Request, *, seen: str, accept: bool, acting_user: Any) -> Request:
    """The institution accepts (work goes on) or declines (the request is cancelled)."""
    move = ACCEPT_CONDITIONS if accept else DECLINE_CONDITIONS
    reason = "" if accept else "The institution declined the conditions."
    with transaction.atomic():
        return _move(request, move, seen=seen, actor=acting_user, text=reason, reason=reason)


def fill_copy(
    request: Request,
    *,
    seen: str,
    method: str,
    pdf: UploadedFile | None,
    acting_user: Any,
) -> Request:
    """Deliver a copy: electronically (the PDF is downloadable for REQUESTS_DELIVERY_DAYS) or
    by mail. The file is written to storage before the transaction; a lost race removes it."""
    if not request.is_copy:
        raise StaleRequest(request)
    now = timezone.now()
    changes: dict[str, Any] = {"delivery_method": method, "supplied_at": now}
    stored = ""
    if pdf is not None:
        stored = request.delivered_file.storage.save(_file_name(request, now), pdf)
        expires = now + timedelta(days=settings.REQUESTS_DELIVERY_DAYS)
        changes.update(delivered_file=stored, file_expires_at=expires)
    try:
        with transaction.atomic():
            _move(request, FILL, seen=seen, actor=acting_user, **changes)
    except StaleRequest:
        if stored:
            request.delivered_file.storage.delete(stored)
        raise
    return request


def _file_name(request: Request, now: datetime) -> str:
    return f"deliveries/{now:%Y/%m}/request-{request.pk}.pdf"


def ship_loan(request: Request, *, seen: str, due_date: date, acting_user: Any) -> Request:
    if request.is_copy:
        raise StaleRequest(request)
    text = f"Due {due_date:%Y-%m-%d}."
    with transaction.atomic():
        return _move(
            request,
            SHIP,
            seen=seen,
            actor=acting_user,
            text=text,
            due_date=due_date,
            supplied_at=timezone.now(),
        )


def record_return(request: Request, *, seen: str, acting_user: Any) -> Request:
    with transaction.atomic():
        return _move(request, RETURN, seen=seen, actor=acting_user, returned_at=timezone.now())


def renew_loan(request: Request, *, seen: str, due_date: date, acting_user: Any) -> Request:
    text = f"New due date {due_date:%Y-%m-%d}."
    with transaction.atomic():
        return _move(
            request,
            RENEW,
            seen=seen,
            actor=acting_user,
            text=text,
            due_date=due_date,
            renewals=request.renewals + 1,
            overdue_notices_sent=0,
        )


def mark_lost(request: Request, *, seen: str, reason: str, acting_user: Any) -> Request:
    with transaction.atomic():
        return _move(request, LOSE, seen=seen, actor=acting_user, text=reason, reason=reason)


def refuse_request(
    request: Request, *, seen: str, refusal_reason: str, reason: str, acting_user: Any
) -> Request:
    text = reason or Request.RefusalReason(refusal_reason).label
    with transaction.atomic():
        return _move(
            request,
            REFUSE,
            seen=seen,
            actor=acting_user,
            text=text,
            refusal_reason=refusal_reason,
            reason=text,
        )


def cancel_request(request: Request, *, seen: str, reason: str, acting_user: Any) -> Request:
    with transaction.atomic():
        return _move(request, CANCEL, seen=seen, actor=acting_user, text=reason, reason=reason)


def cancel_by_institution(request: Request, *, seen: str, acting_user: Any) -> Request:
    reason = "Cancelled by the institution."
    with transaction.atomic():
        return _move(
            request, CANCEL_BY_INSTITUTION, seen=seen, actor=acting_user, text=reason, reason=reason
        )


def record_library_message(request: Request, *, text: str) -> RequestEvent:
    """What a library's ILL system told the office (ISO 18626), on the request's timeline."""
    return RequestEvent.objects.create(request=request, action=Action.LIBRARY_MESSAGE, text=text)


def send_message(request: Request, *, text: str, acting_user: Any) -> RequestEvent:
    with transaction.atomic():
        event = RequestEvent.objects.create(
            request=request, action=Action.MESSAGE, text=text, actor=acting_user
        )
        iso18626_outbox.message_recorded(request, text=text)
    return event


# --- Copyright clearance ---------------------------------------------------------------------


def record_permission(
    request: Request,
    *,
    seen: str,
    reference: str,
    fee: Decimal | None,
    acting_user: Any,
) -> Request:
    """A permission reference (by the institution or staff) re-evaluates a held request."""
    with transaction.atomic():
        _lock_held(request, seen)
        decision = copyright.record_permission(
            request.record, reference=reference, fee=fee, acting_user=acting_user
        )
        return _after_reevaluation(request, decision, Action.PERMISSION, reference, acting_user)


def record_determination(
    request: Request, *, seen: str, kind: str, note: str, acting_user: Any
) -> Request:
    with transaction.atomic():
        _lock_held(request, seen)
        decision = copyright.record_determination(
            request.record, kind=kind, note=note, acting_user=acting_user
        )
        return _after_reevaluation(request, decision, Action.DETERMINATION, note, acting_user)


def reevaluate(request: Request, *, seen: str, acting_user: Any) -> Request:
    with transaction.atomic():
        _lock_held(request, seen)
        decision = copyright.request_reevaluation(request.record, acting_user=acting_user)
        return _after_reevaluation(request, decision, Action.REEVALUATED, "", acting_user)


def _lock_held(request: Request, seen: str) -> None:
    held = Request.objects.select_for_update().filter(pk=request.pk, status=seen)
    if seen != Status.AWAITING_CLEARANCE or not held.exists():
        raise StaleRequest(request)


def _after_reevaluation(
    request: Request, decision: Decision | None, action: str, text: str, actor: Any
) -> Request:
    outcome = decision.outcome if decision else "NEEDS_PERMISSION"
    target = _STATUS_FOR_OUTCOME.get(outcome, Status.AWAITING_CLEARANCE)
    now = timezone.now()
    explanation = decision.explanation if decision else ""
    changes: dict[str, Any] = {"status": target, "updated_at": now}
    if target == Status.REFUSED:
        changes.update(refusal_reason=Request.RefusalReason.COPYRIGHT, reason=explanation)
    Request.objects.filter(pk=request.pk).update(**changes)
    RequestEvent.objects.create(
        request=request,
        action=action,
        from_status=Status.AWAITING_CLEARANCE,
        to_status=target,
        text=" ".join(filter(None, [text, explanation])),
        actor=actor,
        created_at=now,
    )
    request.status, request.updated_at = target, now
    if target == Status.REFUSED:
        request.refusal_reason, request.reason = Request.RefusalReason.COPYRIGHT, explanation
    iso18626_outbox.transition_recorded(
        request, action=action, seen=Status.AWAITING_CLEARANCE, target=target
    )
    if target != Status.AWAITING_CLEARANCE:
        email = "request-received" if target == Status.NEW else _EMAIL_FOR_STATUS[target]
        _notify_on_commit(request.pk, email)
    return request
