"""Recording a decision: a new request's record, the identifiers it cites and its first decision,
and the record's counting status with its history (docs/copyright.md sections 3 and 7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from copyright_rules.configuration import zone
from copyright_rules.deciding import as_entered_by, evaluate, rule_settings
from copyright_rules.facts import Decision as RuleDecision
from copyright_rules.facts import Outcome, RequestFacts, Service, Statement, clean, is_copy
from copyright_rules.keys import cited_identifiers
from copyright_rules.models import (
    Decision,
    Record,
    RecordIdentifier,
    RecordStatusChange,
)
from copyright_rules.rules import Subject, retention_of_year
from copyright_rules.vocabulary import STATUS_LABELS
from illdesk.inserts import New, insert_together
from registration.models import Institution

# The counting status a decision's outcome leads to (docs/copyright.md section 3).
STATUS_FOR_OUTCOME = {
    Outcome.ACCEPT_CCG: Record.Status.ACCEPTED,
    Outcome.ACCEPT_CCL: Record.Status.ACCEPTED,
    Outcome.NOT_APPLICABLE: Record.Status.ACCEPTED,
    Outcome.NEEDS_PERMISSION: Record.Status.AWAITING_CLEARANCE,
    Outcome.REFUSE: Record.Status.REFUSED,
    Outcome.REJECT_INCOMPLETE: Record.Status.REJECTED,
}


class StaleRecordStatus(Exception):
    """The record's status changed since it was read: someone else acted first."""


@dataclass(frozen=True)
class Decided:
    """A new request's record, the identifiers it cites and its first decision: decided under
    the lock, not yet written (`record_decided`)."""

    record: Record
    identifiers: list[RecordIdentifier]
    decision: Decision


def decide_new(
    institution: Institution, request: RequestFacts, *, acting_user: User | None = None
) -> Decided:
    """Decide a new request under its lock, and build what `record_decided` writes.

    `request` is the typed facts object the request's form built (`request_facts()`); it is
    decided and stored as it is. Call inside the transaction that then writes it. Loans get a
    record and a NOT_APPLICABLE decision without taking the lock."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("call this inside transaction.atomic(): the count and write are one")
    decided = as_entered_by(request, acting_user)
    outcome, subject = evaluate(
        decided, institution_id=institution.pk, lock=is_copy(request.service)
    )
    zone_name = rule_settings().time_zone
    record = _new_record(institution, subject, outcome, request, acting_user, zone_name)
    # What the record cites, for keys that follow the authority (docs/copyright.md section 1).
    cited = cited_identifiers(record.work_kind, request.title, request.issns, request.isbns)
    identifiers = [RecordIdentifier(record=record, kind=kind, value=value) for kind, value in cited]
    return Decided(record, identifiers, _new_decision(record, outcome, acting_user))


def record_decided(decided: Decided, *more: Model | New) -> None:
    """Write the record, what it cites and its decision, and the caller's new rows that point
    to them (the request, its email), in one INSERT statement on PostgreSQL."""
    insert_together(decided.record, *decided.identifiers, decided.decision, *more)


def _new_record(
    institution: Institution,
    subject: Subject,
    outcome: RuleDecision,
    request: RequestFacts,
    acting_user: User | None,
    zone_name: str,
) -> Record:
    """The record of a new request, dated in `zone_name`, which it keeps (ruling 10)."""
    facts = subject.facts
    reference = (clean(request.permission_reference) or "")[:200]
    retain_until, purge_on = retention_of_year(subject.year)
    statement = facts.statement if facts else None
    basis = facts.basis if facts and statement is Statement.CCL else None
    return Record(
        institution=institution,
        service=Service.LOAN if facts is None else Service.COPY,
        work_kind=(facts.kind if facts else None) or "",
        created_at=request.created_at,
        local_date=subject.local_date,
        year=subject.year,
        citation=request.citation(),
        title_key=subject.key.key or "",
        key_source=subject.key.source.value if subject.key.key else "",
        statement=statement or "",
        basis=basis or "",
        status=STATUS_FOR_OUTCOME[outcome.outcome],
        outcome=outcome.outcome.value,
        counted=outcome.counted,
        permission_reference=reference,
        permission_confirmed=clean(subject.request.permission_reference) is not None
        or not reference,
        permission_entered_by=acting_user if reference else None,
        retain_until=retain_until,
        purge_on=purge_on,
        time_zone=zone_name,
        # The first moment of the purge date in the record's zone (ruling 10).
        purge_at=datetime.combine(purge_on, time.min, tzinfo=zone(zone_name)),
    )


def store_decision(record: Record, outcome: RuleDecision, acting_user: User | None) -> Decision:
    decision = _new_decision(record, outcome, acting_user)
    decision.save()
    return decision


def _new_decision(record: Record, outcome: RuleDecision, acting_user: User | None) -> Decision:
    return Decision(
        record=record,
        outcome=outcome.outcome.value,
        rule=outcome.rule.value,
        counted=outcome.counted,
        copy_number=outcome.copy_number,
        title_key=outcome.title_key or "",
        counted_record_ids=[int(pk) for pk in outcome.counted_ids],
        flags=[flag.value for flag in outcome.flags],
        explanation=outcome.explanation,
        created_at=timezone.now(),
        decided_by=acting_user,
    )


def set_record_status(
    record: Record,
    status: str,
    *,
    acting_user: User | None = None,
    note: str = "",
    loan_returned: bool = True,
) -> Record:
    """Compare-and-set the counting status, with a history row.

    The first move to shipped or filled records the fulfilment (guideline 4); a loan moving to
    filled has come back, so that records `returned_at`, unless `loan_returned` is false (a lost
    loan is final too, so the purge can remove it, but it never came back). A final status is
    never left."""
    if status not in STATUS_LABELS:
        raise ValueError(f"unknown record status {status!r}")
    if status == record.status:
        return record
    if record.is_final:
        raise ValueError(f"record {record.pk} is {record.status}, a final status")
    if _takes_slot_without_decision(record, status):
        raise ValueError("a held request takes a slot only through a new accepting decision")
    changes = _status_changes(record, status, acting_user, loan_returned=loan_returned)
    with transaction.atomic():
        moved = Record.objects.filter(pk=record.pk, status=record.status).update(**changes)
        if not moved:
            raise StaleRecordStatus(f"record {record.pk} is no longer {record.status}")
        RecordStatusChange.objects.create(
            record=record,
            from_status=record.status,
            to_status=status,
            at=timezone.now(),
            by=acting_user,
            note=note,
        )
    for field, value in changes.items():
        setattr(record, field, value)
    return record


def _takes_slot_without_decision(record: Record, status: str) -> bool:
    held = record.status == Record.Status.AWAITING_CLEARANCE
    return held and status in Record.HOLDING_STATUSES and record.outcome == Outcome.NEEDS_PERMISSION


def _status_changes(
    record: Record, status: str, acting_user: User | None, *, loan_returned: bool
) -> dict[str, object]:
    now = timezone.now()
    changes: dict[str, object] = {"status": status}
    fulfilled = status in (Record.Status.SHIPPED, Record.Status.FILLED)
    if fulfilled and record.fulfilled_at is None:
        changes.update(fulfilled_at=now, fulfilled_by=acting_user)
    is_loan = record.service == Record.Service.LOAN
    if status == Record.Status.FILLED and is_loan and loan_returned:
        changes["returned_at"] = now
    return changes
