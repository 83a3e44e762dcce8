"""The title authority (docs/copyright.md section 1): groups of the identifiers that name one
journal or one work, and the version every staff change of it raises."""

from __future__ import annotations

import hashlib

from django.db import models
from django.db.models import Q

from copyright_rules.keys import IDENTIFIER_KIND_LABELS, IdentifierKind
from copyright_rules.models.choices import in_choices


class TitleGroupKind(models.TextChoices):
    PERIODICAL = "periodical", "Periodical (journal, magazine, newspaper)"
    WORK = "work", "Work (book, report, proceedings volume)"


class TitleGroup(models.Model):
    """One journal or one work in the title authority: the ISSNs, ISBNs and variant titles that
    name it. Staff merge and split groups; a merge changes only later evaluations."""

    Kind = TitleGroupKind

    name = models.CharField(max_length=300, help_text="The title staff recognise it by.")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PERIODICAL)
    note = models.TextField(blank=True, help_text="Why these identifiers belong together.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "title authority group"
        constraints = [
            models.CheckConstraint(
                condition=in_choices("kind", TitleGroupKind), name="titlegroup_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TitleIdentifier(models.Model):
    """An ISSN, ISBN-13 or normalized title belonging to one authority group. Each value belongs
    to at most one group, so a lookup can never be ambiguous."""

    Kind = IdentifierKind

    group = models.ForeignKey(TitleGroup, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=8, choices=IDENTIFIER_KIND_LABELS)
    value = models.CharField(
        max_length=500,
        help_text="Stored normalized: ISSN as NNNN-NNNC, ISBN as 13 digits, titles as the rules "
        "normalize them (lower case, no punctuation, no leading article).",
    )

    class Meta:
        ordering = ["kind", "value"]
        verbose_name = "title authority identifier"
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="titleidentifier_unique_value"),
            models.CheckConstraint(
                condition=in_choices("kind", IdentifierKind), name="titleidentifier_kind"
            ),
            models.CheckConstraint(condition=~Q(value=""), name="titleidentifier_value_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"


# The advisory lock of the whole title authority (docs/copyright.md section 1, "A staff change that
# meets a submission"): every locked count holds it shared, every staff change of the authority
# exclusively. A 64-bit hash, like the title-year locks it shares the advisory lock space with.
AUTHORITY_LOCK_ID = int.from_bytes(
    hashlib.blake2b(b"copyright|authority", digest_size=8).digest(), signed=True
)


class AuthorityVersion(models.Model):
    """One row counting the changes of the title authority. Every staff change increments it in
    its transaction; a submission reads it with the authority and again once it holds its lock,
    to know whether the key it derived is still the authority's (docs/copyright.md section 1,
    "A staff change that meets a submission")."""

    ONLY = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=ONLY)
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="authorityversion_one_row")]

    def __str__(self) -> str:
        return f"title authority version {self.version}"
