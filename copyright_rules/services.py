"""Copyright workflows: decide and record a request, re-evaluate it, move its status.

The request workflow calls `decide_new` and then `record_decided`, which writes the request's own
rows in the same statement, inside its own `transaction.atomic()` (other callers use
`decide_and_record`, which does both). The count and the write happen in that one transaction
under a lock for (institution, key, year), so two submissions can never both take the fifth slot
(docs/copyright.md section 6): on PostgreSQL an advisory transaction lock; on SQLite the
IMMEDIATE transaction already holds the write lock. On PostgreSQL the key is derived before that
lock is taken, so the locked count also reports whether staff changed the title authority
meanwhile, and the key is then derived again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import partial
from typing import Any

from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from copyright_rules.authority import (
    AuthorityReading,
    known_titles,
    load_authority_and_known_titles,
)
from copyright_rules.configuration import NonperiodicalScope, RuleSettings
from copyright_rules.facts import (
    DETERMINATION_LABELS,
    STATUS_LABELS,
    Outcome,
    PriorRequest,
    RequestFacts,
    Service,
    StaffDetermination,
    Statement,
    clean,
)
from copyright_rules.facts import Decision as RuleDecision
from copyright_rules.keys import cited_identifiers
from copyright_rules.models import (
    AUTHORITY_LOCK_ID,
    Decision,
    Record,
    RecordIdentifier,
    RecordStatusChange,
    title_year_lock_id,
)
from copyright_rules.reading import is_copy
from copyright_rules.retention import start_of_day
from copyright_rules.rules import (
    KeyDoubt,
    KnownTitle,
    Subject,
    decide_subject,
    describe,
    local_date_and_year,
    retention_of_year,
)
from illdesk.inserts import New, insert_together
from registration.models import Institution

# The counting status a decision's outcome leads to (docs/copyright.md section 3).
_STATUS_FOR_OUTCOME = {
    Outcome.ACCEPT_CCG: Record.Status.ACCEPTED,
    Outcome.ACCEPT_CCL: Record.Status.ACCEPTED,
    Outcome.NOT_APPLICABLE: Record.Status.ACCEPTED,
    Outcome.NEEDS_PERMISSION: Record.Status.AWAITING_CLEARANCE,
    Outcome.REFUSE: Record.Status.REFUSED,
    Outcome.REJECT_INCOMPLETE: Record.Status.REJECTED,
}
# In the order `copyright_rules_locked_priors` returns them, after the authority's version.
_PRIOR_FIELDS = ("pk", "status", "outcome", "counted", "year", "title_key", "work_kind", "citation")
_HOLDING = list(Record.HOLDING_STATUSES)


class HeldReevaluation(StrEnum):
    """COPYRIGHT_HELD_REEVALUATION: what happens to held requests when a counted prior stops
    counting."""

    AUTOMATIC = "automatic"  # evaluated again at once; the library is told of a release
    STAFF = "staff"  # shown to staff in the clearance queue with one-click re-evaluation


class StaleRecordStatus(Exception):
    """The record's status changed since it was read: someone else acted first."""


class AuthorityChanged(Exception):
    """Staff changed the title authority between its reading and the locked count: the key may
    no longer be the authority's (docs/copyright.md section 1, "A staff change that meets a
    submission")."""


# --- settings and facts --------------------------------------------------------------------


def rule_settings() -> RuleSettings:
    """The docs/copyright.md section 2 settings, from the `COPYRIGHT_*` Django settings."""
    s = django_settings
    return RuleSettings(
        time_zone=s.COPYRIGHT_TIME_ZONE,
        periodical_limit=s.COPYRIGHT_PERIODICAL_LIMIT,
        nonperiodical_limit=s.COPYRIGHT_NONPERIODICAL_LIMIT,
        nonperiodical_scope=NonperiodicalScope(s.COPYRIGHT_NONPERIODICAL_SCOPE),
        window_years=s.COPYRIGHT_WINDOW_YEARS,
        date_mode=s.COPYRIGHT_DATE_MODE,
        max_future_years=s.COPYRIGHT_MAX_FUTURE_YEARS,
        one_article_per_issue=s.COPYRIGHT_ONE_ARTICLE_PER_ISSUE,
        small_part_max_fraction=s.COPYRIGHT_SMALL_PART_MAX_FRACTION,
    )


def _determination(record: Record) -> StaffDetermination | None:
    if not record.determination_kind:
        return None
    return StaffDetermination(kind=record.determination_kind, note=record.determination_note)


# --- keys, the lock and the priors -------------------------------------------------------


def load_priors(
    institution_id: int,
    title_key: str,
    year: int | None,
    *,
    lock: bool = False,
    exclude_pk: int | None = None,
    authority_version: int | None = None,
) -> list[PriorRequest]:
    """The prior requests that can count or block: one query on the stored key and year.

    With `lock`, every count-then-insert for (institution, key, year) is serialised until the
    transaction ends. On PostgreSQL the advisory lock and the count are one round trip: the
    `copyright_rules_locked_priors` function (migration 0007) locks, then selects what
    `Record.objects.priors_for` selects, after the authority's version as it is under the lock;
    raises AuthorityChanged if that is not `authority_version`, the version the key was derived
    with (None: the key did not come from the authority). SQLite needs no lock of its own: its
    IMMEDIATE transactions take the database write lock at BEGIN."""
    connection = transaction.get_connection()
    if lock and connection.vendor == "postgresql":
        version, rows = _locked_priors(institution_id, title_key, year)
        if authority_version is not None and version != authority_version:
            raise AuthorityChanged(f"version {authority_version} read, {version} under the lock")
    else:
        rows = list(
            Record.objects.priors_for(institution_id, title_key, year).values(*_PRIOR_FIELDS)
        )
    return [_prior(row) for row in rows if row["pk"] != exclude_pk]


def _locked_priors(
    institution_id: int, title_key: str, year: int | None
) -> tuple[int, list[dict[str, Any]]]:
    """The authority's version and the priors' rows, as the locked count returns them."""
    lock_id = title_year_lock_id(institution_id, title_key, year)
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(
            "SELECT * FROM copyright_rules_locked_priors(%s, %s, %s, %s, %s, %s)",
            [AUTHORITY_LOCK_ID, lock_id, institution_id, title_key, year, _HOLDING],
        )
        (version, *_), *found = cursor.fetchall()
    rows = [dict(zip(_PRIOR_FIELDS, row[1:], strict=True)) for row in found]
    for row in rows:
        if isinstance(row["citation"], str):  # jsonb arrives as text, as JSONField reads it
            row["citation"] = json.loads(row["citation"])
    return version, rows


def _prior(row: Mapping[str, Any]) -> PriorRequest:
    citation = row["citation"] or {}
    return PriorRequest(
        id=str(row["pk"]),
        status=row["status"],
        outcome=row["outcome"],
        counted=row["counted"],
        year=row["year"],
        key=row["title_key"],
        work_kind=row["work_kind"] or None,
        publication_date=citation.get("publication_date"),
        volume=citation.get("volume"),
        issue=citation.get("issue"),
        article=citation.get("article"),
        patron_ref=citation.get("patron_ref"),
    )


def _evaluate(
    request: RequestFacts,
    *,
    institution_id: int,
    lock: bool,
    exclude_pk: int | None = None,
    key_confirmed: bool = False,
) -> tuple[RuleDecision, Subject]:
    """Describe the request once (date, year, key), load its priors by that key, decide. A
    copy about to be counted whose cited title puts its key in doubt is held (docs/copyright.md
    section 10, ruling 6): the titles it is compared with are read only then, unless they came
    with the authority, and so is whether staff confirmed the key for the institution."""
    rules = rule_settings()
    when = local_date_and_year(request.created_at, rules.time_zone)
    count = partial(_read_and_count, request, rules, when, institution_id, lock, exclude_pk)
    try:
        reading, subject, priors = count()
    except AuthorityChanged:
        # The locked count already holds the authority lock (shared) until the transaction
        # ends, so no staff change can commit now: this second reading is the last one.
        reading, subject, priors = count()
    doubt = _key_doubt(reading, subject, institution_id, exclude_pk, key_confirmed=key_confirmed)
    return decide_subject(subject, priors, rules, doubt), subject


def _read_and_count(
    request: RequestFacts,
    rules: RuleSettings,
    when: tuple[date, int],
    institution_id: int,
    lock: bool,
    exclude_pk: int | None,
) -> tuple[AuthorityReading, Subject, Sequence[PriorRequest]]:
    reading = load_authority_and_known_titles(request, institution_id, when[1], exclude_pk)
    subject = describe(request, rules, reading.authority, when)
    if subject.key.key is None:
        return reading, subject, ()
    priors = load_priors(
        institution_id,
        subject.key.key,
        subject.counting_year,
        lock=lock,
        exclude_pk=exclude_pk,
        authority_version=reading.version,
    )
    return reading, subject, priors


def _key_doubt(
    reading: AuthorityReading,
    subject: Subject,
    institution_id: int,
    exclude_pk: int | None,
    *,
    key_confirmed: bool,
) -> KeyDoubt:
    """Ruling 6's comparison, read from the database when the rules ask for it."""

    def titles() -> list[KnownTitle]:
        if reading.known_titles is not None:
            return reading.known_titles
        return known_titles(institution_id, subject.year, exclude_pk=exclude_pk)

    def confirmed() -> bool:
        if key_confirmed:
            return True
        return Record.objects.filter(
            institution_id=institution_id,
            title_key=subject.key.key,
            key_confirmed_by__isnull=False,
        ).exists()

    return KeyDoubt(titles, confirmed)


# --- deciding and recording ----------------------------------------------------------------


def _require_atomic() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("call this inside transaction.atomic(): the count and write are one")


@dataclass(frozen=True)
class Decided:
    """A new request's record, the identifiers it cites and its first decision: decided under
    the lock, not yet written (`record_decided`)."""

    record: Record
    identifiers: list[RecordIdentifier]
    decision: Decision


def decide_and_record(
    institution: Institution, request: RequestFacts, *, acting_user: User | None = None
) -> tuple[Record, Decision]:
    """Decide a new request and store its record and first decision (on PostgreSQL three
    queries: the authority, the locked count, one INSERT). The caller owns the transaction; on
    REJECT_INCOMPLETE it rolls back and shows the form errors."""
    decided = decide_new(institution, request, acting_user=acting_user)
    record_decided(decided)
    return decided.record, decided.decision


def decide_new(
    institution: Institution, request: RequestFacts, *, acting_user: User | None = None
) -> Decided:
    """Decide a new request under its lock, and build what `record_decided` writes.

    `request` is the typed facts object the request's form built (`request_facts()`); it is
    decided and stored as it is. Call inside the transaction that then writes it. Loans get a
    record and a NOT_APPLICABLE decision without taking the lock."""
    _require_atomic()
    decided = as_entered_by(request, acting_user)
    outcome, subject = _evaluate(
        decided, institution_id=institution.pk, lock=is_copy(request.service)
    )
    zone_name = rule_settings().time_zone
    record = _new_record(institution, subject, outcome, request, acting_user, zone_name)
    return Decided(
        record, _new_identifiers(record, subject), _new_decision(record, outcome, acting_user)
    )


def as_entered_by(request: RequestFacts, acting_user: User | None) -> RequestFacts:
    """A reference the library typed is not yet a recorded permission (docs/copyright.md
    section 5): the rules see it as entered, pending until staff confirm it."""
    reference = clean(request.permission_reference)
    if reference is None or not permission_needs_confirmation(acting_user):
        return request
    return replace(request, permission_reference=None, permission_reference_entered=reference)


def record_decided(decided: Decided, *more: Model | New) -> None:
    """Write the record, what it cites and its decision, and the caller's new rows that point
    to them (the request, its email), in one INSERT statement on PostgreSQL."""
    insert_together(decided.record, *decided.identifiers, decided.decision, *more)


def _new_identifiers(record: Record, subject: Subject) -> list[RecordIdentifier]:
    """What the record cites, for keys that follow the authority (docs/copyright.md section 1)."""
    request = subject.request
    cited = cited_identifiers(record.work_kind, request.title, request.issns, request.isbns)
    return [RecordIdentifier(record=record, kind=kind, value=value) for kind, value in cited]


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
        status=_STATUS_FOR_OUTCOME[outcome.outcome],
        outcome=outcome.outcome.value,
        counted=outcome.counted,
        permission_reference=reference,
        permission_confirmed=clean(subject.request.permission_reference) is not None
        or not reference,
        permission_entered_by=acting_user if reference else None,
        retain_until=retain_until,
        purge_on=purge_on,
        time_zone=zone_name,
        purge_at=start_of_day(purge_on, zone_name),
    )


def _store_decision(record: Record, outcome: RuleDecision, acting_user: User | None) -> Decision:
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


def precheck(
    institution: Institution, request: RequestFacts, *, acting_user: User | None = None
) -> RuleDecision:
    """What the decision would be if the copy request were submitted now: reads only, no lock.

    For the live pre-check on the copy form; the real decision is taken again at submission,
    with the same reading of a permission reference the library typed."""
    decision, _ = _evaluate(
        as_entered_by(request, acting_user), institution_id=institution.pk, lock=False
    )
    return decision


# --- status --------------------------------------------------------------------------------


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
) -> dict[str, Any]:
    now = timezone.now()
    changes: dict[str, Any] = {"status": status}
    fulfilled = status in (Record.Status.SHIPPED, Record.Status.FILLED)
    if fulfilled and record.fulfilled_at is None:
        changes.update(fulfilled_at=now, fulfilled_by=acting_user)
    is_loan = record.service == Record.Service.LOAN
    if status == Record.Status.FILLED and is_loan and loan_returned:
        changes["returned_at"] = now
    return changes


# --- the clearance queue (docs/copyright.md section 5) -----------------------------------


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


def permission_needs_confirmation(acting_user: User | None) -> bool:
    """Whether a permission reference entered by `acting_user` waits for staff to confirm it."""
    confirm = django_settings.COPYRIGHT_CONFIRM_LIBRARY_PERMISSION
    return bool(confirm) and not (acting_user is not None and acting_user.is_staff)


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
    record: Record, citation: Mapping[str, Any], *, acting_user: User | None
) -> Decision:
    """Staff corrected the facts of a request not yet supplied: a new decision on the corrected
    citation, counted under the lock like every decision (docs/copyright.md section 5); the
    earlier decisions stay. A record that no longer holds its slot under the new outcome (now
    held for permission, or refused) follows it; a held one follows it as on re-evaluation."""
    decision = _reevaluate(record, {"citation": dict(citation)}, acting_user)
    target = _STATUS_FOR_OUTCOME[Outcome(decision.outcome)]
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


def _reevaluate(record: Record, changes: Mapping[str, Any], acting_user: User | None) -> Decision:
    """A new decision row for an existing record; earlier decisions are never rewritten."""
    if record.is_final:
        raise ValueError(f"record {record.pk} is {record.status}, a final status")
    with transaction.atomic():
        for field, value in changes.items():
            setattr(record, field, value)
        request = _facts_of(record)
        outcome, subject = _evaluate(
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
        decision = _store_decision(record, outcome, acting_user)
        if record.status == Record.Status.AWAITING_CLEARANCE:
            new_status = _STATUS_FOR_OUTCOME[outcome.outcome]
            set_record_status(record, new_status, acting_user=acting_user, note=outcome.rule.value)
    return decision


def _facts_of(record: Record) -> RequestFacts:
    reference = record.permission_reference or None
    return RequestFacts.from_citation(
        record.citation,
        created_at=record.created_at,
        service=record.service,
        permission_reference=reference if record.permission_confirmed else None,
        permission_reference_entered=None if record.permission_confirmed else reference,
        staff_determination=_determination(record),
    )
