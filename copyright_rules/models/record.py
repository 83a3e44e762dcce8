"""The guideline 4 record of a request (docs/copyright.md section 7), and the identifiers it
cites. Counting is always derived from rows (a record's latest decision and its status), never
from a stored integer that could drift."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Exists, Q

from copyright_rules.configuration import NonperiodicalScope
from copyright_rules.facts import (
    Basis,
    DeterminationKind,
    Flag,
    Outcome,
    Service,
    Statement,
    WorkKind,
)
from copyright_rules.keys import IDENTIFIER_KIND_LABELS, UNVERIFIED_SOURCES, IdentifierKind
from copyright_rules.models.choices import in_choices
from copyright_rules.vocabulary import (
    BASIS_LABELS,
    DETERMINATION_LABELS,
    FLAG_LABELS,
    HOLDING_SLOT,
    OUTCOME_LABELS,
    SERVICE_LABELS,
    STATEMENT_LABELS,
    STATUS_LABELS,
    WORK_KIND_LABELS,
    Status,
)

if TYPE_CHECKING:
    from copyright_rules.models.log import Decision
    from registration.models import Institution

# What staff record with the desk's "Record a 107 or 108(e) determination"; the rights review
# of a reproduction order records the others (docs/copyright.md section 5). As form choices.
LEGAL_DETERMINATIONS = [
    (kind.value, DETERMINATION_LABELS[kind])
    for kind in (DeterminationKind.FAIR_USE, DeterminationKind.S108E)
]
RIGHTS_FINDINGS = [
    (kind.value, DETERMINATION_LABELS[kind])
    for kind in (DeterminationKind.NO_KNOWN_RESTRICTIONS, DeterminationKind.PUBLIC_DOMAIN)
]


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

    Service = Service
    WorkKind = WorkKind
    Status = Status
    Outcome = Outcome
    Statement = Statement
    Basis = Basis
    DeterminationKind = DeterminationKind

    # A slot is held while accepted and not final, or once filled (docs/copyright.md section 1).
    HOLDING_STATUSES = tuple(sorted(Status(status) for status in HOLDING_SLOT))
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
    service = models.CharField(max_length=8, choices=SERVICE_LABELS)
    work_kind = models.CharField(max_length=16, choices=WORK_KIND_LABELS, blank=True)
    created_at = models.DateTimeField(editable=False, help_text="The request's creation time.")
    local_date = models.DateField(editable=False, help_text="In COPYRIGHT_TIME_ZONE, at creation.")
    year = models.PositiveSmallIntegerField(editable=False, help_text="The copyright year Y.")
    citation = models.JSONField(default=dict, help_text="The request's facts as entered.")
    title_key = models.CharField(max_length=600, blank=True)
    key_source = models.CharField(
        max_length=24, blank=True, help_text="Where the key came from (authority, ISSN, title...)."
    )
    statement = models.CharField(max_length=3, choices=STATEMENT_LABELS, blank=True)
    basis = models.CharField(max_length=24, choices=BASIS_LABELS, blank=True)
    status = models.CharField(
        max_length=24, choices=STATUS_LABELS, default=Status.ACCEPTED, db_index=True
    )
    outcome = models.CharField(
        max_length=20, choices=OUTCOME_LABELS, help_text="Of the latest decision."
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
    determination_kind = models.CharField(max_length=24, choices=DETERMINATION_LABELS, blank=True)
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
            models.CheckConstraint(condition=in_choices("service", Service), name="record_service"),
            models.CheckConstraint(
                condition=in_choices("work_kind", WorkKind, blank=True),
                name="record_work_kind",
            ),
            models.CheckConstraint(condition=in_choices("status", Status), name="record_status"),
            models.CheckConstraint(condition=in_choices("outcome", Outcome), name="record_outcome"),
            models.CheckConstraint(
                condition=in_choices("statement", Statement, blank=True),
                name="record_statement",
            ),
            models.CheckConstraint(
                condition=in_choices("basis", Basis, blank=True), name="record_basis"
            ),
            models.CheckConstraint(
                condition=in_choices("determination_kind", DeterminationKind, blank=True),
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
    def waiting_for(self) -> Flag | None:
        """What a held request waits for staff to do, the clearance queue's tag: confirm the
        library's permission, review the rights, or confirm the title key."""
        if self.permission_to_confirm:
            return Flag.PERMISSION_TO_CONFIRM
        if self.rights_to_review:
            return Flag.RIGHTS_TO_REVIEW
        return Flag.KEY_TO_CONFIRM if self.key_to_confirm else None

    @property
    def waiting_for_label(self) -> str:
        return FLAG_LABELS[self.waiting_for] if self.waiting_for else ""

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
    kind = models.CharField(max_length=8, choices=IDENTIFIER_KIND_LABELS)
    value = models.CharField(max_length=500)

    class Meta:
        indexes = [models.Index(fields=["kind", "value"], name="recordidentifier_lookup")]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "kind", "value"], name="recordidentifier_unique"
            ),
            models.CheckConstraint(
                condition=in_choices("kind", IdentifierKind), name="recordidentifier_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"
