"""The statistics' per-day tallies, kept by requests_app.tallies and read by requests_app.stats
(docs/desk.md, "Statistics")."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class DayTally(models.Model):
    """The requests created on one day (in the office's time zone) that share a service, a
    status, a refusal reason and a copyright outcome: how many, and the permission fees their
    records hold. Derived from the requests; `refresh_statistics --all` rebuilds every row."""

    day = models.DateField()
    service = models.CharField(max_length=8)
    is_duplication = models.BooleanField(default=False, help_text="Reproduction orders.")
    status = models.CharField(max_length=24)
    refusal_reason = models.CharField(max_length=16, blank=True)
    withdrawn = models.BooleanField(default=False, help_text="Cancelled by the library.")
    outcome = models.CharField(max_length=20, help_text="The copyright record's outcome.")
    requests = models.PositiveIntegerField()
    fees = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, help_text="Empty when none of them has a fee."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "day",
                    "service",
                    "is_duplication",
                    "status",
                    "refusal_reason",
                    "withdrawn",
                    "outcome",
                ],
                name="daytally_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.requests} {self.service} {self.status}"


class InstitutionDayTally(models.Model):
    """The requests one institution submitted on one day (kept apart from `DayTally`, whose
    rows it would multiply by the number of institutions)."""

    day = models.DateField()
    institution = models.ForeignKey(
        "registration.Institution", on_delete=models.CASCADE, related_name="+"
    )
    requests = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "institution"], name="institutiondaytally_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.requests} of institution {self.institution_id}"


class TurnaroundTally(models.Model):
    """The supplied requests created on one day, by whole hours from submission to supply: the
    histogram the median and 90th percentile turnaround are read from."""

    day = models.DateField()
    service = models.CharField(max_length=8)
    is_duplication = models.BooleanField(default=False, help_text="Reproduction orders.")
    hours = models.IntegerField()
    requests = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "service", "is_duplication", "hours"],
                name="turnaroundtally_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.requests} supplied in {self.hours} h"


class TallyRefresh(models.Model):
    """The one row saying how fresh the tallies are; the refresh locks it while it works."""

    refreshed_at = models.DateTimeField(
        null=True, help_text="When the last refresh started: every change before it is counted."
    )
    time_zone = models.CharField(
        max_length=64, blank=True, help_text="The time zone whose days the tallies count."
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="tallyrefresh_one_row")]

    def __str__(self) -> str:
        return f"Statistics as of {self.refreshed_at}"
