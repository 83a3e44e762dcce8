"""The title authority and the guideline 4 record: every request, its decisions and its status.

The rules themselves live in `rules.py` (pure, no database). This module stores what they decided.
Counting is always derived from rows (a record's latest decision and its status), never from a
stored integer that could drift.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Exists, Q

from copyright_rules.facts import (
    HOLDING_SLOT,
    Basis,
    DeterminationKind,
    Flag,
    NonperiodicalScope,
    Outcome,
    Service,
    Statement,
    Status,
    WorkKind,
)
from copyright_rules.keys import UNVERIFIED_SOURCES
from copyright_rules.keys import IdentifierKind as KeyIdentifierKind

if TYPE_CHECKING:
    from registration.models import Institution


def _in_choices(field: str, choices: type[models.TextChoices], *, blank: bool = False) -> Q:
    allowed = [*choices.values, *([""] if blank else [])]
    return Q(**{f"{field}__in": allowed})


class TitleGroupKind(models.TextChoices):
    PERIODICAL = "periodical", "Periodical (journal, magazine, newspaper)"
    WORK = "work", "Work (book, report, proceedings volume)"


class IdentifierKind(models.TextChoices):
    ISSN = KeyIdentifierKind.ISSN, "ISSN"
    ISBN = KeyIdentifierKind.ISBN, "ISBN-13"
    TITLE = KeyIdentifierKind.TITLE, "Normalized title"


class TitleGroup(models.Model):
    """One journal or one work in the title authority: the ISSNs, ISBNs and variant titles that
    name it. Staff merge and split groups; a merge changes only later evaluations."""

    Kind = TitleGroupKind

    name = models.CharField(max_length=300, help_text="The title staff recognise it by.")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PERIODICAL)
    note = models.TextField(blank=True, help_text="Why these identifiers belong together.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "title authority group"
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("kind", TitleGroupKind), name="titlegroup_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TitleIdentifier(models.Model):
    """An ISSN, ISBN-13 or normalized title belonging to one authority group. Each value belongs
    to at most one group, so a lookup can never be ambiguous."""

    Kind = IdentifierKind

    group = models.ForeignKey(TitleGroup, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    value = models.CharField(
        max_length=500,
        help_text="Stored normalized: ISSN as NNNN-NNNC, ISBN as 13 digits, titles as the rules "
        "normalize them (lower case, no punctuation, no leading article).",
    )

    class Meta:
        ordering = ["kind", "value"]
        verbose_name = "title authority identifier"
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="titleidentifier_unique_value"),
            models.CheckConstraint(
                condition=_in_choices("kind", IdentifierKind), name="titleidentifier_kind"
            ),
            models.CheckConstraint(condition=~Q(value=""), name="titleidentifier_value_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"


# The advisory lock of the whole title authority (docs/copyright.md section 1, "A staff change that
# meets a submission"): every locked count holds it shared, every staff change of the authority
# exclusively. A 64-bit hash, like the title-year locks it shares the advisory lock space with.
AUTHORITY_LOCK_ID = int.from_bytes(
    hashlib.blake2b(b"copyright|authority", digest_size=8).digest(), signed=True
)


class AuthorityVersion(models.Model):
    """One row counting the changes of the title authority. Every staff change increments it in
    its transaction; a submission reads it with the authority and again once it holds its lock,
    to know whether the key it derived is still the authority's (docs/copyright.md section 1,
    "A staff change that meets a submission")."""

    ONLY = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=ONLY)
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="authorityversion_one_row")]

    def __str__(self) -> str:
        return f"title authority version {self.version}"


class RecordService(models.TextChoices):
    LOAN = Service.LOAN, "Loan"
    COPY = Service.COPY, "Copy"


class RecordWorkKind(models.TextChoices):
    PERIODICAL = WorkKind.PERIODICAL, "Periodical article"
    NON_PERIODICAL = WorkKind.NON_PERIODICAL, "Part of a non-periodical work"


class RecordStatus(models.TextChoices):
    ACCEPTED = Status.ACCEPTED, "Accepted"
    IN_PROCESS = Status.IN_PROCESS, "In process"
    SHIPPED = Status.SHIPPED, "Shipped"
    FILLED = Status.FILLED, "Filled"
    CANCELLED = Status.CANCELLED, "Cancelled"
    UNFILLED = Status.UNFILLED, "Unfilled"
    REFUSED = Status.REFUSED, "Refused"
    REJECTED = Status.REJECTED, "Rejected"
    CONVERTED_TO_LOAN = Status.CONVERTED_TO_LOAN, "Converted to a loan"
    AWAITING_CLEARANCE = Status.AWAITING_CLEARANCE, "Awaiting copyright clearance"


class RecordOutcome(models.TextChoices):
    ACCEPT_CCG = Outcome.ACCEPT_CCG, "Accepted (CCG)"
    ACCEPT_CCL = Outcome.ACCEPT_CCL, "Accepted (CCL)"
    NEEDS_PERMISSION = Outcome.NEEDS_PERMISSION, "Needs permission"
    REFUSE = Outcome.REFUSE, "Refused"
    REJECT_INCOMPLETE = Outcome.REJECT_INCOMPLETE, "Incomplete"
    NOT_APPLICABLE = Outcome.NOT_APPLICABLE, "Not applicable (loan)"


class RecordStatement(models.TextChoices):
    CCG = Statement.CCG, "CCG: complies with the CONTU guidelines"
    CCL = Statement.CCL, "CCL: complies with copyright law"


class RecordBasis(models.TextChoices):
    OLDER_THAN_WINDOW = Basis.OLDER_THAN_WINDOW, "Older than the five-year window"
    OWN_COPY = Basis.OWN_COPY, "Own copy not reasonably available"
    PUBLIC_DOMAIN = Basis.PUBLIC_DOMAIN, "Public domain"
    FAIR_USE = Basis.FAIR_USE, "Fair use"


class RecordDeterminationKind(models.TextChoices):
    FAIR_USE = DeterminationKind.FAIR_USE, "Fair use (section 107)"
    S108E = DeterminationKind.S108E, "Section 108(e)"
    NO_KNOWN_RESTRICTIONS = (
        DeterminationKind.NO_KNOWN_RESTRICTIONS,
        "Rights review: no known restrictions",
    )
    PUBLIC_DOMAIN = DeterminationKind.PUBLIC_DOMAIN, "Rights review: public domain"


# What staff record with the desk's "Record a 107 or 108(e) determination"; the rights review
# of a reproduction order records the others (docs/copyright.md section 5).
LEGAL_DETERMINATIONS = (RecordDeterminationKind.FAIR_USE, RecordDeterminationKind.S108E)
RIGHTS_FINDINGS = (
    RecordDeterminationKind.NO_KNOWN_RESTRICTIONS,
    RecordDeterminationKind.PUBLIC_DOMAIN,
)


def title_year_lock_id(institution_id: int, title_key: str, year: int | None) -> int:
    """The advisory lock for (institution, key, year): a 64-bit hash of the triple (a collision
    only serialises two unrelated titles). PostgreSQL refuses FOR UPDATE with aggregates, and the
    count may be zero rows, so no row lock could stand in for it."""
    name = f"copyright|{institution_id}|{title_key}|{'term' if year is None else year}"
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), signed=True)


# Other apps' reasons to keep a record past its purge date (an unpaid charge: docs/fees.md),
# registered from their AppConfig.ready(): this app never imports them.
PURGE_PROTECTIONS: list[Callable[[], Q | Exists]] = []


def protect_from_purge(protection: Callable[[], Q | Exists]) -> None:
    """Keep from the purge every record the expression `protection()` matches."""
    if protection not in PURGE_PROTECTIONS:
        PURGE_PROTECTIONS.append(protection)


class RecordQuerySet(models.QuerySet["Record"]):
    def for_institution(self, institution: Institution) -> RecordQuerySet:
        return self.filter(institution=institution)

    def holding_slot(self) -> RecordQuerySet:
        return self.filter(status__in=Record.HOLDING_STATUSES)

    def priors_for(self, institution_id: int, title_key: str, year: int | None) -> RecordQuerySet:
        """The prior requests that could count or block (R7, R10, R11): same institution and
        key, holding a slot; `year=None` for the lifetime (`term`) scope. One index lookup."""
        rows = self.filter(institution_id=institution_id, title_key=title_key).holding_slot()
        return rows if year is None else rows.filter(year=year)

    def with_unverified_key(self) -> RecordQuerySet:
        """Periodical copies keyed by a lone ISSN or a bare title: staff check and merge these."""
        return self.filter(key_source__in=Record.UNVERIFIED_KEY_SOURCES)

    def final(self) -> RecordQuerySet:
        return self.filter(status__in=Record.FINAL_STATUSES)

    def due_for_purge(self, when: date | datetime) -> RecordQuerySet:
        """What docs/copyright.md section 7 allows to delete: due, final, no unpaid fee, no hold.

        Due at a moment: the current date in the zone that dated the record is on or after its
        purge date (section 10, ruling 10). Due on a day (an operator's `--today`): the purge
        date is on or before it, the day read in each record's own zone."""
        when_due = Q(purge_at__lte=when) if isinstance(when, datetime) else Q(purge_on__lte=when)
        unpaid_fee = Q(permission_fee__gt=0, fee_paid=False)
        due = self.filter(when_due, legal_hold=False).final().exclude(unpaid_fee)
        for protection in PURGE_PROTECTIONS:
            due = due.exclude(protection())
        return due


class Record(models.Model):
    """The guideline 4 record of one request (loan or copy, whatever the outcome).

    `created_at`, `local_date`, `year`, `retain_until` and `purge_on` are fixed at creation, so a
    later change of COPYRIGHT_TIME_ZONE never re-buckets history or moves a purge date."""

    Service = RecordService
    WorkKind = RecordWorkKind
    Status = RecordStatus
    Outcome = RecordOutcome
    Statement = RecordStatement
    Basis = RecordBasis
    DeterminationKind = RecordDeterminationKind

    # A slot is held while accepted and not final, or once filled (docs/copyright.md section 1).
    HOLDING_STATUSES = tuple(sorted(RecordStatus(status) for status in HOLDING_SLOT))
    FINAL_STATUSES = (
        Status.FILLED,
        Status.CANCELLED,
        Status.UNFILLED,
        Status.REFUSED,
        Status.REJECTED,
        Status.CONVERTED_TO_LOAN,
    )
    UNVERIFIED_KEY_SOURCES = tuple(sorted(source.value for source in UNVERIFIED_SOURCES))

    institution = models.ForeignKey(
        "registration.Institution", on_delete=models.PROTECT, related_name="copyright_records"
    )
    service = models.CharField(max_length=8, choices=Service.choices)
    work_kind = models.CharField(max_length=16, choices=WorkKind.choices, blank=True)
    created_at = models.DateTimeField(editable=False, help_text="The request's creation time.")
    local_date = models.DateField(editable=False, help_text="In COPYRIGHT_TIME_ZONE, at creation.")
    year = models.PositiveSmallIntegerField(editable=False, help_text="The copyright year Y.")
    citation = models.JSONField(default=dict, help_text="The request's facts as entered.")
    title_key = models.CharField(max_length=600, blank=True)
    key_source = models.CharField(
        max_length=24, blank=True, help_text="Where the key came from (authority, ISSN, title...)."
    )
    statement = models.CharField(max_length=3, choices=Statement.choices, blank=True)
    basis = models.CharField(max_length=24, choices=Basis.choices, blank=True)
    status = models.CharField(
        max_length=24, choices=Status.choices, default=Status.ACCEPTED, db_index=True
    )
    outcome = models.CharField(
        max_length=20, choices=Outcome.choices, help_text="Of the latest decision."
    )
    counted = models.BooleanField(default=False, help_text="Of the latest decision.")
    permission_reference = models.CharField(max_length=200, blank=True)
    permission_confirmed = models.BooleanField(
        default=True,
        help_text="False while a reference the library entered waits for staff to confirm it; "
        "only a confirmed permission releases a copy (rule R2).",
    )
    key_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The staff member who confirmed a title key the rules doubted.",
    )
    permission_entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who entered the permission reference (the fee report shows it).",
    )
    permission_fee = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    fee_paid = models.BooleanField(default=False)
    determination_kind = models.CharField(
        max_length=24, choices=DeterminationKind.choices, blank=True
    )
    determination_note = models.TextField(blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    returned_at = models.DateTimeField(null=True, blank=True, help_text="Loans only.")
    retain_until = models.DateField(editable=False, help_text="31 December of Y + 3.")
    purge_on = models.DateField(editable=False, help_text="1 January of Y + 4.")
    time_zone = models.CharField(
        max_length=64,
        editable=False,
        help_text="COPYRIGHT_TIME_ZONE when the request was made: the zone of its local date, "
        "its year and its purge date.",
    )
    purge_at = models.DateTimeField(
        editable=False, help_text="The start of the purge date in the record's time zone."
    )
    legal_hold = models.BooleanField(default=False, help_text="Never purged while set.")
    legal_hold_reason = models.TextField(blank=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["institution", "title_key", "year"], name="record_prior_lookup"),
            models.Index(fields=["purge_at"], name="record_purge_at"),
            models.Index(fields=["permission_reference"], name="record_permission_ref"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("service", RecordService), name="record_service"
            ),
            models.CheckConstraint(
                condition=_in_choices("work_kind", RecordWorkKind, blank=True),
                name="record_work_kind",
            ),
            models.CheckConstraint(
                condition=_in_choices("status", RecordStatus), name="record_status"
            ),
            models.CheckConstraint(
                condition=_in_choices("outcome", RecordOutcome), name="record_outcome"
            ),
            models.CheckConstraint(
                condition=_in_choices("statement", RecordStatement, blank=True),
                name="record_statement",
            ),
            models.CheckConstraint(
                condition=_in_choices("basis", RecordBasis, blank=True), name="record_basis"
            ),
            models.CheckConstraint(
                condition=_in_choices("determination_kind", RecordDeterminationKind, blank=True),
                name="record_determination_kind",
            ),
            models.CheckConstraint(
                condition=Q(counted=False) | Q(outcome=Outcome.ACCEPT_CCG),
                name="record_counted_only_when_accepted_ccg",
            ),
            models.CheckConstraint(
                condition=Q(legal_hold=False) | ~Q(legal_hold_reason=""),
                name="record_legal_hold_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(permission_fee__isnull=True) | Q(permission_fee__gte=0),
                name="record_fee_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(retain_until__lt=models.F("purge_on")),
                name="record_retained_before_purge",
            ),
        ]

    def __str__(self) -> str:
        key = self.title_key or self.get_service_display()
        return f"Record {self.pk} ({key}, {self.year})"

    @property
    def holds_slot(self) -> bool:
        return self.status in self.HOLDING_STATUSES

    @property
    def counts_toward_limit(self) -> bool:
        """A counted request (docs/copyright.md section 1): accepted under CCG, counted, and
        still holding its slot."""
        return self.holds_slot and self.counted and self.outcome == Outcome.ACCEPT_CCG

    @property
    def counting_year(self) -> int | None:
        """The year whose requests count with this one; None for a work counted over its whole
        term (COPYRIGHT_NONPERIODICAL_SCOPE = term)."""
        lifetime = settings.COPYRIGHT_NONPERIODICAL_SCOPE == NonperiodicalScope.TERM
        return None if lifetime and self.work_kind == WorkKind.NON_PERIODICAL else self.year

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES

    @property
    def has_unpaid_fee(self) -> bool:
        return bool(self.permission_fee) and not self.fee_paid

    @property
    def key_to_confirm(self) -> bool:
        """Its latest decision holds it until staff confirm the title key (docs/copyright.md)."""
        decision = self.latest_decision
        return decision is not None and Flag.KEY_TO_CONFIRM in decision.flags

    @property
    def permission_to_confirm(self) -> bool:
        """A permission reference the library entered waits for staff to confirm it
        (docs/copyright.md section 5)."""
        return bool(self.permission_reference) and not self.permission_confirmed

    @property
    def rights_to_review(self) -> bool:
        """A reproduction order outside section 108 waits for the rights review (rule O2)."""
        decision = self.latest_decision
        return decision is not None and Flag.RIGHTS_TO_REVIEW in decision.flags

    @property
    def latest_decision(self) -> Decision | None:
        prefetched: list[Decision] | None = getattr(self, "decisions_newest_first", None)
        if prefetched is not None:
            return prefetched[0] if prefetched else None
        return self.decisions.order_by("-created_at", "-pk").first()


class RecordIdentifier(models.Model):
    """An identifier a record cites, normalized as the title authority stores it. When staff
    change the authority, these rows find the records whose stored key must follow it in one
    indexed query (docs/copyright.md section 1, "Keys follow the authority as it is now")."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=8, choices=IdentifierKind.choices)
    value = models.CharField(max_length=500)

    class Meta:
        indexes = [models.Index(fields=["kind", "value"], name="recordidentifier_lookup")]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "kind", "value"], name="recordidentifier_unique"
            ),
            models.CheckConstraint(
                condition=_in_choices("kind", IdentifierKind), name="recordidentifier_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"


class Decision(models.Model):
    """One evaluation of a record by the rules. Immutable: a re-evaluation is a new row (save()
    refuses updates, and a database trigger refuses UPDATE statements too)."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=20, choices=Record.Outcome.choices)
    rule = models.CharField(max_length=8, help_text="The rule that decided (R0-R11, O1).")
    counted = models.BooleanField(default=False)
    copy_number = models.PositiveIntegerField(null=True, blank=True)
    title_key = models.CharField(max_length=600, blank=True)
    counted_record_ids = models.JSONField(default=list, blank=True)
    flags = models.JSONField(default=list, blank=True)
    explanation = models.TextField()
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The staff member whose action caused this evaluation, if any.",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["record", "created_at"], name="decision_record_time")]
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("outcome", RecordOutcome), name="decision_outcome"
            ),
            models.CheckConstraint(
                condition=Q(counted=False) | Q(outcome=Outcome.ACCEPT_CCG),
                name="decision_counted_only_when_accepted_ccg",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} by {self.rule}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise ValueError("Decisions are immutable: record a new evaluation instead.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class RecordStatusChange(models.Model):
    """The status history of a record (docs/copyright.md section 7): who moved it, when, and why."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=24, choices=Record.Status.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=Record.Status.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["record", "at"], name="statuschange_record_time")]
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("to_status", RecordStatus), name="statuschange_to_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} -> {self.to_status}"
