"""Electronic delivery of a copy: the scanned files, the copy being prepared from them, and how
far it has come (docs/delivery.md). The request itself moves only through
requests_app.services; a delivery ends by calling its fill service."""

from __future__ import annotations

import uuid
from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Language(NamedTuple):
    """A language Tesseract reads, keyed by Tesseract's code (ISO 639-2/T, which for most
    languages is also MARC 21's ISO 639-2/B code)."""

    tag: str  # BCP 47, the ISO 639-1 code, for a PDF's /Lang
    name: str
    bibliographic: str = ""  # ISO 639-2/B where it differs from Tesseract's code


# The languages an interlibrary loan office meets most, each with its Tesseract data packaged by
# Debian (tesseract-ocr-fra and so on; .ci/run installs them). docs/delivery.md, "Languages".
LANGUAGES = {
    "eng": Language("en", "English"),
    "fra": Language("fr", "French", "fre"),
    "deu": Language("de", "German", "ger"),
    "spa": Language("es", "Spanish"),
    "ita": Language("it", "Italian"),
    "por": Language("pt", "Portuguese"),
    "lat": Language("la", "Latin"),
    "rus": Language("ru", "Russian"),
}
DEFAULT_LANGUAGE = "eng"
# A batch's language before its scans find their requests: each request's citation's, read in the
# worker (services._prepare_in), which records the language the scan was read in.
FROM_CITATION = ""


def tesseract_code(citation_language: str) -> str | None:
    """Tesseract's code for a language as a citation writes it: an ISO 639-1 or 639-2 code
    (either form), a BCP 47 tag with a region ("fr-CA") or the English name, in any case. None
    for a language not in LANGUAGES."""
    wanted = citation_language.strip().lower()
    primary = wanted.replace("_", "-").split("-", 1)[0]  # "fr" of "fr-CA"
    for code, language in LANGUAGES.items():
        if primary in {code, language.tag, language.bibliographic} - {""}:
            return code
        if wanted == language.name.lower():
            return code
    return None


class Status(models.TextChoices):
    RECEIVED = "received", "Received"
    PREPARING = "preparing", "Being prepared"
    READY = "ready", "Ready to deliver"
    DELIVERING = "delivering", "Being delivered"
    DELIVERED = "delivered", "Delivered"
    REFUSED = "refused", "Refused"


# The delivery's state machine: each status and the statuses it may move to (services.move).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.RECEIVED: (Status.PREPARING, Status.REFUSED),
    Status.PREPARING: (Status.READY, Status.REFUSED),
    Status.READY: (Status.DELIVERING, Status.REFUSED),
    Status.DELIVERING: (Status.DELIVERED, Status.REFUSED),
    Status.DELIVERED: (),
    Status.REFUSED: (),
}
OPEN = (Status.RECEIVED, Status.PREPARING, Status.READY, Status.DELIVERING)


class Step(models.TextChoices):
    """The pipeline's steps, in order: each one done goes on the request's timeline."""

    ASSEMBLED = "assembled", "Files joined into one PDF"
    MATCHED = "matched", "Matched to its request"
    TEXT = "text", "Text layer"
    COVER = "cover", "Cover page and notice added"


class How(models.TextChoices):
    """How a scan found its request."""

    DESK = "desk", "Uploaded on the request page"
    BARCODE = "barcode", "Pull slip barcode"
    FILE_NAME = "file_name", "File name"


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def of_batch(self, batch: uuid.UUID) -> DeliveryQuerySet:
        return self.filter(batch=batch).select_related("request").order_by("pk")

    def open(self) -> DeliveryQuerySet:
        return self.filter(status__in=OPEN)


class Delivery(models.Model):
    """One copy being prepared from one or more scanned files, for one request (found when the
    files came in by batch, from the pull slip's barcode or the file name)."""

    Status = Status

    request = models.ForeignKey(
        "requests_app.Request",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        help_text="Empty until a batch scan is matched, or when it matched none.",
    )
    batch = models.UUIDField(null=True, blank=True, help_text="The files dropped together.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    step = models.CharField(max_length=12, choices=Step.choices, blank=True)
    found_by = models.CharField(max_length=12, choices=How.choices, default=How.DESK)
    deliver_when_ready = models.BooleanField(
        default=False, help_text="Delivered as soon as it is ready, without a review."
    )
    seen_status = models.CharField(
        max_length=24, blank=True, help_text="The request status staff saw when they filled it."
    )
    notice = models.TextField(
        blank=True, help_text="The copyright notice found on the work, as staff typed it."
    )
    language = models.CharField(
        max_length=16, default=DEFAULT_LANGUAGE, help_text="Tesseract's code (LANGUAGES)."
    )
    pages = models.PositiveIntegerField(null=True, blank=True)
    text_found = models.TextField(blank=True, help_text="The start of the text, for review.")
    problem = models.TextField(blank=True, help_text="Why it was refused, as staff read it.")
    scan = models.FileField(upload_to="delivery/scans/%Y/%m/", blank=True)
    thumbnail = models.FileField(upload_to="delivery/thumbnails/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["batch"], name="delivery_batch")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="delivery_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(step__in=[*Step.values, ""]), name="delivery_step_valid"
            ),
            models.CheckConstraint(
                condition=Q(found_by__in=How.values), name="delivery_found_by_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(problem=""), name="delivery_refused_says_why"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["received", "preparing", "refused"])
                | Q(request__isnull=False),
                name="delivery_ready_has_request",
            ),
        ]

    def __str__(self) -> str:
        target = f"request {self.request_id}" if self.request_id else "no request yet"
        return f"Delivery {self.pk} ({target}): {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def file_name(self) -> str:
        """The first file's name as uploaded (read from prefetched sources where there are)."""
        return next((source.name for source in self.sources.all()), "")


class Source(models.Model):
    """One uploaded file; a delivery's sources make one copy, in their order."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="sources")
    position = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to="delivery/sources/%Y/%m/")
    name = models.CharField("file name as uploaded", max_length=255)

    class Meta:
        ordering = ["delivery", "position"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "position"], name="source_position_unique")
        ]

    def __str__(self) -> str:
        return self.name
