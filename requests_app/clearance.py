"""Copyright clearance and citation corrections at the desk or the portal: a permission, a
staff determination, a confirmed title key or a fresh evaluation moves a held request on; a
corrected citation is evaluated again. Each follows its new decision through
`lifecycle.follow_decision` (docs/copyright.md section 5; docs/desk.md, "Correcting a
citation")."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from copyright_rules import services as copyright
from copyright_rules.facts import Flag, Outcome
from illdesk.actors import Actor, user_of
from requests_app import search
from requests_app.citations import count_pages
from requests_app.lifecycle import follow_decision, stale
from requests_app.models import (
    COPYRIGHT_FACT_FIELDS,
    CORRECTABLE_FIELDS,
    Action,
    Request,
    RequestEvent,
    Status,
)
from requests_app.submission import IncompleteRequest


def record_permission(
    request: Request,
    *,
    seen: str,
    reference: str,
    fee: Decimal | None,
    acting_user: Actor,
) -> Request:
    """A permission reference (by the institution or staff) re-evaluates a held request."""
    with transaction.atomic():
        _lock_held(request, seen)
        decision = copyright.record_permission(
            request.record, reference=reference, fee=fee, acting_user=user_of(acting_user)
        )
        pending = Flag.PERMISSION_TO_CONFIRM in decision.flags
        text = f"{reference} (waits for staff to confirm it)" if pending else reference
        return follow_decision(request, decision, Action.PERMISSION, text, acting_user)


def record_determination(
    request: Request, *, seen: str, kind: str, note: str, acting_user: Actor
) -> Request:
    with transaction.atomic():
        _lock_held(request, seen)
        decision = copyright.record_determination(
            request.record, kind=kind, note=note, acting_user=user_of(acting_user)
        )
        return follow_decision(request, decision, Action.DETERMINATION, note, acting_user)


def confirm_key(request: Request, *, seen: str, acting_user: Actor) -> Request:
    """Staff confirm the title key of a request held because its cited title did not fit."""
    staff = user_of(acting_user)
    if staff is None:
        raise ValueError("only a member of staff confirms a title key")
    with transaction.atomic():
        _lock_held(request, seen)
        decision = copyright.confirm_key(request.record, acting_user=staff)
        text = f"Title key {request.record.title_key} confirmed."
        return follow_decision(request, decision, Action.REEVALUATED, text, acting_user)


def reevaluate(request: Request, *, seen: str, acting_user: Actor) -> Request:
    with transaction.atomic():
        _lock_held(request, seen)
        decision = copyright.request_reevaluation(request.record, acting_user=user_of(acting_user))
        return follow_decision(request, decision, Action.REEVALUATED, "", acting_user)


def _lock_held(request: Request, seen: str) -> None:
    held = Request.objects.select_for_update().filter(pk=request.pk, status=seen)
    if seen != Status.AWAITING_CLEARANCE or not held.exists():
        raise stale(request)


class NothingChanged(Exception):
    """A correction that changes nothing: nothing is written."""

    def __init__(self, request: Request) -> None:
        super().__init__(f"Request {request.pk}: the citation is as it was; nothing was changed.")


def _pages_requested(pages: str) -> int | None:
    return count_pages(pages) if pages else None


# Each correctable request field as the copyright facts name it (RequestFacts), and how its value
# (text, or total_pages's number) becomes the fact (requests_app/forms.py builds the same facts at
# submission).
_FACT_OF_FIELD: dict[str, tuple[str, Callable[[str], object] | Callable[[int | None], object]]] = {
    "title": ("title", lambda value: value or None),
    "article_title": ("article", lambda value: value or None),
    "author": ("author", lambda value: value or None),
    "publication_date": ("publication_date", lambda value: value or None),
    "volume": ("volume", lambda value: value or None),
    "issue": ("issue", lambda value: value or None),
    "issn": ("issns", lambda value: [value] if value else []),
    "isbn": ("isbns", lambda value: [value] if value else []),
    "pages": ("pages_requested", _pages_requested),
    "total_pages": ("total_pages", lambda value: value),
}


_LABELS = {field.name: str(field.verbose_name) for field in Request._meta.concrete_fields}


def correct_citation(
    request: Request, *, seen: str, acting_user: Actor, **fields: object
) -> Request:
    """Staff correct the citation (docs/desk.md, "Correcting a citation"): the changed fields
    and the search columns are written and the timeline says what changed, old and new. A copy
    not yet supplied whose copyright facts changed is evaluated again on the corrected facts
    (a new decision, counted under the lock) and follows the outcome, as a re-evaluation does.
    A supplied copy's facts stay as they were counted."""
    with transaction.atomic():
        locked = Request.objects.select_for_update().select_related("record")
        current = locked.filter(pk=request.pk, status=seen).first()
        if current is None:
            raise stale(request)
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
            changed["pages_requested"] = current.pages_requested = _pages_requested(current.pages)
        Request.objects.filter(pk=current.pk).update(
            **changed, **search.refresh(current), updated_at=now
        )
        RequestEvent.objects.create(
            request=current,
            action=Action.CITATION_CORRECTED,
            text=diff,
            actor=user_of(acting_user),
            created_at=now,
        )
        if current.is_copy and facts:
            _evaluate_corrected(current, facts, acting_user)
    for name in (*changed, "search_keys", "search_text", "status"):
        setattr(request, name, getattr(current, name))
    return request


def _evaluate_corrected(request: Request, facts: frozenset[str], actor: Actor) -> None:
    """The corrected copy's new decision; an incomplete citation undoes the correction."""
    citation = dict(request.record.citation)
    for name in facts:
        fact, convert = _FACT_OF_FIELD[name]
        citation[fact] = convert(getattr(request, name))
    citation = {name: value for name, value in citation.items() if value not in (None, [], "")}
    decision = copyright.correct_citation(request.record, citation, acting_user=user_of(actor))
    if decision.outcome == Outcome.REJECT_INCOMPLETE:
        raise IncompleteRequest(decision)
    follow_decision(
        request,
        decision,
        Action.REEVALUATED,
        "Citation corrected.",
        actor,
        seen=Status(request.status),
    )
