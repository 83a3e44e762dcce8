"""The request emails an institution chose not to receive (docs/emails.md, "Preferences")."""

from django.db import models
from django.utils import timezone

from registration.models.institution import Institution


class OptionalEmail(models.TextChoices):
    """The library emails an institution may turn off: news of a step it can follow on the
    request page. Every other request email is mandatory: it asks the library to act (a hold for
    copyright, a quote, a condition, a recall, an overdue notice), says what it will not get (a
    refusal, a cancellation, a declined renewal), delivers a copy, or carries the office's words."""

    REQUEST_RECEIVED = "request-received", "A request was received"
    REQUEST_RELEASED = "request-released", "A request held for copyright permission was released"
    LOAN_SHIPPED = "loan-shipped", "A loan was shipped"
    LOAN_RENEWED = "loan-renewed", "A loan was renewed"
    LOAN_DUE_SOON = "loan-due-soon", "A loan is due back soon"
    LOAN_RETURNED = "loan-returned", "A loan came back to the office"


class EmailOptOut(models.Model):
    """One optional email an institution turned off; without a row, it is sent."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="email_opt_outs"
    )
    email = models.CharField(max_length=30, choices=OptionalEmail.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["institution", "email"]
        verbose_name = "email turned off"
        verbose_name_plural = "emails turned off"
        constraints = [
            models.UniqueConstraint(fields=["institution", "email"], name="email_opt_out_once"),
            models.CheckConstraint(
                condition=models.Q(email__in=OptionalEmail.values),
                name="email_opt_out_optional_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution.oclc_symbol}: no {self.email} email"
