"""What the library does to its own request, from the portal or its ILL system (ISO 18626):
cancel while it may, answer a conditional reply or a price quote, ask for a renewal. A partner's
Cancel or Renew passes `tell`, so its system hears the answer to what it asked
(requests_app/lifecycle.py)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from illdesk.actors import Actor
from requests_app import lifecycle
from requests_app.lifecycle import Move, Tell, transition
from requests_app.models import Action, Request, Status

ACCEPT_CONDITIONS = Move(Action.CONDITIONS_ACCEPTED, Status.IN_PROCESS, (Status.CONDITIONAL,))
DECLINE_CONDITIONS = Move(
    Action.CONDITIONS_DECLINED, Status.CANCELLED, (Status.CONDITIONAL,), "request-cancelled"
)
APPROVE_QUOTE = Move(Action.QUOTE_APPROVED, Status.IN_PROCESS, (Status.QUOTED,), "quote-answered")
DECLINE_QUOTE = Move(Action.QUOTE_DECLINED, Status.CANCELLED, (Status.QUOTED,), "quote-answered")
CANCEL_BY_INSTITUTION = Move(
    Action.CANCELLED, Status.CANCELLED, Request.CANCELLABLE_BY_INSTITUTION, "request-cancelled"
)


class RenewalNotAllowed(Exception):
    """The library may not ask for a renewal of this loan now: nothing was done."""


def cancel_by_institution(
    request: Request, *, seen: str, acting_user: Actor, tell: Tell = Tell.STATUS
) -> Request:
    reason = "Cancelled by the institution."
    with transaction.atomic():
        return transition(
            request,
            CANCEL_BY_INSTITUTION,
            seen=seen,
            actor=acting_user,
            text=reason,
            tell=tell,
            reason=reason,
            withdrawn=True,
        )


def answer_conditions(
    request: Request, *, seen: str, accept: bool, acting_user: Actor, tell: Tell = Tell.STATUS
) -> Request:
    """The institution accepts (work goes on) or declines (the request is cancelled)."""
    with transaction.atomic():
        if accept:
            return transition(request, ACCEPT_CONDITIONS, seen=seen, actor=acting_user, tell=tell)
        reason = "The institution declined the conditions."
        return transition(
            request,
            DECLINE_CONDITIONS,
            seen=seen,
            actor=acting_user,
            text=reason,
            tell=tell,
            reason=reason,
            withdrawn=True,
        )


def answer_quote(
    request: Request, *, seen: str, approve: bool, acting_user: Actor, tell: Tell = Tell.STATUS
) -> Request:
    """The library approves the quote (work starts) or declines it (the order is cancelled)."""
    with transaction.atomic():
        if approve:
            return transition(
                request,
                APPROVE_QUOTE,
                seen=seen,
                actor=acting_user,
                tell=tell,
                quote_approved_at=timezone.now(),
            )
        reason = "The library declined the price quote."
        return transition(
            request,
            DECLINE_QUOTE,
            seen=seen,
            actor=acting_user,
            text=reason,
            tell=tell,
            reason=reason,
            withdrawn=True,
        )


def request_renewal(request: Request, *, note: str, acting_user: Actor) -> Request:
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
        request.renewal_requested_at = now
        lifecycle.record(
            request,
            Action.RENEWAL_REQUESTED,
            actor=acting_user,
            text=note,
            email="renewal-requested",
        )
    return request
