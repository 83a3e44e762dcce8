"""The timeline of a request: every transition and message, with who and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from requests_app.models.request import Request
from requests_app.models.status import Status


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
