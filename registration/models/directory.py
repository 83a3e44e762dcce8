"""Imported directory data (registration/directory.py) that staff compare registrations with."""

from django.db import models
from django.utils import timezone


class DirectoryRecordQuerySet(models.QuerySet["DirectoryRecord"]):
    def with_symbol(self, symbol: str) -> "DirectoryRecordQuerySet":
        return self.filter(oclc_symbol=symbol.upper())


class DirectoryRecord(models.Model):
    """A library as an imported directory describes it; staff compare registrations with these."""

    source = models.CharField(
        max_length=100, help_text='Where it came from, e.g. "IMLS PLS FY2018".'
    )
    record_key = models.CharField(
        max_length=64, help_text="The identifier the source uses for this row (upsert key)."
    )
    oclc_symbol = models.CharField("OCLC symbol", max_length=6, blank=True)
    isil = models.CharField("ISIL or MARC code", max_length=16, blank=True)
    fscs_key = models.CharField("IMLS FSCS key", max_length=6, blank=True)
    name = models.CharField(max_length=300)
    variant_names = models.TextField(blank=True, help_text="One variant or former name per line.")
    street = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("state or region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    # Normalised copies used to block candidate searches with an index instead of a table scan.
    region_key = models.CharField(max_length=100, blank=True, editable=False)
    city_key = models.CharField(max_length=100, blank=True, editable=False)
    zip_key = models.CharField(max_length=10, blank=True, editable=False)
    phone_key = models.CharField(max_length=15, blank=True, editable=False)
    imported_at = models.DateTimeField(default=timezone.now)

    objects = DirectoryRecordQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["source", "record_key"], name="directory_source_key"),
        ]
        indexes = [
            models.Index(fields=["oclc_symbol"]),
            models.Index(fields=["isil"]),
            models.Index(fields=["zip_key"]),
            models.Index(fields=["phone_key"]),
            models.Index(fields=["city_key"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.source})"

    @property
    def variant_name_list(self) -> list[str]:
        return [line for line in self.variant_names.splitlines() if line.strip()]
