"""A loan or copy request of a verified institution.

A request's `status` is the office workflow state (requests_app/models/status.py). The copyright
counting status lives on its `copyright_rules.Record` and is kept in step by the services
(`set_record_status`)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from requests_app.models import status as table
from requests_app.models.choices import (
    Carrier,
    DeliveryMethod,
    IntendedUse,
    RefusalReason,
    ReproductionFormat,
    RequestEmail,
    RequestType,
    RightsStatus,
    Service,
    WorkKind,
)
from requests_app.models.queries import RENEWAL_PENDING, RequestQuerySet
from requests_app.models.status import Status, StatusRow

if TYPE_CHECKING:
    from registration.models import OutboxMessage


class Request(models.Model):
    """One loan or copy request of one institution. The citation fields are what the librarian
    typed; the copyright decision and record live on `record`."""

    Service = Service
    Status = Status
    RefusalReason = RefusalReason
    DeliveryMethod = DeliveryMethod
    WorkKind = WorkKind
    Carrier = Carrier
    ReproductionFormat = ReproductionFormat
    IntendedUse = IntendedUse
    RightsStatus = RightsStatus

    # Columns of the status table, by the names the services use.
    OPEN_STATUSES = table.OPEN
    LOAN_OUT_STATUSES = table.LOAN_OUT
    FINISHED_STATUSES = table.FINISHED
    CANCELLABLE_BY_INSTITUTION = table.CANCELLABLE_BY_INSTITUTION

    institution = models.ForeignKey(
        "registration.Institution", on_delete=models.PROTECT, related_name="requests"
    )
    record = models.OneToOneField(
        "copyright_rules.Record",
        on_delete=models.CASCADE,
        related_name="request",
        help_text="The copyright record; purging it removes the request.",
    )
    service = models.CharField(max_length=8, choices=Service.choices)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(
        default=timezone.now,
        help_text="Moved by every change to the request: the statistics refresh relies on it.",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    # The citation.
    work_kind = models.CharField(max_length=16, choices=WorkKind.choices, blank=True)
    title = models.CharField("journal or book title", max_length=500, blank=True)
    article_title = models.CharField("article or chapter title", max_length=500, blank=True)
    author = models.CharField(max_length=300, blank=True)
    publisher = models.CharField(max_length=300, blank=True)
    place = models.CharField("place of publication", max_length=200, blank=True)
    publication_date = models.CharField("date or year", max_length=10, blank=True)
    edition = models.CharField(max_length=100, blank=True)
    language = models.CharField(
        "language of the text",
        max_length=35,
        blank=True,
        help_text="As the citation gives it: an ISO 639 code or the language's English name.",
    )
    isbn = models.CharField("ISBN", max_length=17, blank=True)
    issn = models.CharField("ISSN", max_length=9, blank=True)
    lccn = models.CharField("LCCN", max_length=12, blank=True, help_text="Normalised.")
    oclc_number = models.CharField("OCLC number", max_length=20, blank=True)
    doi = models.CharField(
        "DOI", max_length=200, blank=True, help_text="Without a https://doi.org/ prefix."
    )
    pmid = models.CharField("PubMed id (PMID)", max_length=9, blank=True)
    call_number = models.CharField(
        max_length=100,
        blank=True,
        help_text="As the library cited it: another library's number, never printed as ours.",
    )
    volume = models.CharField("volume(s)", max_length=100, blank=True)
    issue = models.CharField(max_length=50, blank=True)
    pages = models.CharField(max_length=100, blank=True)
    pages_requested = models.PositiveIntegerField(null=True, blank=True)
    total_pages = models.PositiveIntegerField(null=True, blank=True)
    reproduction_number = models.CharField(max_length=100, blank=True)
    digital_id = models.CharField("digital id", max_length=200, blank=True)
    is_duplication = models.BooleanField(
        default=False, help_text="A reproduction of the office's own holdings."
    )

    # A reproduction order: what to make, for what use, and its price quote.
    reproduction_format = models.CharField(
        "format", max_length=12, choices=ReproductionFormat.choices, blank=True
    )
    resolution = models.CharField(max_length=40, blank=True)
    size = models.CharField(max_length=60, blank=True)
    quantity = models.PositiveSmallIntegerField(default=1)
    intended_use = models.CharField(max_length=16, choices=IntendedUse.choices, blank=True)
    credit_line = models.CharField(max_length=300, blank=True)
    rights = models.CharField(
        "rights in the item", max_length=16, choices=RightsStatus.choices, blank=True
    )
    quote_amount = models.DecimalField(
        "quoted price (US dollars)", max_digits=9, decimal_places=2, null=True, blank=True
    )
    quote_note = models.TextField(blank=True, help_text="What the quoted price covers.")
    quote_approved_at = models.DateTimeField(null=True, blank=True)

    # What the institution asked for and stated.
    need_by = models.DateField(null=True, blank=True)
    max_cost = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    delivery_preference = models.CharField(
        "how the copy should come",
        max_length=12,
        choices=DeliveryMethod.choices,
        blank=True,
        help_text="Asked of copies: electronic or mailed.",
    )
    delivery_address = models.TextField(
        "delivery address asked for",
        blank=True,
        help_text="Where the library's system asked a copy to go (ISO 18626 requestedDeliveryInfo)."
        " Shown to staff; deliveries still go to the verified contact.",
    )
    delivery_notes = models.TextField(blank=True)
    patron_ref = models.CharField(
        "your reference", max_length=100, blank=True, help_text="The library's own reference."
    )
    patron_id = models.CharField(
        "patron identifier",
        max_length=100,
        blank=True,
        help_text="Who the copy is for: the patron of the one-article-per-issue rule (R7).",
    )
    tried_elsewhere = models.BooleanField(default=False)

    # Staff processing.
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    conditions = models.TextField(blank=True, help_text="The conditional reply, if any.")
    refusal_reason = models.CharField(max_length=16, choices=RefusalReason.choices, blank=True)
    reason = models.TextField(blank=True, help_text="Why it was refused or cancelled.")
    delivery_method = models.CharField(max_length=12, choices=DeliveryMethod.choices, blank=True)
    delivered_file = models.FileField(upload_to="deliveries/%Y/%m/", blank=True)
    file_expires_at = models.DateTimeField(null=True, blank=True)
    supplied_at = models.DateTimeField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    renewals = models.PositiveSmallIntegerField(default=0)
    renewal_requested_at = models.DateTimeField(
        null=True, blank=True, help_text="When the library asked for a renewal not yet answered."
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    recalled_at = models.DateTimeField(
        null=True, blank=True, help_text="When the office recalled the loan (until a renewal)."
    )
    withdrawn = models.BooleanField(
        default=False,
        help_text="Cancelled by the library (withdrawn, or its conditions or quote declined): "
        "not counted against the fill rate.",
    )
    return_condition = models.TextField(blank=True, help_text="The item's condition on return.")

    # Where the item is in the office's stacks (from the catalog, docs/catalog.md, or typed by
    # staff), and how a loan travels.
    shelf_call_number = models.CharField(
        "the office's call number",
        max_length=100,
        blank=True,
        help_text="Printed on pull slips and book bands.",
    )
    location = models.CharField("shelf location", max_length=200, blank=True)
    library_use_only = models.BooleanField(default=False)
    no_copying = models.BooleanField(default=False)
    restriction_note = models.CharField("other use restriction", max_length=300, blank=True)
    carrier = models.CharField(max_length=12, choices=Carrier.choices, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    pieces = models.PositiveSmallIntegerField("number of pieces", default=1)
    overdue_notices_sent = models.PositiveSmallIntegerField(default=0)
    due_soon_sent_for = models.DateField(
        null=True, blank=True, help_text="The due date the due-soon reminder was sent for."
    )

    # Derived by requests_app.search.columns from the fields above, for the search box.
    search_keys = models.TextField(
        blank=True, editable=False, help_text="The identifiers, normalised: ' KEY1 KEY2 '."
    )
    search_text = models.TextField(
        blank=True, editable=False, help_text="Title, article title and author, lower case."
    )

    objects = RequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["institution", "-created_at"], name="request_inst_created"),
            models.Index(fields=["institution", "status"], name="request_inst_status"),
            models.Index(fields=["status", "created_at"], name="request_status_created"),
            models.Index(fields=["status", "due_date"], name="request_status_due"),
            models.Index(fields=["institution", "title"], name="request_inst_title"),
            # The finished queue (four statuses, most of the table) read newest first.
            models.Index(fields=["created_at", "id"], name="request_created"),
            # The statistics refresh finds the requests changed since it last ran.
            models.Index(fields=["updated_at"], name="request_updated"),
            # The renewal requests queue, oldest first: a few rows, however large the table.
            models.Index(
                fields=["renewal_requested_at", "id"],
                condition=RENEWAL_PENDING,
                name="request_renewal_pending",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(service__in=Service.values), name="request_service_valid"
            ),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="request_status"),
            models.CheckConstraint(
                condition=Q(refusal_reason__in=[*RefusalReason.values, ""]),
                name="request_refusal_reason_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.REFUSED) | ~Q(refusal_reason=""),
                name="request_refused_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=list(table.LOAN_OUT)) | Q(due_date__isnull=False),
                name="request_loan_out_has_due_date",
            ),
            models.CheckConstraint(
                condition=Q(service="copy") | Q(delivered_file=""),
                name="request_only_copies_have_files",
            ),
            models.CheckConstraint(
                condition=Q(carrier__in=[*Carrier.values, ""]), name="request_carrier_valid"
            ),
            models.CheckConstraint(
                condition=Q(delivery_preference__in=[*DeliveryMethod.values, ""]),
                name="request_delivery_preference_valid",
            ),
            models.CheckConstraint(condition=Q(pieces__gte=1), name="request_pieces_at_least_one"),
            models.CheckConstraint(
                condition=Q(reproduction_format__in=[*ReproductionFormat.values, ""])
                & Q(intended_use__in=[*IntendedUse.values, ""])
                & Q(rights__in=[*RightsStatus.values, ""]),
                name="request_reproduction_choices_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.QUOTED) | Q(quote_amount__isnull=False),
                name="request_quoted_has_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_type.label} {self.pk}: {self.citation_title}"

    @classmethod
    def purged_with(cls) -> list[tuple[models.QuerySet[OutboxMessage], str]]:
        """Rows naming a request by its id without a foreign key, deleted when the copyright
        purge deletes the request (docs/copyright.md section 7): its emails' outbox rows."""
        from registration.models import OutboxMessage

        return [(OutboxMessage.objects.filter(email__in=list(RequestEmail)), "target_id")]

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        # Every constraint above guards a value that only the workflow services set (service,
        # status, refusal reason, due date, delivered file), never a form field, and the database
        # enforces them all. Checking them in Python builds a query per constraint on every
        # submission: most of the copy form's validation time, measured by the benchmark.
        return

    @property
    def citation_title(self) -> str:
        return self.article_title or self.title or self.reproduction_number or self.digital_id

    @property
    def request_type(self) -> RequestType:
        if self.service == Service.LOAN:
            return RequestType.LOAN
        return RequestType.REPRODUCTION if self.is_duplication else RequestType.COPY

    @property
    def journal_title(self) -> str:
        """The journal or book an article or chapter is from (empty when the title is the item)."""
        return self.title if self.article_title else ""

    @property
    def is_copy(self) -> bool:
        return self.service == Service.COPY

    @property
    def status_row(self) -> StatusRow:
        """What the status means (requests_app/models/status.py): templates read its columns
        (`item.status_row.held`), never compare status names."""
        return table.row_of(self.status)

    @property
    def is_finished(self) -> bool:
        return self.status_row.finished

    @property
    def facts_locked(self) -> bool:
        """A copy supplied, or a request finished: its copyright facts stay as they were decided
        and counted; staff may still correct the rest of the citation."""
        return self.is_copy and (self.status_row.supplied or self.is_finished)

    @property
    def use_restrictions(self) -> list[str]:
        """The use restrictions of a loan, as the slip and the book band print them."""
        found = ["Library use only"] if self.library_use_only else []
        found += ["No copying"] if self.no_copying else []
        return found + ([self.restriction_note] if self.restriction_note else [])

    @property
    def cancellable_by_institution(self) -> bool:
        return self.status_row.library_may_cancel

    @property
    def renewal_opens_on(self) -> date | None:
        """The first day the library may ask for a renewal (REQUESTS_RENEWAL_WINDOW_DAYS before
        the due date); None when this loan cannot be renewed from the portal at all."""
        if self.status != Status.ON_LOAN or self.due_date is None:
            return None
        if self.renewals >= settings.REQUESTS_RENEWALS_MAX or self.renewal_requested_at:
            return None
        return self.due_date - timedelta(days=settings.REQUESTS_RENEWAL_WINDOW_DAYS)

    @property
    def renewal_open_to_library(self) -> bool:
        """Before the due date, inside the window, under the limit, none pending."""
        opens = self.renewal_opens_on
        today = timezone.localdate()
        return opens is not None and self.due_date is not None and opens <= today <= self.due_date

    @property
    def file_available(self) -> bool:
        return bool(self.delivered_file) and bool(
            self.file_expires_at and self.file_expires_at > timezone.now()
        )
