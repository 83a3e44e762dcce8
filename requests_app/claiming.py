"""Claiming a request at the desk: which of the staff works on it. A claim moves no status and
tells no one; it is a timeline event of its own."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from illdesk.actors import Actor, user_of
from requests_app.models import Action, Request, RequestEvent


class AlreadyClaimed(Exception):
    def __init__(self, request_id: int, holder: str | None) -> None:
        super().__init__(
            f"Request {request_id} is already claimed by {holder}. Use Take over to work on it."
        )


class FinishedRequest(AlreadyClaimed):
    """A finished request has no work left to claim."""

    def __init__(self, request_id: int) -> None:
        Exception.__init__(self, f"Request {request_id} is finished: there is nothing to claim.")


def claim_request(request: Request, *, acting_user: Actor, take_over: bool = False) -> Request:
    """Take an unclaimed request; taking over a colleague's claim must be asked for explicitly,
    so two staff who press "Claim" at once do not both believe they have it."""
    now, user = timezone.now(), user_of(acting_user)
    rows = Request.objects.filter(pk=request.pk).exclude(status__in=Request.FINISHED_STATUSES)
    if not take_over:
        rows = rows.filter(Q(claimed_by__isnull=True) | Q(claimed_by=user))
    with transaction.atomic():
        if not rows.update(claimed_by=user, claimed_at=now, updated_at=now):
            raise _not_claimable(request)
        RequestEvent.objects.create(
            request=request, action=Action.CLAIMED, actor=user, created_at=now
        )
    request.claimed_by, request.claimed_at = user, now
    return request


def _not_claimable(request: Request) -> AlreadyClaimed:
    now = Request.objects.filter(pk=request.pk).values("status", "claimed_by__username").first()
    if now is None or now["status"] in Request.FINISHED_STATUSES:
        return FinishedRequest(request.pk)
    return AlreadyClaimed(request.pk, now["claimed_by__username"])
