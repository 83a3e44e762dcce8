"""What the office's catalog says about each request: the lookup (when, by what, whether it
failed and when it is tried again) and its candidate holdings, best first (docs/catalog.md)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class State(models.TextChoices):
    FOUND = "found", "Found in the catalog"
    NOT_FOUND = "not_found", "Not found in the catalog"
    FAILED = "failed", "The catalog could not be asked"


class Availability(models.TextChoices):
    AVAILABLE = "available", "On the shelf"
    CHECKED_OUT = "checked_out", "Checked out"
    UNKNOWN = "unknown", "Not known"


class MatchedBy(models.TextChoices):
    """What a lookup searched by, strongest first: the order it tries them in."""

    # Our own record's id (001), when a partner's ISO 18626 request names it
    # (supplierUniqueRecordId): it names the record itself, so it is tried before all else.
    RECORD = "record", "our record id"
    LCCN = "lccn", "LCCN"
    OCLC = "oclc", "OCLC number"
    ISBN = "isbn", "ISBN"
    ISSN = "issn", "ISSN"
    TITLE = "title", "title and author"


class Suggestion(models.TextChoices):
    """What the holdings suggest staff do: staff decide (docs/catalog.md, "Suggestions")."""

    NOT_OWNED = "not_owned", "Refuse: not owned"
    IN_USE = "in_use", "Refuse: in use"
    PULL = "pull", "Claim and pull it from the shelf"


class LookupQuerySet(models.QuerySet["Lookup"]):
    def retry_due(self, now: object) -> LookupQuerySet:
        return self.filter(state=State.FAILED, retry_at__lte=now)


class Lookup(models.Model):
    """The latest catalog lookup of one request; a new lookup replaces it and its candidates."""

    State = State
    Suggestion = Suggestion

    request = models.OneToOneField(
        "requests_app.Request", on_delete=models.CASCADE, related_name="catalog_lookup"
    )
    state = models.CharField(max_length=12, choices=State.choices)
    looked_up_at = models.DateTimeField(
        null=True, blank=True, help_text="When the catalog last answered (the candidates' time)."
    )
    failed_at = models.DateTimeField(null=True, blank=True, help_text="When it last failed.")
    searched = models.CharField(
        max_length=300, blank=True, help_text="What was searched for, in the order tried."
    )
    matched_by = models.CharField(max_length=8, choices=MatchedBy.choices, blank=True)
    error = models.CharField(max_length=300, blank=True, help_text="Why the lookup failed.")
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Failed attempts in a row; reset by a lookup that got an answer."
    )
    retry_at = models.DateTimeField(
        null=True, blank=True, help_text="When a failed lookup is tried again (empty: not again)."
    )
    suggestion = models.CharField(max_length=12, choices=Suggestion.choices, blank=True)
    suggestion_note = models.CharField(max_length=300, blank=True)
    clear = models.BooleanField(
        default=False, help_text="The suggestion is clear enough to answer automatically."
    )

    objects = LookupQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["retry_at"], condition=Q(state="failed"), name="lookup_retry_due")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=State.values), name="lookup_state"),
            models.CheckConstraint(
                condition=Q(suggestion__in=[*Suggestion.values, ""]), name="lookup_suggestion"
            ),
            models.CheckConstraint(
                condition=Q(state="failed") | Q(retry_at__isnull=True),
                name="lookup_only_failures_retry",
            ),
        ]

    def __str__(self) -> str:
        return f"Request {self.request_id}: {self.get_state_display()}"


class Candidate(models.Model):
    """One holding the catalog has that may be what the request asks for: where it is, what it
    covers and whether it can go out now."""

    Availability = Availability

    lookup = models.ForeignKey(Lookup, on_delete=models.CASCADE, related_name="candidates")
    rank = models.PositiveSmallIntegerField(help_text="1 is the best.")
    record_id = models.CharField("catalog record", max_length=60, blank=True)
    title = models.CharField(max_length=500, blank=True)
    call_number = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=200, blank=True)
    holdings = models.CharField(
        "holdings statement", max_length=500, blank=True, help_text="866-868, as catalogued."
    )
    availability = models.CharField(max_length=12, choices=Availability.choices)
    due_date = models.DateField(null=True, blank=True)
    covers = models.BooleanField(
        null=True, help_text="Whether it holds the volume or year asked for (empty: not known)."
    )
    why = models.CharField(max_length=300, help_text="Why it ranks where it does.")
    confirmed = models.BooleanField(
        default=False,
        help_text="Staff confirmed it: its call number and location are the request's.",
    )

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["lookup", "rank"], name="candidate_rank_unique"),
            models.CheckConstraint(
                condition=Q(availability__in=Availability.values), name="candidate_availability"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call_number or 'no call number'} ({self.location or 'no location'})"
