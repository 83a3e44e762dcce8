"""The fee schedule, the ledger of charges and the invoices that bill them (docs/fees.md).

Amounts are `Decimal` in a currency of `Currency`; the database refuses a negative charge and a
charge without its institution or request. Every change to a charge is a `ChargeEvent`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

ZERO = Decimal("0.00")


class Currency(models.TextChoices):
    """The ISO 4217 currencies the office bills in."""

    USD = "USD", "US dollar"
    CAD = "CAD", "Canadian dollar"
    EUR = "EUR", "Euro"
    GBP = "GBP", "Pound sterling"


class FeeService(models.TextChoices):
    """What a fee is charged for: one row of the schedule each."""

    LOAN = "loan", "Loan"
    ARTICLE = "article", "Article copy"
    CHAPTER = "chapter", "Chapter or part of a work"
    REPRODUCTION_PAPER_PRINT = "reproduction_paper_print", "Reproduction: paper print"
    REPRODUCTION_TIFF = "reproduction_tiff", "Reproduction: TIFF image file"
    REPRODUCTION_JPEG = "reproduction_jpeg", "Reproduction: JPEG image file"
    REPRODUCTION_PDF = "reproduction_pdf", "Reproduction: PDF file"
    LOST_LOAN = "lost_loan", "Replacement of a lost loan"


class ChargeKind(models.TextChoices):
    SUPPLY = "supply", "Supply"
    QUOTE = "quote", "Approved price quote"
    REPLACEMENT = "replacement", "Replacement of a lost item"


class PaymentMethod(models.TextChoices):
    CHECK = "check", "Check"
    CARD = "card", "Card (reference)"
    IFM = "ifm", "OCLC IFM"
    IFLA_VOUCHER = "ifla_voucher", "IFLA voucher"
    DEPOSIT_ACCOUNT = "deposit_account", "Deposit account"


class Fee(models.Model):
    """One row of the fee schedule: base + per page beyond those included + rush."""

    service = models.CharField(max_length=32, choices=FeeService.choices, unique=True)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.USD)
    base = models.DecimalField(max_digits=9, decimal_places=2, default=ZERO)
    pages_included = models.PositiveIntegerField(
        default=0, help_text="Pages the base covers; each further page costs the per-page part."
    )
    per_page = models.DecimalField(max_digits=9, decimal_places=2, default=ZERO)
    rush = models.DecimalField(
        max_digits=9, decimal_places=2, default=ZERO, help_text="Added when the work is rushed."
    )
    rush_within_days = models.PositiveSmallIntegerField(
        default=3, help_text="A need-by date this many days after submission or sooner is rush."
    )

    class Meta:
        ordering = ["service"]
        constraints = [
            models.CheckConstraint(
                condition=Q(service__in=FeeService.values), name="fee_service_valid"
            ),
            models.CheckConstraint(
                condition=Q(currency__in=Currency.values), name="fee_currency_valid"
            ),
            models.CheckConstraint(
                condition=Q(base__gte=0) & Q(per_page__gte=0) & Q(rush__gte=0),
                name="fee_parts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_service_display()}: {self.currency} {self.base}"

    @property
    def terms(self) -> str:
        """The price as the portal's forms state it."""
        text = f"{self.get_service_display()}: {self.currency} {self.base}"
        if self.per_page:
            text += f" for up to {self.pages_included} pages, then {self.per_page} a page"
        if self.rush:
            text += f"; {self.rush} more when needed within {self.rush_within_days} days"
        return text + "."

    def amount(self, *, pages: int | None, rush: bool) -> Decimal:
        extra_pages = max((pages or 0) - self.pages_included, 0)
        return self.base + self.per_page * extra_pages + (self.rush if rush else ZERO)


class Exemption(models.Model):
    """An institution the office never charges (a reciprocal partner)."""

    institution = models.OneToOneField(
        "registration.Institution", on_delete=models.CASCADE, related_name="fee_exemption"
    )
    reason = models.CharField(max_length=200, help_text="For example: reciprocal agreement.")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.institution}: {self.reason}"


class InvoiceSequence(models.Model):
    """The one row holding the next invoice number; locked while a number is taken, in the
    issuing transaction, so numbers run without gaps."""

    next_number = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="invoicesequence_one_row")]

    def __str__(self) -> str:
        return f"Next invoice number {self.next_number}"


class InvoiceQuerySet(models.QuerySet["Invoice"]):
    def open(self) -> InvoiceQuerySet:
        return self.filter(paid_at__isnull=True)

    def due_for_reminder(self, before: datetime) -> InvoiceQuerySet:
        """Open, issued before `before`, and not reminded of since."""
        not_reminded = Q(reminded_at__isnull=True) | Q(reminded_at__lt=before)
        return self.open().filter(not_reminded, issued_at__lt=before)

    def for_institution(self, institution: object) -> InvoiceQuerySet:
        return self.filter(institution=institution)


class Invoice(models.Model):
    """The charges of one institution and month in one currency."""

    number = models.PositiveIntegerField(unique=True)
    institution = models.ForeignKey(
        "registration.Institution", on_delete=models.PROTECT, related_name="invoices"
    )
    month = models.DateField(help_text="The first day of the month billed.")
    currency = models.CharField(max_length=3, choices=Currency.choices)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    issued_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(
        null=True, blank=True, help_text="When the library was last reminded of it by email."
    )

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "month", "currency"], name="invoice_one_per_month"
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="invoice_total_not_negative"),
            models.CheckConstraint(condition=Q(month__day=1), name="invoice_month_first_day"),
            models.CheckConstraint(
                condition=Q(currency__in=Currency.values), name="invoice_currency_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.number}"

    @property
    def paid_amount(self) -> Decimal:
        return self.payments.aggregate(total=models.Sum("amount"))["total"] or ZERO

    @property
    def balance(self) -> Decimal:
        return self.total - self.paid_amount


class Payment(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    reference = models.CharField(
        max_length=100, help_text="Check number, card reference, IFM or voucher reference."
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    received_on = models.DateField(default=timezone.localdate)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["received_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(method__in=PaymentMethod.values), name="payment_method_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.reference}: {self.amount}"


class ChargeQuerySet(models.QuerySet["Charge"]):
    def unpaid(self) -> ChargeQuerySet:
        return self.filter(Q(invoice__isnull=True) | Q(invoice__paid_at__isnull=True))

    def for_supply(self) -> ChargeQuerySet:
        """What supplying the request cost: the schedule's charge or the approved quote."""
        return self.filter(kind__in=(ChargeKind.SUPPLY, ChargeKind.QUOTE))

    def uninvoiced_before(self, day: date) -> ChargeQuerySet:
        return self.filter(invoice__isnull=True, charged_on__lt=day)


class Charge(models.Model):
    """One amount owed by an institution for one request: never negative, never orphaned."""

    Kind = ChargeKind

    institution = models.ForeignKey(
        "registration.Institution", on_delete=models.PROTECT, related_name="charges"
    )
    request = models.ForeignKey(
        "requests_app.Request",
        on_delete=models.CASCADE,
        related_name="charges",
        help_text="Purged with its request, which the purge keeps while this is unpaid.",
    )
    kind = models.CharField(max_length=12, choices=ChargeKind.choices)
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    description = models.CharField(max_length=300)
    charged_on = models.DateField(help_text="The day in the office's time zone: its invoice month.")
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="charges"
    )

    objects = ChargeQuerySet.as_manager()

    class Meta:
        ordering = ["charged_on", "pk"]
        indexes = [models.Index(fields=["invoice", "charged_on"], name="charge_invoice_day")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="charge_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(currency__in=Currency.values), name="charge_currency_valid"
            ),
            models.CheckConstraint(condition=Q(kind__in=ChargeKind.values), name="charge_kind"),
            models.UniqueConstraint(fields=["request", "kind"], name="charge_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.amount} for request {self.request_id}"


class ChargeEventAction(models.TextChoices):
    CHARGED = "charged", "Charged"
    INVOICED = "invoiced", "Invoiced"
    PAID = "paid", "Paid"


class ChargeEvent(models.Model):
    """Every change to a charge, with who and when. Never edited."""

    Action = ChargeEventAction

    charge = models.ForeignKey(Charge, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12, choices=ChargeEventAction.choices)
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    note = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=ChargeEventAction.values), name="chargeevent_action_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.amount} at {self.created_at:%Y-%m-%d}"


def unpaid_charge_of_record() -> Exists:
    """The purge's protection: a record whose request has a charge not yet paid."""
    return Exists(Charge.objects.unpaid().filter(request__record=OuterRef("pk")))


class RevenueTally(models.Model):
    """What one institution was charged in one month and currency, and how much of it is still
    open: the statistics' revenue, recomputed whole from the ledger by `fees.stats.refresh`
    (docs/fees.md, "Statistics")."""

    month = models.DateField(help_text="The first day of the month the charges were made in.")
    institution = models.ForeignKey(
        "registration.Institution", on_delete=models.CASCADE, related_name="+"
    )
    currency = models.CharField(max_length=3, choices=Currency.choices)
    charges = models.PositiveIntegerField()
    charged = models.DecimalField(max_digits=14, decimal_places=2)
    open = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["month", "institution", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "institution", "currency"], name="revenuetally_one_per_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="revenuetally_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.institution_id}: {self.currency} {self.charged}"


class RevenueRefresh(models.Model):
    """The one row marking the revenue tallies' last refresh; locked while one runs."""

    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="revenuerefresh_one_row")]

    def __str__(self) -> str:
        return f"Revenue refreshed at {self.refreshed_at}"


class BillingInfo(models.Model):
    """How a partner's library pays, as its ISO 18626 request said (`billingInfo`), kept for
    staff and for the maximum cost in any currency (docs/fees.md, "ISO 18626")."""

    request = models.OneToOneField(
        "requests_app.Request", on_delete=models.CASCADE, related_name="billing_info"
    )
    payment_method = models.CharField(max_length=100, blank=True)
    billing_method = models.CharField(max_length=100, blank=True)
    billing_name = models.CharField(max_length=200, blank=True)
    address = models.TextField(blank=True)
    maximum_sent = models.BooleanField(
        default=False, help_text="The request stated a maximum cost (maximumCosts)."
    )
    maximum_amount = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="None: not a number."
    )
    maximum_currency = models.CharField(max_length=20, blank=True, help_text="As sent.")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(maximum_amount__isnull=True) | Q(maximum_amount__gte=0),
                name="billinginfo_maximum_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"Billing of request {self.request_id}"
