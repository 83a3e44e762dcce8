"""The one place a request moves, and the one table of who is told (CONTRIBUTING.md, "State
transitions"; docs/desk.md, "The lifecycle").

`transition` is the only writer of `Request.status`: a compare-and-set from the status the user
(or the job, or the partner's message) saw, the timeline event (who, when, from, to, why), the
copyright record kept in step, then the fan-out, all in the caller's transaction. `record` writes
an event that moves nothing (a message, a renewal asked for) and fans it out the same way.

The fan-out (`FAN_OUT`) turns each event into what the world must be told: the move's charge, the
library's email (an outbox row), the partner's ISO 18626 message (an outbox row), the work other
apps start on a new request. Listeners only write rows in the caller's transaction or start work
after its commit; nothing is sent over the network inside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, partial

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from copyright_rules import services as copyright
from copyright_rules.facts import Outcome
from copyright_rules.models import Decision
from copyright_rules.vocabulary import HOLDING_SLOT
from fees import services as fees
from illdesk.actors import Actor, user_of
from requests_app.mailing import queue_request_email
from requests_app.models import Action, Request, RequestEvent, Status
from requests_app.models.status import record_status, status_for_outcome

# The workflow status a copyright outcome leads to on submission or re-evaluation, and the
# copyright record's counting status for each workflow status (docs/copyright.md section 1):
# columns of the status table (requests_app/models/status.py).
STATUS_FOR_OUTCOME = status_for_outcome()
_RECORD_STATUS = record_status()
# The library's email when a copyright decision (re-evaluation, a corrected citation) moves the
# request: held, released, refused.
_EMAIL_AFTER_DECISION = {
    Status.NEW: "request-released",
    Status.AWAITING_CLEARANCE: "request-held",
    Status.REFUSED: "request-refused",
}


class Tell(StrEnum):
    """What the library is told of an event: its own ILL system a plain status change or the
    answer to its Cancel or Renew; or nothing at all, neither its system nor its email address
    (the request its system replaced itself, by a Retry: docs/iso18626.md, "Retry")."""

    STATUS = "status"
    CANCEL_ANSWER = "cancel_answer"
    RENEW_ANSWER = "renew_answer"
    NOBODY = "nobody"


@dataclass(frozen=True)
class Move:
    """One workflow transition: where it goes, what it records, and the email it sends the
    library (the email belongs to the move, not to the status it reaches: renewing an overdue
    loan reaches "on loan" again, but is no shipment). The statuses a staff action may start
    from are in the desk's action table (requests_app.actions); the compare-and-set makes that
    check race-free. `decided`: the copyright engine already set the record's status (a
    re-evaluation), so the transition leaves the record alone."""

    action: str
    target: str
    # Moves the institution makes from the portal: the statuses it may start from.
    sources: tuple[str, ...] = ()
    email: str = ""
    decided: bool = False


@dataclass(frozen=True)
class Event:
    """What happened to a request, as the fan-out hears it. `seen` equals `target` for an event
    that moves nothing."""

    request: Request
    action: str
    seen: str
    target: str
    actor: Actor
    text: str = ""
    email: str = ""
    tell: Tell = Tell.STATUS

    @property
    def moved(self) -> bool:
        return self.seen != self.target


@dataclass(frozen=True)
class Listener:
    """One row of the fan-out: a function (imported when first needed, so the core imports no
    app that builds on it), the events it hears (when empty: all but a new request's, which has
    no charge, its email written with it and no partner link yet), and whether it is called in
    the transaction with the event or after commit with the request's id."""

    path: str
    actions: frozenset[str] = frozenset()
    after_commit: bool = False

    def hears(self, action: str) -> bool:
        return action in self.actions if self.actions else action != Action.SUBMITTED


# Who is told of each event, in this order (docs/desk.md, "The lifecycle"). A listener raising
# undoes the event with the caller's transaction (a charge above the library's maximum cost).
FAN_OUT: tuple[Listener, ...] = (
    Listener("requests_app.lifecycle.charge"),
    Listener("requests_app.lifecycle.email_library"),
    Listener("requests_app.iso18626.outbox.event_recorded"),
    # Later: the circulation system, as one more row here.
    # A new request's work in other apps (the lending rules, the catalog lookup): one task.
    Listener("illdesk.tasks.queue_after_submission", frozenset({Action.SUBMITTED}), True),
)


class StaleRequest(Exception):
    """The request is no longer in the status the user acted on: nothing was done. `now` is its
    status now (None: it was removed), read by whoever raises it (`stale`)."""

    def __init__(self, request_id: int, now: str | None) -> None:
        label = Status(now).label if now else "removed"
        super().__init__(
            f"Request {request_id} changed since you opened it (it is now: {label}). "
            "Nothing was done; check the request and try again."
        )


def stale(request: Request) -> StaleRequest:
    """The StaleRequest for a request that moved under the user, with its status now."""
    now = Request.objects.filter(pk=request.pk).values_list("status", flat=True).first()
    return StaleRequest(request.pk, now)


def transition(
    request: Request,
    move: Move,
    *,
    seen: str,
    actor: Actor,
    text: str = "",
    staff_note: str = "",
    tell: Tell = Tell.STATUS,
    **changes: object,
) -> Request:
    """Compare-and-set from the status the caller saw, raising StaleRequest if anyone got there
    first; then the timeline event, the copyright record and the fan-out. Call inside a
    transaction."""
    if move.sources and seen not in move.sources:
        raise stale(request)
    now = timezone.now()
    updated = Request.objects.filter(pk=request.pk, status=seen).update(
        status=move.target, updated_at=now, **changes
    )
    if updated != 1:
        raise stale(request)
    RequestEvent.objects.create(
        request=request,
        action=move.action,
        from_status=seen,
        to_status=move.target,
        text=text,
        staff_note=staff_note,
        actor=user_of(actor),
        created_at=now,
    )
    for name, value in changes.items():
        setattr(request, name, value)
    request.status, request.updated_at = move.target, now
    if not move.decided:
        _sync_record(request, seen, move.target, actor=actor, note=text or staff_note)
    fan_out(Event(request, move.action, seen, move.target, actor, text, move.email, tell))
    return request


def record(
    request: Request, action: str, *, actor: Actor, text: str = "", email: str = ""
) -> RequestEvent:
    """An event that moves nothing (a message, a renewal asked for or declined), on the timeline
    and fanned out. Call inside a transaction."""
    event = RequestEvent.objects.create(
        request=request, action=action, text=text, actor=user_of(actor)
    )
    fan_out(Event(request, action, request.status, request.status, actor, text, email))
    return event


def fan_out(event: Event) -> None:
    """Tell every listener of FAN_OUT that hears the event."""
    for listener in FAN_OUT:
        if not listener.hears(event.action):
            continue
        function = _function(listener.path)
        if listener.after_commit:
            transaction.on_commit(partial(function, event.request.pk))
        else:
            function(event)


@cache
def _function(path: str) -> Callable[..., None]:
    function: Callable[..., None] = import_string(path)
    return function


def charge(event: Event) -> None:
    """The move's charge (docs/fees.md), written with it; one above the library's maximum cost
    raises ChargeAboveMaximum, and the caller's transaction undoes the move."""
    if event.moved or event.action in (Action.RENEWED, Action.RECALLED):
        fees.charge_for_transition(event.request, action=event.action, actor=event.actor)


def email_library(event: Event) -> None:
    """The event's email, as an outbox row in the event's transaction (sent after commit)."""
    if event.email and event.tell != Tell.NOBODY:
        queue_request_email(event.request.pk, event.email)


def follow_decision(
    request: Request,
    decision: Decision | None,
    action: str,
    text: str,
    actor: Actor,
    *,
    seen: str = Status.AWAITING_CLEARANCE,
) -> Request:
    """The request follows its new copyright decision: a held one is released, stays held or is
    refused; one that was already accepted (a corrected citation) stays where it is while the new
    decision accepts it, and is held or refused otherwise. The library is emailed when the
    request moves."""
    outcome = Outcome(decision.outcome) if decision else Outcome.NEEDS_PERMISSION
    target: str = STATUS_FOR_OUTCOME.get(outcome, Status.AWAITING_CLEARANCE)
    if seen != Status.AWAITING_CLEARANCE and target == Status.NEW:
        target = seen
    explanation = decision.explanation if decision else ""
    email = _EMAIL_AFTER_DECISION.get(Status(target), "") if target != seen else ""
    move = Move(action, target, email=email, decided=True)
    note = " ".join(filter(None, [text, explanation]))
    if target != Status.REFUSED:
        return transition(request, move, seen=seen, actor=actor, text=note)
    refusal = Request.RefusalReason.COPYRIGHT
    return transition(
        request, move, seen=seen, actor=actor, text=note, refusal_reason=refusal, reason=explanation
    )


def _sync_record(request: Request, seen: str, target: str, *, actor: Actor, note: str) -> None:
    """Keep the copyright record's counting status in step (after the compare-and-set won)."""
    if seen == Status.AWAITING_CLEARANCE and target == Status.REFUSED:
        copyright.refuse_held(request.record, reason=note, acting_user=user_of(actor))
    elif _RECORD_STATUS[Status(seen)] != _RECORD_STATUS[Status(target)]:
        copyright.set_record_status(
            request.record,
            _RECORD_STATUS[Status(target)],
            acting_user=user_of(actor),
            note=note,
            loan_returned=target != Status.LOST,
        )
        if _RECORD_STATUS[Status(seen)] in HOLDING_SLOT:
            _release_held(request, actor)


def _release_held(request: Request, actor: Actor) -> None:
    """A request stopped holding a slot: the held requests of its title are evaluated again
    (docs/copyright.md section 5 and section 10, ruling 5), and each one released is moved on
    and its library told. One never counted frees no copy of the count, only its issue (R7)."""
    if request.record.counted:
        note = f"Request {request.pk}, counted before, no longer counts."
    else:
        note = f"Request {request.pk}, never counted, no longer holds its issue."
    for record_, decision in copyright.reevaluate_held_after_release(
        request.record, acting_user=user_of(actor)
    ):
        held = Request.objects.select_for_update().filter(
            record=record_, status=Status.AWAITING_CLEARANCE
        )
        for item in held:
            follow_decision(item, decision, Action.REEVALUATED, note, actor)
