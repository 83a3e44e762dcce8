"""The institutions the office serves, the emails they chose, and the terms they accept when
they register."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone

OCLC_SYMBOL_VALIDATOR = RegexValidator(
    r"^[A-Z0-9@#$]{3,6}$",
    "An OCLC symbol is 3 to 6 characters: capital letters, digits, @, # or $.",
)


class OptionalEmail(models.TextChoices):
    """The request emails an institution may turn off (docs/emails.md, "Preferences"): news of a
    step it can follow on the request page. Every other request email is mandatory: it asks the
    library to act (a hold for copyright, a quote, a condition, a recall, an overdue notice), says
    what it will not get (a refusal, a cancellation, a declined renewal), delivers a copy, or
    carries the office's words. Each has its field on Institution, named by `field`."""

    REQUEST_RECEIVED = "request-received", "A request was received"
    REQUEST_RELEASED = "request-released", "A request held for copyright permission was released"
    LOAN_SHIPPED = "loan-shipped", "A loan was shipped"
    LOAN_RENEWED = "loan-renewed", "A loan was renewed"
    LOAN_DUE_SOON = "loan-due-soon", "A loan is due back soon"
    LOAN_RETURNED = "loan-returned", "A loan came back to the office"

    @property
    def field(self) -> str:
        return "email_" + self.value.replace("-", "_")


def _wants(email: OptionalEmail) -> models.BooleanField[bool, bool]:
    return models.BooleanField(f"email when: {email.label.lower()}", default=True)


class Institution(models.Model):
    """A verified requesting library: the CONTU "requesting entity" and one login account.

    The account's username is the OCLC symbol in upper case, exactly as OCLC writes it (DLC).
    """

    oclc_symbol = models.CharField(
        "OCLC symbol", max_length=6, unique=True, validators=[OCLC_SYMBOL_VALIDATOR]
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
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="institution",
        help_text="The institution's login account; created when staff approve it.",
    )
    is_active = models.BooleanField(
        default=True, help_text="Untick to suspend the institution: it can no longer log in."
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The optional emails it receives, kept on its row so that deciding costs no query where the
    # institution is at hand (the submission).
    email_request_received = _wants(OptionalEmail.REQUEST_RECEIVED)
    email_request_released = _wants(OptionalEmail.REQUEST_RELEASED)
    email_loan_shipped = _wants(OptionalEmail.LOAN_SHIPPED)
    email_loan_renewed = _wants(OptionalEmail.LOAN_RENEWED)
    email_loan_due_soon = _wants(OptionalEmail.LOAN_DUE_SOON)
    email_loan_returned = _wants(OptionalEmail.LOAN_RETURNED)

    class Meta:
        ordering = ["oclc_symbol"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(oclc_symbol=Upper("oclc_symbol")),
                name="institution_symbol_upper_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.oclc_symbol} {self.name}"

    @property
    def may_use_portal(self) -> bool:
        """Active, with an active login account: the only institutions the portal serves."""
        return self.is_active and self.user is not None and self.user.is_active

    @property
    def username(self) -> str:
        return self.oclc_symbol

    # Its choice of request emails (docs/emails.md, "Preferences"): the optional ones it did not
    # turn off, every other one always.

    def wants_email(self, name: str) -> bool:
        """Whether to queue the request email `name` (the name of its templates) for it: read
        from its row, no query."""
        return name not in OptionalEmail.values or bool(getattr(self, OptionalEmail(name).field))

    def wanted_emails(self) -> list[OptionalEmail]:
        return [email for email in OptionalEmail if getattr(self, email.field)]

    def set_wanted_emails(self, wanted: Iterable[str]) -> None:
        """Receive the optional emails in `wanted`, and none of the others."""
        chosen = set(wanted)
        for email in OptionalEmail:
            setattr(self, email.field, email.value in chosen)
        self.save(update_fields=[email.field for email in OptionalEmail])

    @property
    def electronic_delivery_email(self) -> str:
        return self.delivery_email or self.email


class TermsVersion(models.Model):
    """A published text of the registration terms. Texts are never edited once published: a
    registration points at the exact version its institution accepted. The copyright warning
    shown with them is the regulation's and has no versions (registration.terms)."""

    version = models.PositiveIntegerField(unique=True)
    terms = models.TextField(help_text="The conditions of service the institution accepts.")
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = "terms version"

    def __str__(self) -> str:
        return f"Terms version {self.version}"

    @classmethod
    def current(cls) -> TermsVersion | None:
        return cls.objects.order_by("-version").first()
