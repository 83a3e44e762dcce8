"""Loan and copy requests from verified institutions, and their timeline.

A request's `status` is the office workflow state. The copyright counting status lives on its
`copyright_rules.Record` and is kept in step by the services (`set_record_status`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from copyright_rules.facts import Rights

if TYPE_CHECKING:
    from registration.models import Institution


class Service(models.TextChoices):
    LOAN = "loan", "Loan"
    COPY = "copy", "Copy"


class RequestType(models.TextChoices):
    """What the library asked for, in its own words: a copy of the office's own holdings is a
    reproduction order (`is_duplication`), not a copy request."""

    LOAN = "loan", "Loan request"
    COPY = "copy", "Copy request"
    REPRODUCTION = "reproduction", "Reproduction order"

    @property
    def service(self) -> str:
        """The service a request of this type is stored under."""
        return Service.LOAN if self is RequestType.LOAN else Service.COPY


# Each copyright outcome as a library reads it. Library pages and emails show these; only staff
# pages show the rule that decided (docs/copyright.md names the rules).
PLAIN_OUTCOMES: dict[str, str] = {
    "ACCEPT_CCG": "Accepted under CCG: within the CONTU guidelines",
    "ACCEPT_CCL": "Accepted under CCL: lawful on a basis other than the CONTU guidelines",
    "NEEDS_PERMISSION": "Held until copyright permission is obtained",
    "REFUSE": "Refused for copyright reasons",
    "REJECT_INCOMPLETE": "Incomplete: the citation needs more detail",
    "NOT_APPLICABLE": "No copyright check needed (a loan)",
}


class Status(models.TextChoices):
    NEW = "new", "New"
    AWAITING_CLEARANCE = "awaiting_clearance", "Held for copyright permission"
    IN_PROCESS = "in_process", "In process"
    CONDITIONAL = "conditional", "Conditional reply: waiting for you"
    QUOTED = "quoted", "Price quote: waiting for your approval"
    DELIVERED = "delivered", "Copy delivered"
    ON_LOAN = "on_loan", "On loan"
    OVERDUE = "overdue", "On loan, overdue"
    RETURNED = "returned", "Returned"
    LOST = "lost", "Lost"
    REFUSED = "refused", "Refused"
    CANCELLED = "cancelled", "Cancelled"


class RefusalReason(models.TextChoices):
    NOT_OWNED = "not_owned", "Not owned by the office"
    IN_USE = "in_use", "In use"
    TOO_FRAGILE = "too_fragile", "Too fragile to lend or copy"
    COPYRIGHT = "copyright", "Copyright"
    POLICY = "policy", "Office policy"


class DeliveryMethod(models.TextChoices):
    ELECTRONIC = "electronic", "Electronic (PDF download)"
    MAIL = "mail", "Mailed"


class Carrier(models.TextChoices):
    USPS = "usps", "USPS"
    UPS = "ups", "UPS"
    FEDEX = "fedex", "FedEx"
    DHL = "dhl", "DHL"
    COURIER = "courier", "Courier or library van"
    OTHER = "other", "Other"


class ReproductionFormat(models.TextChoices):
    """What the Library of Congress Duplication Services produce."""

    PAPER_PRINT = "paper_print", "Paper print"
    TIFF = "tiff", "TIFF image file"
    JPEG = "jpeg", "JPEG image file"
    PDF = "pdf", "PDF file"


class IntendedUse(models.TextChoices):
    PRIVATE_STUDY = "private_study", "Private study, scholarship or research"
    PUBLICATION = "publication", "Publication (print or online)"
    EXHIBITION = "exhibition", "Exhibition"
    BROADCAST = "broadcast", "Broadcast (film, television, streaming)"


class RightsStatus(models.TextChoices):
    """What the library states of the rights in the item: only an order for private study
    relying on section 108 is a guideline copy; the office reviews the rights of the others
    (docs/copyright.md section 4, "Reproduction orders")."""

    PUBLIC_DOMAIN = Rights.PUBLIC_DOMAIN, "No known restrictions: in the public domain"
    SECTION_108 = (
        Rights.SECTION_108,
        "Protected: a copy for private study, scholarship or research (section 108)",
    )
    PERMISSION = Rights.PERMISSION, "Protected, and we have the rights holder's permission"
    UNKNOWN = Rights.UNKNOWN, "Not known: we take responsibility, the office reviews the rights"


class WorkKind(models.TextChoices):
    PERIODICAL = "periodical", "An article from a journal, magazine or newspaper"
    NON_PERIODICAL = "non_periodical", "A chapter or part of a book or other work"


# The citation as staff may correct it on the desk (docs/desk.md, "Correcting a citation"), and
# which of its fields are facts the copyright rules decide on: the key (title, ISSN, ISBN, the
# holding's identifiers), the item (author, date, volume, issue, article) and the extent (pages).
CORRECTABLE_FIELDS = (
    "title",
    "article_title",
    "author",
    "publisher",
    "place",
    "publication_date",
    "edition",
    "volume",
    "issue",
    "pages",
    "total_pages",
    "issn",
    "isbn",
    "lccn",
    "oclc_number",
    "doi",
    "pmid",
)
COPYRIGHT_FACT_FIELDS = frozenset(
    {
        "title",
        "article_title",
        "author",
        "publication_date",
        "volume",
        "issue",
        "pages",
        "total_pages",
        "issn",
        "isbn",
    }
)


class RequestQuerySet(models.QuerySet["Request"]):
    def for_institution(self, institution: Institution) -> RequestQuerySet:
        return self.filter(institution=institution)

    def open(self) -> RequestQuerySet:
        return self.filter(status__in=Request.OPEN_STATUSES)

    def waiting_for_institution(self) -> RequestQuerySet:
        return self.filter(
            status__in=(Status.AWAITING_CLEARANCE, Status.CONDITIONAL, Status.QUOTED)
        )

    def loans_due_by(self, day: date) -> RequestQuerySet:
        return self.filter(status__in=Request.LOAN_OUT_STATUSES, due_date__lte=day)

    def of_type(self, request_type: str) -> RequestQuerySet:
        if request_type == RequestType.LOAN:
            return self.filter(service=Service.LOAN)
        duplication = request_type == RequestType.REPRODUCTION
        return self.filter(service=Service.COPY, is_duplication=duplication)

    def with_listing(self) -> RequestQuerySet:
        """What lists show, in one query: the institution, the claimant, the record's outcome."""
        return self.select_related("institution", "claimed_by", "record")

    def likely_duplicates_of(self, request: Request) -> RequestQuerySet:
        """Same institution and citation within the last 12 months (a warning, never a block)."""
        since = request.created_at - timedelta(days=365)
        same = self.filter(
            institution_id=request.institution_id,
            service=request.service,
            title__iexact=request.title,
            article_title__iexact=request.article_title,
            volume=request.volume,
            issue=request.issue,
            created_at__gte=since,
        )
        return same.exclude(pk=request.pk).exclude(status=Status.CANCELLED)

    def expired_files(self, now: datetime) -> RequestQuerySet:
        return self.exclude(delivered_file="").filter(file_expires_at__lte=now)


# A loan whose library asked for a renewal that staff have not answered yet (renewing, declining,
# recalling, the return and marking it lost all end it). One definition for the desk's queue and
# the partial index that serves it.
RENEWAL_PENDING = Q(renewal_requested_at__isnull=False)


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

    OPEN_STATUSES = (
        Status.NEW,
        Status.AWAITING_CLEARANCE,
        Status.IN_PROCESS,
        Status.CONDITIONAL,
        Status.QUOTED,
        Status.ON_LOAN,
        Status.OVERDUE,
    )
    LOAN_OUT_STATUSES = (Status.ON_LOAN, Status.OVERDUE)
    # Work that is done: the desk's finished queue; nothing is fetched, claimed or wrapped for it.
    FINISHED_STATUSES = (Status.RETURNED, Status.LOST, Status.REFUSED, Status.CANCELLED)
    # "Cancel while not yet in process" (the institution's own cancel).
    CANCELLABLE_BY_INSTITUTION = (
        Status.NEW,
        Status.AWAITING_CLEARANCE,
        Status.CONDITIONAL,
        Status.QUOTED,
    )

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
                condition=~Q(status="refused") | ~Q(refusal_reason=""),
                name="request_refused_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["on_loan", "overdue"]) | Q(due_date__isnull=False),
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
                condition=~Q(status="quoted") | Q(quote_amount__isnull=False),
                name="request_quoted_has_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_type.label} {self.pk}: {self.citation_title}"

    @classmethod
    def purged_with(cls) -> list[tuple[models.QuerySet[Any], str]]:
        """Rows naming a request by its id without a foreign key, deleted when the copyright
        purge deletes the request (docs/copyright.md section 7): its emails' outbox rows."""
        from registration.models import OutboxMessage
        from requests_app.emails import EMAILS

        return [(OutboxMessage.objects.filter(email__in=list(EMAILS)), "target_id")]

    def validate_constraints(self, exclude: Any = None) -> None:
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
    def is_finished(self) -> bool:
        return self.status in self.FINISHED_STATUSES

    @property
    def facts_locked(self) -> bool:
        """A copy supplied, or a request finished: its copyright facts stay as they were decided
        and counted; staff may still correct the rest of the citation."""
        return self.is_copy and (self.status == Status.DELIVERED or self.is_finished)

    @property
    def use_restrictions(self) -> list[str]:
        """The use restrictions of a loan, as the slip and the book band print them."""
        found = ["Library use only"] if self.library_use_only else []
        found += ["No copying"] if self.no_copying else []
        return found + ([self.restriction_note] if self.restriction_note else [])

    @property
    def cancellable_by_institution(self) -> bool:
        return self.status in self.CANCELLABLE_BY_INSTITUTION

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


class Action(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    CLAIMED = "claimed", "Claimed"
    ACCEPTED = "accepted", "Accepted"
    CONDITIONAL = "conditional", "Conditional reply"
    CONDITIONS_ACCEPTED = "conditions_accepted", "Conditions accepted"
    CONDITIONS_DECLINED = "conditions_declined", "Conditions declined"
    FILLED = "filled", "Copy delivered"
    SHIPPED = "shipped", "Shipped"
    RETURNED = "returned", "Returned"
    HOLDING = "holding", "Call number and location recorded"
    CITATION_CORRECTED = "citation_corrected", "Citation corrected"
    RENEWED = "renewed", "Renewed"
    RENEWAL_REQUESTED = "renewal_requested", "Renewal asked for"
    RENEWAL_DECLINED = "renewal_declined", "Renewal declined"
    RECALLED = "recalled", "Recalled"
    LOST = "lost", "Marked lost"
    OVERDUE = "overdue", "Overdue"
    OVERDUE_NOTICE = "overdue_notice", "Overdue notice sent"
    REFUSED = "refused", "Refused"
    CANCELLED = "cancelled", "Cancelled"
    PERMISSION = "permission", "Permission recorded"
    DETERMINATION = "determination", "Staff copyright determination"
    REEVALUATED = "reevaluated", "Copyright re-evaluated"
    FILE_REMOVED = "file_removed", "Delivered file removed"
    QUOTE_SENT = "quote_sent", "Price quote sent"
    QUOTE_APPROVED = "quote_approved", "Price quote approved"
    QUOTE_DECLINED = "quote_declined", "Price quote declined"
    MESSAGE = "message", "Message from the office"
    LIBRARY_MESSAGE = "library_message", "Message from the library"
    STAFF_NOTE = "staff_note", "Staff note"
    EMAIL_FAILED = "email_failed", "Email not delivered"

    @classmethod
    def conversation(cls) -> tuple[str, ...]:
        return (cls.MESSAGE, cls.LIBRARY_MESSAGE)

    @classmethod
    def staff_only(cls) -> tuple[str, ...]:
        """Events the library never sees, on any page or in any email: who claimed the request,
        where the office shelves the item (call number and location), staff notes, and the
        office's own email troubles."""
        return (cls.CLAIMED, cls.HOLDING, cls.STAFF_NOTE, cls.EMAIL_FAILED)


# A library's message no one on staff has opened yet: one definition for the query and the
# partial index that serves it.
UNREAD_LIBRARY_MESSAGE = Q(action=Action.LIBRARY_MESSAGE, read_at__isnull=True)


class RequestEventQuerySet(models.QuerySet["RequestEvent"]):
    def for_library(self) -> RequestEventQuerySet:
        return self.exclude(action__in=Action.staff_only())

    def unread_library_messages(self) -> RequestEventQuerySet:
        return self.filter(UNREAD_LIBRARY_MESSAGE)


class RequestEvent(models.Model):
    """The timeline: every transition and message, with who and when. Never edited."""

    Action = Action

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=24, choices=Action.choices)
    from_status = models.CharField(max_length=24, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=Status.choices, blank=True)
    text = models.TextField(blank=True, help_text="Shown to the library (unless staff-only).")
    staff_note = models.TextField(
        blank=True, help_text="Seen by staff only: never on a library page or in an email."
    )
    read_at = models.DateTimeField(
        null=True, blank=True, help_text="When staff first opened a library's message."
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for the system's own scheduled tasks.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = RequestEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["request", "created_at"], name="requestevent_timeline"),
            # The library messages no one on staff has opened (the staff home, the queues): a
            # few rows, however long the timelines grow.
            models.Index(
                fields=["created_at"],
                condition=UNREAD_LIBRARY_MESSAGE,
                name="requestevent_unread",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=Action.values), name="requestevent_action_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.created_at:%Y-%m-%d %H:%M}"


# --- The statistics' per-day tallies (kept by requests_app.tallies, read by requests_app.stats) --


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


# The ISO 18626 models live with their protocol code; importing them here registers them with
# this app.
from requests_app.iso18626.models import IsoMessage, IsoPartner, IsoTransaction  # noqa: E402, F401
