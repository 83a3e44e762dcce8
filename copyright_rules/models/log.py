"""The record's history: each evaluation by the rules (immutable) and each status change."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from copyright_rules.facts import Outcome
from copyright_rules.models.choices import in_choices
from copyright_rules.models.record import Record
from copyright_rules.vocabulary import OUTCOME_LABELS, STATUS_LABELS, Status


class Decision(models.Model):
    """One evaluation of a record by the rules. Immutable: a re-evaluation is a new row (save()
    refuses updates, and a database trigger refuses UPDATE statements too)."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=20, choices=OUTCOME_LABELS)
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
                condition=in_choices("outcome", Outcome), name="decision_outcome"
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
    from_status = models.CharField(max_length=24, choices=STATUS_LABELS, blank=True)
    to_status = models.CharField(max_length=24, choices=STATUS_LABELS)
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
                condition=in_choices("to_status", Status), name="statuschange_to_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} -> {self.to_status}"
