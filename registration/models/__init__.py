"""The registration app's models: registrations and their verification record, and the email
outbox here; institutions (with their email choices) and directory records in their own modules,
re-exported so that `registration.models` names every model."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone

from registration.models.directory import DirectoryRecord, DirectoryRecordQuerySet
from registration.models.institution import (
    OCLC_SYMBOL_VALIDATOR,
    Institution,
    OptionalEmail,
    TermsVersion,
)

__all__ = [
    "CONTACT_FIELDS",
    "OCLC_SYMBOL_VALIDATOR",
    "DirectoryRecord",
    "DirectoryRecordQuerySet",
    "Institution",
    "OptionalEmail",
    "OutboxMessage",
    "OutboxMessageQuerySet",
    "Registration",
    "RegistrationAction",
    "RegistrationEvent",
    "RegistrationQuerySet",
    "TermsVersion",
]


class RegistrationQuerySet(models.QuerySet["Registration"]):
    def open(self) -> "RegistrationQuerySet":
        """Awaiting a staff decision: pending or waiting for more information."""
        return self.filter(status__in=Registration.OPEN_STATUSES)

    def pending_first(self) -> "RegistrationQuerySet":
        return self.order_by(*Registration.QUEUE_ORDER)


class Registration(models.Model):
    """One submission of the public registration form, verified by staff before anything is sent.

    A registration for a symbol that already has an institution is a re-registration (a lost
    password): approving it replaces the institution's password."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending verification"
        NEEDS_INFO = "needs_info", "More information requested"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    OPEN_STATUSES = (Status.PENDING, Status.NEEDS_INFO)
    # The staff queue: pending first, then those waiting for information, newest first in each.
    QUEUE_ORDER = (
        models.Case(
            models.When(status=Status.PENDING, then=0),
            models.When(status=Status.NEEDS_INFO, then=1),
            default=2,
        ).asc(),
        "-submitted_at",
    )

    oclc_symbol = models.CharField("OCLC symbol", max_length=6, validators=[OCLC_SYMBOL_VALIDATOR])
    isil = models.CharField(
        "MARC organization code or ISIL",
        max_length=16,
        blank=True,
        help_text="Stored as an ISIL: a bare MARC code is prefixed with US-.",
    )
    name = models.CharField("institution name", max_length=200)
    department = models.CharField("library or department", max_length=200, blank=True)
    street = models.CharField(max_length=200)
    city = models.CharField(max_length=100)
    region = models.CharField("state or region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100, default="United States")
    contact_name = models.CharField("contact person", max_length=200)
    email = models.EmailField("contact email")
    phone = models.CharField(max_length=40)
    shipping_address = models.TextField(
        blank=True, help_text="Where loans are shipped, if not the postal address above."
    )
    delivery_email = models.EmailField(
        "email for electronic delivery",
        blank=True,
        help_text="Where delivered copies are announced, if not the contact email.",
    )

    terms_version = models.ForeignKey(TermsVersion, on_delete=models.PROTECT, related_name="+")
    terms_accepted_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField("submitted from IP address", null=True, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    is_reregistration = models.BooleanField(
        default=False, help_text="An institution with this symbol existed when it was submitted."
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        help_text="An earlier open registration for the same symbol: decide them together.",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rejection_reason = models.TextField(blank=True)
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registrations",
        help_text="The institution this registration created or renewed, once approved.",
    )

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["oclc_symbol", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "needs_info", "approved", "rejected"]),
                name="registration_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(oclc_symbol=Upper("oclc_symbol")),
                name="registration_symbol_upper_case",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(rejection_reason=""),
                name="registration_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved") | models.Q(institution__isnull=False),
                name="registration_approved_has_institution",
            ),
            # Two simultaneous first registrations for one symbol: the second insert fails here
            # and is retried as a flagged duplicate, so they are never silently doubled.
            models.UniqueConstraint(
                fields=["oclc_symbol"],
                condition=models.Q(status__in=["pending", "needs_info"], duplicate_of__isnull=True),
                name="registration_one_unflagged_open_per_symbol",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.oclc_symbol} {self.name} ({self.get_status_display()})"

    @property
    def reference(self) -> str:
        """What the library quotes when it asks about its registration."""
        return f"REG-{self.pk:06d}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def contact_changes(self, institution: Institution) -> list[str]:
        """The contact fields (CONTACT_FIELDS) where this registration differs from what the
        institution has on record, compared as staff would (case and spaces aside)."""
        return [
            name
            for name in CONTACT_FIELDS
            if _comparable(getattr(self, name)) != _comparable(getattr(institution, name))
        ]


# What staff verified as the way to reach an institution and where its loans and copies go (the
# pull slip ships to the shipping address, or else the postal one; copies are announced at the
# delivery email, or else the contact email): a re-registration may not replace any of them
# without a confirmation on record (docs/operations.md, "Re-registration").
CONTACT_FIELDS = (
    "name",
    "department",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "contact_name",
    "email",
    "phone",
    "shipping_address",
    "delivery_email",
)


def _comparable(value: str) -> str:
    return " ".join(value.split()).casefold()


class RegistrationAction(models.TextChoices):
    NOTE = "note", "Verification note"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    INFO_REQUESTED = "info_requested", "More information requested"
    CONTACT_CONFIRMED = "contact_confirmed", "New contact confirmed"
    IDENTIFIERS_ACKNOWLEDGED = "identifiers_acknowledged", "Identifier mismatch acknowledged"
    CLOSED = "closed", "Closed: another registration for the symbol was approved"
    # The one action nobody on the staff takes: the registrant answering a request for more
    # information through the link it was sent (no actor).
    REGISTRANT_UPDATED = "registrant_updated", "Updated by the registrant"


class RegistrationEvent(models.Model):
    """The verification record: every note and decision, with who and when."""

    Action = RegistrationAction

    # PROTECT: the verification record outlives nothing it documents; a registration is never
    # deleted while it has one.
    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=30, choices=Action.choices)
    text = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The staff member; empty only when the registrant updated the registration.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=RegistrationAction.values),
                name="registration_event_action_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(actor__isnull=False)
                | models.Q(action=RegistrationAction.REGISTRANT_UPDATED),
                name="registration_event_staff_actor",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_action_display()} by {self.actor_name} at {self.created_at:%Y-%m-%d %H:%M}"
        )

    @property
    def actor_name(self) -> str:
        return str(self.actor) if self.actor is not None else "the registrant"


class OutboxMessageQuerySet(models.QuerySet["OutboxMessage"]):
    def due_for_requeue(self, *, older_than: timedelta) -> "OutboxMessageQuerySet":
        now = timezone.now()
        unclaimed = models.Q(claimed_until__isnull=True) | models.Q(claimed_until__lt=now)
        return self.filter(unclaimed, status=OutboxMessage.Status.PENDING).filter(
            updated_at__lt=now - older_than
        )


class OutboxMessage(models.Model):
    """The transactional outbox: one row per email the product sends (credentials, registration
    notices, request notifications). It is written in the transaction that makes the change, so a
    committed change always leaves a durable instruction even if the broker is down or loses its
    queue; the worker claims it before sending, so a repeated task never sends it twice. Once sent,
    it keeps the recipient, subject and text of request emails (the admin's email log); never
    those of the credentials email, so never a password."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    CREDENTIALS = "credentials"

    email = models.CharField(
        max_length=60,
        help_text="Which email: the name of its templates (templates/emails/<name>-*.txt).",
    )
    target_id = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="The request or verification event the email is about, where it is not the "
        "institution or registration itself.",
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_messages",
    )
    registration = models.ForeignKey(
        Registration, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(
        max_length=200, blank=True, help_text="The class of the last error, never its text."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    claimed_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A worker is delivering it, or its retry is scheduled, until then.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The email log, written when the message is sent (illdesk/outbox.py).
    recipient = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField("text", blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "outgoing email"
        verbose_name_plural = "email outbox"
        indexes = [
            models.Index(fields=["status", "updated_at"], name="outbox_status_updated"),
            # The copyright purge finds a purged request's emails by it (docs/copyright.md 7):
            # without it each batch read the whole outbox.
            models.Index(fields=["target_id"], name="outbox_target"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "sent", "failed"]),
                name="outbox_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="outbox_sent_has_time",
            ),
            # One credentials email in flight per institution: two could leave one's hash and
            # the other's email.
            models.UniqueConstraint(
                fields=["institution"],
                condition=models.Q(status="pending", email="credentials"),
                name="outbox_one_pending_credentials",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} email: {self.get_status_display()}"
