"""Evaluating a held request again (docs/copyright.md section 5): staff record a permission, a
determination or the rights review, confirm a key, correct a citation, refuse it; and the held
requests of a key are evaluated again when a slot is freed. Each evaluation is a new decision."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import StrEnum

from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.db import transaction

from copyright_rules.deciding import evaluate, permission_needs_confirmation
from copyright_rules.facts import Outcome, RequestFacts, Service, StaffDetermination
from copyright_rules.models import (
    Decision,
    Record,
)
from copyright_rules.recording import STATUS_FOR_OUTCOME, set_record_status, store_decision
from copyright_rules.vocabulary import DETERMINATION_LABELS


class HeldReevaluation(StrEnum):
    """COPYRIGHT_HELD_REEVALUATION: what happens to held requests when a counted prior stops
    counting."""

    AUTOMATIC = "automatic"  # evaluated again at once; the library is told of a release
    STAFF = "staff"  # shown to staff in the clearance queue with one-click re-evaluation


def record_permission(
    record: Record,
    *,
    reference: str,
    fee: Decimal | None = None,
    fee_paid: bool = False,
    acting_user: User | None,
) -> Decision:
    """Record a permission (CCC order number or rightsholder grant) and re-evaluate (R2).

    A reference the library entered waits for staff to confirm it (docs/copyright.md section
    5): it is stored, unconfirmed, and the request is evaluated again as pending (flag
    `permission_to_confirm`, never counted) until staff record it themselves, unless
    COPYRIGHT_CONFIRM_LIBRARY_PERMISSION is off."""
    if record.status != Record.Status.AWAITING_CLEARANCE:
        raise ValueError("only a request awaiting copyright clearance takes a permission")
    reference = reference.strip()
    if not reference:
        raise ValueError("a permission reference is required")
    if fee is not None and fee < 0:
        raise ValueError("a fee cannot be negative")
    confirmed = not permission_needs_confirmation(acting_user)
    changes = {
        "permission_reference": reference[:200],
        "permission_fee": fee,
        "fee_paid": fee_paid,
        "permission_confirmed": confirmed,
        "permission_entered_by": acting_user,
    }
    return _reevaluate(record, changes, acting_user)


def record_determination(
    record: Record, *, kind: str, note: str, acting_user: User | None
) -> Decision:
    """Record a section 107 or 108(e) determination with its note and re-evaluate (rule O1)."""
    if kind not in DETERMINATION_LABELS:
        raise ValueError(f"unknown determination kind {kind!r}")
    if not note.strip():
        raise ValueError("a determination needs a note saying why")
    changes = {"determination_kind": kind, "determination_note": note.strip()}
    return _reevaluate(record, changes, acting_user)


def confirm_key(record: Record, *, acting_user: User) -> Decision:
    """Staff confirm the title key the rules doubted (the cited title does not fit it) and the
    held request is evaluated again, counted under that key."""
    if record.status != Record.Status.AWAITING_CLEARANCE:
        raise ValueError("only a request awaiting copyright clearance has a key to confirm")
    return _reevaluate(record, {"key_confirmed_by": acting_user}, acting_user)


def request_reevaluation(record: Record, *, acting_user: User | None) -> Decision:
    """Evaluate a held request again, e.g. after staff fixed the authority (docs/copyright.md 5)."""
    if record.status != Record.Status.AWAITING_CLEARANCE:
        raise ValueError("only a request awaiting copyright clearance is re-evaluated")
    return _reevaluate(record, {}, acting_user)


def correct_citation(
    record: Record, citation: Mapping[str, object], *, acting_user: User | None
) -> Decision:
    """Staff corrected the facts of a request not yet supplied: a new decision on the corrected
    citation, counted under the lock like every decision (docs/copyright.md section 5); the
    earlier decisions stay. A record that no longer holds its slot under the new outcome (now
    held for permission, or refused) follows it; a held one follows it as on re-evaluation."""
    decision = _reevaluate(record, {"citation": dict(citation)}, acting_user)
    target = STATUS_FOR_OUTCOME[Outcome(decision.outcome)]
    if target != Record.Status.ACCEPTED and record.status != target:
        set_record_status(record, target, acting_user=acting_user, note=decision.rule)
    return decision


def reevaluate_held_after_release(
    record: Record, *, acting_user: User | None
) -> list[tuple[Record, Decision]]:
    """After `record` stopped holding a slot (cancelled, refused, unfilled...), evaluate again
    the requests of its institution, key and year held for permission, oldest first, so the
    first takes the freed slot (docs/copyright.md section 5). Counted or not: an uncounted copy
    holding a slot holds its issue for R7 too (section 10, ruling 5). Each gets a new decision;
    the earlier ones stay. With COPYRIGHT_HELD_REEVALUATION = "staff" nothing is evaluated here:
    the clearance queue shows staff that a counted prior stopped counting, with one-click
    re-evaluation. Call inside the transaction that moved `record`."""
    if record.holds_slot or record.service != Service.COPY or not record.title_key:
        return []
    if django_settings.COPYRIGHT_HELD_REEVALUATION != HeldReevaluation.AUTOMATIC:
        return []
    held = Record.objects.filter(
        institution_id=record.institution_id,
        title_key=record.title_key,
        status=Record.Status.AWAITING_CLEARANCE,
    )
    if record.counting_year is not None:
        held = held.filter(year=record.counting_year)
    return [
        (each, _reevaluate(each, {}, acting_user)) for each in held.order_by("created_at", "pk")
    ]


def refuse_held(record: Record, *, reason: str, acting_user: User | None) -> Record:
    if record.status != Record.Status.AWAITING_CLEARANCE:
        raise ValueError("only a request awaiting copyright clearance is refused here")
    if not reason.strip():
        raise ValueError("a refusal needs a reason")
    return set_record_status(
        record, Record.Status.REFUSED, acting_user=acting_user, note=reason.strip()
    )


def set_legal_hold(record: Record, *, hold: bool, reason: str = "") -> Record:
    """Set or lift a legal hold; writes only those two columns, so a status change made at the
    same moment by the request workflow is never overwritten. Raises Record.DoesNotExist when
    the purge deleted the record meanwhile: a hold on nothing is not a success."""
    reason = reason.strip() if hold else ""
    if hold and not reason:
        raise ValueError("a legal hold needs a reason")
    if not Record.objects.filter(pk=record.pk).update(legal_hold=hold, legal_hold_reason=reason):
        raise Record.DoesNotExist(f"record {record.pk} no longer exists: it was purged")
    record.legal_hold, record.legal_hold_reason = hold, reason
    return record


def mark_fee_paid(records: Iterable[Record]) -> int:
    return Record.objects.filter(pk__in=[r.pk for r in records], permission_fee__gt=0).update(
        fee_paid=True
    )


def _reevaluate(
    record: Record, changes: Mapping[str, object], acting_user: User | None
) -> Decision:
    """A new decision row for an existing record; earlier decisions are never rewritten."""
    if record.is_final:
        raise ValueError(f"record {record.pk} is {record.status}, a final status")
    with transaction.atomic():
        for field, value in changes.items():
            setattr(record, field, value)
        request = facts_of(record)
        outcome, subject = evaluate(
            request,
            institution_id=record.institution_id,
            lock=True,
            exclude_pk=record.pk,
            key_confirmed=record.key_confirmed_by_id is not None,
        )
        record.title_key = subject.key.key or ""
        record.key_source = subject.key.source.value if subject.key.key else ""
        record.outcome = outcome.outcome.value
        record.counted = outcome.counted
        fields = [*changes, "title_key", "key_source", "outcome", "counted"]
        record.save(update_fields=fields)
        decision = store_decision(record, outcome, acting_user)
        if record.status == Record.Status.AWAITING_CLEARANCE:
            new_status = STATUS_FOR_OUTCOME[outcome.outcome]
            set_record_status(record, new_status, acting_user=acting_user, note=outcome.rule.value)
    return decision


def facts_of(record: Record) -> RequestFacts:
    """The facts of a recorded request, as the rules read them when it is evaluated again."""
    reference = record.permission_reference or None
    determination = None
    if record.determination_kind:
        determination = StaffDetermination(
            kind=record.determination_kind, note=record.determination_note
        )
    return RequestFacts.from_citation(
        record.citation,
        created_at=record.created_at,
        service=record.service,
        permission_reference=reference if record.permission_confirmed else None,
        permission_reference_entered=None if record.permission_confirmed else reference,
        staff_determination=determination,
    )
