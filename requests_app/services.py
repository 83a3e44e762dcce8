"""Request workflows: submission with its copyright decision, and every staff transition.

Each transition is compare-and-set (`filter(pk=..., status=seen).update(...)`): it acts only when
the request is still in the status the user saw, so two staff (or a stale page) cannot act twice.
Every change writes a RequestEvent in the same transaction, keeps the copyright record's counting
status in step, and queues its email only after commit."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from copyright_rules import services as copyright
from copyright_rules.facts import HOLDING_SLOT, Flag, Outcome, RequestFacts
from copyright_rules.facts import Service as CopyrightService
from copyright_rules.models import Decision
from fees import services as fees
from illdesk.inserts import New
from registration import outbox
from registration.models import Institution, OutboxMessage
from registration.preferences import wants_email
from requests_app import emails, search
from requests_app.citations import count_pages
from requests_app.iso18626 import outbox as iso18626_outbox
from requests_app.models import (
    COPYRIGHT_FACT_FIELDS,
    CORRECTABLE_FIELDS,
    Action,
    Request,
    RequestEvent,
    Status,
)
from requests_app.models.status import record_status, status_for_outcome

logger = logging.getLogger(__name__)

# The workflow status a copyright outcome leads to on submission or re-evaluation, and the
# copyright record's counting status for each workflow status (docs/copyright.md section 1):
# columns of the status table (requests_app/models/status.py).
_STATUS_FOR_OUTCOME = status_for_outcome()
_RECORD_STATUS = record_status()
# The email a copyright re-evaluation sends for the status it leads to (none while still held).
_EMAIL_AFTER_REEVALUATION = {
    Status.NEW: "request-released",
    Status.REFUSED: "request-refused",
}


# What other apps do with each new request once its submission commits, whatever the channel
# (portal, desk, ISO 18626): each app registers its hook when it is ready (policy/apps.py). A
# hook takes the request's id and re-reads it; it runs in the submitting process.
AFTER_SUBMISSION: list[Callable[[int], None]] = []


def register_after_submission(hook: Callable[[int], None]) -> None:
    if hook not in AFTER_SUBMISSION:
        AFTER_SUBMISSION.append(hook)


class IncompleteRequest(Exception):
    """The copyright rules rejected the citation as incomplete: nothing was stored."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.explanation)
        self.decision = decision


class RepeatedArticle(Exception):
    """A reproduction order of an article the institution already received this year, not
    confirmed: nothing was stored (docs/copyright.md section 5)."""

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


class FinishedRequest(AlreadyClaimed):
    """A finished request has no work left to claim."""

    def __init__(self, request: Request) -> None:
        Exception.__init__(self, f"Request {request.pk} is finished: there is nothing to claim.")


@dataclass(frozen=True)
class Move:
    """One workflow transition: where it goes, what it records, and the email it sends the
    library (the email belongs to the move, not to the status it reaches: renewing an overdue
    loan reaches "on loan" again, but is no shipment). The statuses a staff action may start
    from are in the desk's action table (requests_app.actions), whose `perform` checks them
    before calling the service; the compare-and-set below makes that check race-free."""

    action: str
    target: str
    # Moves the institution makes from the portal: the statuses it may start from.
    sources: tuple[str, ...] = ()
    email: str = ""


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
ACCEPT_CONDITIONS = Move(Action.CONDITIONS_ACCEPTED, Status.IN_PROCESS, (Status.CONDITIONAL,))
DECLINE_CONDITIONS = Move(
    Action.CONDITIONS_DECLINED, Status.CANCELLED, (Status.CONDITIONAL,), "request-cancelled"
)
SEND_QUOTE = Move(Action.QUOTE_SENT, Status.QUOTED, email="quote-sent")
APPROVE_QUOTE = Move(Action.QUOTE_APPROVED, Status.IN_PROCESS, (Status.QUOTED,), "quote-answered")
DECLINE_QUOTE = Move(Action.QUOTE_DECLINED, Status.CANCELLED, (Status.QUOTED,), "quote-answered")
CANCEL_BY_INSTITUTION = Move(
    Action.CANCELLED, Status.CANCELLED, Request.CANCELLABLE_BY_INSTITUTION, "request-cancelled"
)


# --- Submission ------------------------------------------------------------------------------


def submit_loan_request(
    institution: Institution, *, fields: Mapping[str, Any], acting_user: Any
) -> Request:
    facts = RequestFacts(
        created_at=timezone.now(),
        service=CopyrightService.LOAN,
        title=fields.get("title") or None,
        author=fields.get("author") or None,
    )
    return _submit(institution, fields=fields, facts=facts, user=acting_user)


def submit_copy_request(
    institution: Institution,
    *,
    fields: Mapping[str, Any],
    facts: RequestFacts,
    acting_user: Any,
    repeat_confirmed: bool = False,
) -> Request:
    """Decide and store in one transaction; raises IncompleteRequest, or RepeatedArticle for an
    unconfirmed repeat of a reproduction order (nothing stored in either case).

    `facts` is the form's `request_facts()`, passed to the copyright rules unchanged."""
    return _submit(
        institution, fields=fields, facts=facts, user=acting_user, repeat_ok=repeat_confirmed
    )


def _submit(
    institution: Institution,
    *,
    fields: Mapping[str, Any],
    facts: RequestFacts,
    user: Any,
    repeat_ok: bool = True,
) -> Request:
    now = facts.created_at
    with transaction.atomic():
        decided = copyright.decide_new(institution, facts, acting_user=user)
        record, decision = decided.record, decided.decision
        # Raised before anything is written; the rollback releases the lock.
        if decision.outcome == Outcome.REJECT_INCOMPLETE:
            raise IncompleteRequest(decision)
        if Flag.REPEATED_ARTICLE in decision.flags and not repeat_ok:
            raise RepeatedArticle(decision)
        status = _STATUS_FOR_OUTCOME[Outcome(decision.outcome)]
        request = Request(
            institution=institution,
            record=record,
            service=record.service,
            status=status,
            created_at=now,
            updated_at=now,
            submitted_by=user,
            reason=decision.explanation if status == Status.REFUSED else "",
            refusal_reason=Request.RefusalReason.COPYRIGHT if status == Status.REFUSED else "",
            **fields,
            **search.columns(fields),
        )
        received = outbox.new_message("request-received")
        emailed = wants_email(institution, received.email)  # docs/emails.md, "Preferences"
        # The record, what it cites, its decision, the request and its email's outbox row: one
        # INSERT statement on PostgreSQL.
        more = [New(received, ids={"target_id": request})] if emailed else []
        copyright.record_decided(decided, request, *more)
        if emailed:
            outbox.dispatch_on_commit(received)
        for hook in AFTER_SUBMISSION:
            transaction.on_commit(partial(hook, request.pk))
    return request


# --- Transitions -----------------------------------------------------------------------------


def _move(
    request: Request,
    move: Move,
    *,
    seen: str,
    actor: Any,
    text: str = "",
    staff_note: str = "",
    **changes: Any,
) -> Request:
    """Compare-and-set from the status the user saw; raise StaleRequest if anyone got there first.
    Call inside a transaction."""
    if move.sources and seen not in move.sources:
        raise StaleRequest(request)
    now = timezone.now()
    updated = Request.objects.filter(pk=request.pk, status=seen).update(
        status=move.target, updated_at=now, **changes
    )
    if updated != 1:
        raise StaleRequest(request)
    # The move's charge (docs/fees.md), written with it; one above the library's maximum cost
    # raises, and the caller's transaction undoes the move.
    fees.charge_for_transition(request, action=move.action, actor=actor)
    RequestEvent.objects.create(
        request=request,
        action=move.action,
        from_status=seen,
        to_status=move.target,
        text=text,
        staff_note=staff_note,
        actor=actor,
        created_at=now,
    )
    _sync_record(request, seen, move.target, actor=actor, note=text or staff_note)
    for name, value in changes.items():
        setattr(request, name, value)
    request.status, request.updated_at = move.target, now
    iso18626_outbox.transition_recorded(request, action=move.action, seen=seen, target=move.target)
    if move.email:
        _notify_on_commit(request.pk, move.email)
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
        if _RECORD_STATUS[Status(seen)] in HOLDING_SLOT:
            _release_held(request, actor)


def _release_held(request: Request, actor: Any) -> None:
    """A request stopped holding a slot: the held requests of its title are evaluated again
    (docs/copyright.md section 5 and section 10, ruling 5), and each one released is moved on
    and its library told."""
    for record, decision in copyright.reevaluate_held_after_release(
        request.record, acting_user=actor
    ):
        held = Request.objects.select_for_update().filter(
            record=record, status=Status.AWAITING_CLEARANCE
        )
        for item in held:
            note = f"Request {request.pk}, counted before, no longer counts."
            _after_reevaluation(item, decision, Action.REEVALUATED, note, actor)


def _notify_on_commit(request_id: int, email: str) -> None:
    """Write the email's outbox row in the current transaction; it is sent after commit."""
    queue_request_email(request_id, email)


def queue_request_email(request_id: int, email: str) -> OutboxMessage | None:
    """Queue one of requests_app.emails.EMAILS through the outbox (registration/outbox.py): the
    row commits with the change, so neither a broker outage nor a lost queue loses the email, and
    one that can never be delivered goes on the request's timeline. An email the library turned
    off is not queued at all (docs/emails.md, "Preferences")."""
    if not emails.library_wants(request_id, email):
        return None
    return outbox.queue_email(email, target_id=request_id)


def send_queued_email(message: OutboxMessage) -> EmailMessage:
    """The outbox sender of every request email; the message sent goes into the email log."""
    if message.target_id is None:
        raise outbox.Undeliverable("no request")
    found = Request.objects.select_related("institution", "record").filter(pk=message.target_id)
    request = found.first()
    if request is None:
        raise outbox.Undeliverable("the request was purged")
    return emails.EMAILS[message.email](request)


def email_link(message: OutboxMessage) -> str | None:
    """The desk page of the request a request email is about, for the admin's email log."""
    return reverse("desk:detail", args=[message.target_id]) if message.target_id else None


def report_email_failure(message: OutboxMessage, reason: str) -> None:
    """The outbox's failure hook: an email that can never be delivered goes on the timeline."""
    request_id = message.target_id
    if request_id is not None and Request.objects.filter(pk=request_id).exists():
        record_email_failure(request_id, message.email, reason=reason)


def record_email_failure(request_id: int, email: str, *, reason: str) -> None:
    RequestEvent.objects.create(
        request_id=request_id, action=Action.EMAIL_FAILED, text=f"{email} email: {reason}"
    )


def claim_request(request: Request, *, acting_user: Any, take_over: bool = False) -> Request:
    """Take an unclaimed request; taking over a colleague's claim must be asked for explicitly,
    so two staff who press "Claim" at once do not both believe they have it."""
    now = timezone.now()
    rows = Request.objects.filter(pk=request.pk).exclude(status__in=Request.FINISHED_STATUSES)
    if not take_over:
        rows = rows.filter(Q(claimed_by__isnull=True) | Q(claimed_by=acting_user))
    with transaction.atomic():
        if not rows.update(claimed_by=acting_user, claimed_at=now, updated_at=now):
            finished = Request.objects.filter(pk=request.pk, status__in=Request.FINISHED_STATUSES)
            raise FinishedRequest(request) if finished.exists() else AlreadyClaimed(request)
        RequestEvent.objects.create(
            request=request, action=Action.CLAIMED, actor=acting_user, created_at=now
        )
    request.claimed_by, request.claimed_at = acting_user, now
    return request


def accept_request(request: Request, *, seen: str, acting_user: Any, note: str = "") -> Request:
    """The note is for staff ("Pulling from stacks; LC copy 2"): the library never sees it."""
    with transaction.atomic():
        return _move(request, ACCEPT, seen=seen, actor=acting_user, staff_note=note)


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
    if accept:
        with transaction.atomic():
            return _move(request, ACCEPT_CONDITIONS, seen=seen, actor=acting_user)
    reason = "The institution declined the conditions."
    with transaction.atomic():
        return _move(
            request,
            DECLINE_CONDITIONS,
            seen=seen,
            actor=acting_user,
            text=reason,
            reason=reason,
            withdrawn=True,
        )


def fill_copy(
    request: Request,
    *,
    seen: str,
    delivery_method: str,
    pdf: File | None,
    acting_user: Any,
) -> Request:
    """Deliver a copy: electronically (the PDF is downloadable for REQUESTS_DELIVERY_DAYS) or
    by mail. The file is written to storage before the transaction; a lost race removes it."""
    if not request.is_copy:
        raise StaleRequest(request)
    now = timezone.now()
    changes: dict[str, Any] = {"delivery_method": delivery_method, "supplied_at": now}
    stored = ""
    if pdf is not None:
        stored = request.delivered_file.storage.save(_file_name(request, now), pdf)
        expires = now + timedelta(days=settings.REQUESTS_DELIVERY_DAYS)
        changes.update(delivered_file=stored, file_expires_at=expires)
    try:
        with transaction.atomic():
            _move(request, FILL, seen=seen, actor=acting_user, **changes)
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
    acting_user: Any,
    library_use_only: bool = False,
    no_copying: bool = False,
    restriction_note: str = "",
    carrier: str = "",
    tracking_number: str = "",
    pieces: int = 1,
) -> Request:
    if request.is_copy:
        raise StaleRequest(request)
    travel = ", ".join(filter(None, [carrier and Request.Carrier(carrier).label, tracking_number]))
    text = f"Due {due_date:%Y-%m-%d}." + (f" Sent by {travel}." if travel else "")
    with transaction.atomic():
        return _move(
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


def record_return(request: Request, *, seen: str, acting_user: Any, condition: str = "") -> Request:
    with transaction.atomic():
        return _move(
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
    acting_user: Any,
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
            raise StaleRequest(request)
        RequestEvent.objects.create(
            request=request,
            action=Action.HOLDING,
            text=text or " ".join(filter(None, [shelf_call_number, location])),
            actor=acting_user,
        )
    return request


class NothingChanged(Exception):
    """A correction that changes nothing: nothing is written."""

    def __init__(self, request: Request) -> None:
        super().__init__(f"Request {request.pk}: the citation is as it was; nothing was changed.")


# Each correctable request field as the copyright facts name it (RequestFacts), and how its value
# becomes the fact (requests_app/forms.py builds the same facts at submission).
_FACT_OF_FIELD: dict[str, tuple[str, Any]] = {
    "title": ("title", lambda value: value or None),
    "article_title": ("article", lambda value: value or None),
    "author": ("author", lambda value: value or None),
    "publication_date": ("publication_date", lambda value: value or None),
    "volume": ("volume", lambda value: value or None),
    "issue": ("issue", lambda value: value or None),
    "issn": ("issns", lambda value: [value] if value else []),
    "isbn": ("isbns", lambda value: [value] if value else []),
    "pages": ("pages_requested", lambda value: count_pages(value) if value else None),
    "total_pages": ("total_pages", lambda value: value),
}


_LABELS = {field.name: str(field.verbose_name) for field in Request._meta.concrete_fields}


def correct_citation(request: Request, *, seen: str, acting_user: Any, **fields: Any) -> Request:
    """Staff correct the citation (docs/desk.md, "Correcting a citation"): the changed fields
    and the search columns are written and the timeline says what changed, old and new. A copy
    not yet supplied whose copyright facts changed is evaluated again on the corrected facts
    (a new decision, counted under the lock) and follows the outcome, as a re-evaluation does.
    A supplied copy's facts stay as they were counted."""
    with transaction.atomic():
        locked = Request.objects.select_for_update().select_related("record")
        current = locked.filter(pk=request.pk, status=seen).first()
        if current is None:
            raise StaleRequest(request)
        changed = {
            name: value
            for name, value in fields.items()
            if name in CORRECTABLE_FIELDS and value != getattr(current, name)
        }
        facts = COPYRIGHT_FACT_FIELDS & set(changed)
        if current.facts_locked and facts:
            raise ValueError(f"request {current.pk} was supplied: its copyright facts stay")
        if not changed:
            raise NothingChanged(request)
        now = timezone.now()
        diff = "; ".join(
            f"{_LABELS[name]}: “{getattr(current, name) or ''}” to “{value or ''}”"
            for name, value in changed.items()
        )
        for name, value in changed.items():
            setattr(current, name, value)
        if "pages" in changed:
            changed["pages_requested"] = current.pages_requested = _FACT_OF_FIELD["pages"][1](
                current.pages
            )
        Request.objects.filter(pk=current.pk).update(
            **changed, **search.refresh(current), updated_at=now
        )
        RequestEvent.objects.create(
            request=current,
            action=Action.CITATION_CORRECTED,
            text=diff,
            actor=acting_user,
            created_at=now,
        )
        if current.is_copy and facts:
            _evaluate_corrected(current, facts, acting_user)
    for name in (*changed, "search_keys", "search_text", "status"):
        setattr(request, name, getattr(current, name))
    return request


def _evaluate_corrected(request: Request, facts: frozenset[str], actor: Any) -> None:
    """The corrected copy's new decision; an incomplete citation undoes the correction."""
    citation = dict(request.record.citation)
    for name in facts:
        fact, convert = _FACT_OF_FIELD[name]
        citation[fact] = convert(getattr(request, name))
    citation = {name: value for name, value in citation.items() if value not in (None, [], "")}
    decision = copyright.correct_citation(request.record, citation, acting_user=actor)
    if decision.outcome == Outcome.REJECT_INCOMPLETE:
        raise IncompleteRequest(decision)
    _after_reevaluation(
        request,
        decision,
        Action.REEVALUATED,
        "Citation corrected.",
        actor,
        seen=Status(request.status),
    )


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
            renewal_requested_at=None,
            recalled_at=None,
        )


def recall_loan(
    request: Request, *, seen: str, due_date: date, acting_user: Any, reason: str = ""
) -> Request:
    """The office needs the item back before its due date: the loan stays out, due earlier,
    and the library (and its ILL system, as Recalled) is told at once, with the reason."""
    text = " ".join(filter(None, [f"Recalled: to be returned by {due_date:%Y-%m-%d}.", reason]))
    with transaction.atomic():
        return _move(
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
    request: Request, *, seen: str, amount: Decimal, note: str, acting_user: Any
) -> Request:
    """A reproduction order's price: the library approves or declines it in the portal, and no
    work starts before it approves (the desk offers Fill only after that)."""
    if not request.is_duplication:
        raise StaleRequest(request)
    text = f"US ${amount:,.2f}. {note}".strip()
    with transaction.atomic():
        return _move(
            request,
            SEND_QUOTE,
            seen=seen,
            actor=acting_user,
            text=text,
            quote_amount=amount,
            quote_note=note,
        )


def answer_quote(request: Request, *, seen: str, approve: bool, acting_user: Any) -> Request:
    """The library approves the quote (work starts) or declines it (the order is cancelled)."""
    if approve:
        with transaction.atomic():
            return _move(
                request,
                APPROVE_QUOTE,
                seen=seen,
                actor=acting_user,
                quote_approved_at=timezone.now(),
            )
    reason = "The library declined the price quote."
    with transaction.atomic():
        return _move(
            request,
            DECLINE_QUOTE,
            seen=seen,
            actor=acting_user,
            text=reason,
            reason=reason,
            withdrawn=True,
        )


class RenewalNotAllowed(Exception):
    """The library may not ask for a renewal of this loan now: nothing was done."""


def request_renewal(request: Request, *, note: str, acting_user: Any) -> Request:
    """The library asks for a renewal: before the due date, inside the window, under the limit,
    one at a time (Request.renewal_open_to_library, checked again by the conditional UPDATE).
    The office is emailed; staff approve it with the desk's Renew or decline it."""
    today, now = timezone.localdate(), timezone.now()
    window = timedelta(days=settings.REQUESTS_RENEWAL_WINDOW_DAYS)
    with transaction.atomic():
        won = Request.objects.filter(
            pk=request.pk,
            status=Status.ON_LOAN,
            renewal_requested_at__isnull=True,
            renewals__lt=settings.REQUESTS_RENEWALS_MAX,
            due_date__gte=today,
            due_date__lte=today + window,
        ).update(renewal_requested_at=now, updated_at=now)
        if not won:
            raise RenewalNotAllowed(f"Loan {request.pk} cannot be renewed from here now.")
        RequestEvent.objects.create(
            request=request, action=Action.RENEWAL_REQUESTED, text=note, actor=acting_user
        )
        _notify_on_commit(request.pk, "renewal-requested")
    request.renewal_requested_at = now
    return request


def decline_renewal(request: Request, *, seen: str, reason: str, acting_user: Any) -> Request:
    """Staff decline the library's renewal request: the loan stays due on its date."""
    with transaction.atomic():
        won = Request.objects.filter(
            pk=request.pk, status=seen, renewal_requested_at__isnull=False
        ).update(renewal_requested_at=None, updated_at=timezone.now())
        if not won:
            raise StaleRequest(request)
        RequestEvent.objects.create(
            request=request, action=Action.RENEWAL_DECLINED, text=reason, actor=acting_user
        )
        _notify_on_commit(request.pk, "renewal-declined")
    request.renewal_requested_at = None
    return request


def mark_lost(request: Request, *, seen: str, note: str, acting_user: Any) -> Request:
    with transaction.atomic():
        return _move(
            request,
            LOSE,
            seen=seen,
            actor=acting_user,
            text=note,
            reason=note,
            renewal_requested_at=None,
        )


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
            request,
            CANCEL_BY_INSTITUTION,
            seen=seen,
            actor=acting_user,
            text=reason,
            reason=reason,
            withdrawn=True,
        )


def record_library_message(request: Request, *, text: str) -> RequestEvent:
    """What a library's ILL system told the office (ISO 18626), on the request's timeline."""
    return RequestEvent.objects.create(request=request, action=Action.LIBRARY_MESSAGE, text=text)


def send_message(request: Request, *, text: str, acting_user: Any) -> RequestEvent:
    """The office writes to the library: on the timeline and emailed after commit."""
    with transaction.atomic():
        event = RequestEvent.objects.create(
            request=request, action=Action.MESSAGE, text=text, actor=acting_user
        )
        _notify_on_commit(request.pk, "office-message")
        iso18626_outbox.message_recorded(request, text=text)
    return event


def send_library_message(request: Request, *, text: str, acting_user: Any) -> RequestEvent:
    """The library writes to the office: on the timeline, unread on the desk until staff open
    the request, and emailed to the office's address after commit."""
    with transaction.atomic():
        event = RequestEvent.objects.create(
            request=request, action=Action.LIBRARY_MESSAGE, text=text, actor=acting_user
        )
        _notify_on_commit(request.pk, "library-message")
    return event


def add_staff_note(request: Request, *, text: str, acting_user: Any) -> RequestEvent:
    """A note for colleagues: never shown to the library, never emailed."""
    return RequestEvent.objects.create(
        request=request, action=Action.STAFF_NOTE, staff_note=text, actor=acting_user
    )


def mark_library_messages_read(request_id: int) -> int:
    unread = RequestEvent.objects.unread_library_messages().filter(request_id=request_id)
    return unread.update(read_at=timezone.now())


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
        pending = Flag.PERMISSION_TO_CONFIRM in decision.flags
        text = f"{reference} (waits for staff to confirm it)" if pending else reference
        return _after_reevaluation(request, decision, Action.PERMISSION, text, acting_user)


def record_determination(
    request: Request, *, seen: str, kind: str, note: str, acting_user: Any
) -> Request:
    with transaction.atomic():
        _lock_held(request, seen)
        decision = copyright.record_determination(
            request.record, kind=kind, note=note, acting_user=acting_user
        )
        return _after_reevaluation(request, decision, Action.DETERMINATION, note, acting_user)


def confirm_key(request: Request, *, seen: str, acting_user: Any) -> Request:
    """Staff confirm the title key of a request held because its cited title did not fit."""
    with transaction.atomic():
        _lock_held(request, seen)
        decision = copyright.confirm_key(request.record, acting_user=acting_user)
        text = f"Title key {request.record.title_key} confirmed."
        return _after_reevaluation(request, decision, Action.REEVALUATED, text, acting_user)


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
    request: Request,
    decision: Decision | None,
    action: str,
    text: str,
    actor: Any,
    *,
    seen: Status = Status.AWAITING_CLEARANCE,
) -> Request:
    """The request follows its new decision: a held one is released, stays held or is refused;
    one that was already accepted (a corrected citation) stays where it is while the new decision
    accepts it, and is held or refused otherwise."""
    outcome = Outcome(decision.outcome) if decision else Outcome.NEEDS_PERMISSION
    target = _STATUS_FOR_OUTCOME.get(outcome, Status.AWAITING_CLEARANCE)
    if seen != Status.AWAITING_CLEARANCE and target == Status.NEW:
        target = seen
    now = timezone.now()
    explanation = decision.explanation if decision else ""
    changes: dict[str, Any] = {"status": target, "updated_at": now}
    if target == Status.REFUSED:
        changes.update(refusal_reason=Request.RefusalReason.COPYRIGHT, reason=explanation)
    Request.objects.filter(pk=request.pk).update(**changes)
    RequestEvent.objects.create(
        request=request,
        action=action,
        from_status=seen,
        to_status=target,
        text=" ".join(filter(None, [text, explanation])),
        actor=actor,
        created_at=now,
    )
    request.status, request.updated_at = target, now
    if target == Status.REFUSED:
        request.refusal_reason, request.reason = Request.RefusalReason.COPYRIGHT, explanation
    iso18626_outbox.transition_recorded(request, action=action, seen=seen, target=target)
    if target != seen and target in _EMAIL_AFTER_REEVALUATION:
        _notify_on_commit(request.pk, _EMAIL_AFTER_REEVALUATION[target])
    return request
