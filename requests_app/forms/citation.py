"""What every form that takes a citation validates: the library's request forms, the ISO 18626
intake (which fills them from the partner's message) and the desk's citation correction. Each
value is checked, and an identifier normalized, by its form field (`CITATION_FIELDS`,
`REQUEST_FIELDS`), which a form names in its `Meta.field_classes`."""

from __future__ import annotations

import re
from collections.abc import Callable

from django import forms
from django.core.validators import MinValueValidator, RegexValidator
from django.utils import timezone
from stdnum import isbn
from stdnum.exceptions import ValidationError as StdnumError

from illdesk.numbers import AsciiDecimalField
from requests_app.citations import (
    normalize_doi,
    normalize_issn,
    normalize_lccn,
    normalize_oclc_number,
    normalize_pmid,
)
from requests_app.models import Request

_DATE = re.compile(r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$")

YOUR_REFERENCE_HELP = (
    "Optional: your own reference, for example your ILLiad transaction number. Every email about "
    "the request repeats it."
)
PATRON_ID_HELP = (
    "Optional: who the copy is for, as your ILL system knows them (for example a patron "
    "barcode). The office uses it only to apply the one-article-per-issue rule to the same "
    "patron."
)


class _Identifier(forms.CharField):
    """A citation identifier, stored in its normal form. `normal` returns it (None, or stdnum's
    error, when the text is not one); it runs after the field's own checks, on a value given."""

    normal: Callable[[str], str | None]
    message: str

    def clean(self, value: object) -> str | None:
        text: str | None = super().clean(value)
        if not text:
            return text
        try:
            normal = self.normal(text)
        except StdnumError:
            normal = None
        if normal is None:
            raise forms.ValidationError(self.message, code="invalid")
        return normal


class IssnField(_Identifier):
    normal = staticmethod(normalize_issn)
    message = (
        "This is not a valid ISSN: 8 characters, the last a check digit (0-9 or X), for example "
        "0028-0836."
    )


class IsbnField(_Identifier):
    normal = staticmethod(isbn.validate)
    message = "This is not a valid ISBN: 10 or 13 digits with a correct check digit."


class DoiField(_Identifier):
    normal = staticmethod(normalize_doi)
    message = (
        "This is not a DOI: it starts with 10., then a slash, for example 10.1038/nature12373 or "
        "https://doi.org/10.1038/nature12373."
    )


class PmidField(_Identifier):
    normal = staticmethod(normalize_pmid)
    message = "A PubMed id (PMID) is digits only, for example 27289441."


class LccnField(_Identifier):
    normal = staticmethod(normalize_lccn)
    message = (
        "This is not a valid LCCN: an optional letter prefix, the year and a serial number, for "
        "example 85-2, 2001-000002 or n78-890351."
    )


class OclcNumberField(_Identifier):
    normal = staticmethod(normalize_oclc_number)
    message = "An OCLC number is digits only, for example 12345678."


class PublicationDateField(forms.CharField):
    default_validators = [RegexValidator(_DATE, "Give the date as YYYY, YYYY-MM or YYYY-MM-DD.")]


# The citation's fields, validated alike wherever a citation is typed: the library's forms, the
# ISO 18626 intake (which fills them) and the desk's citation correction.
CITATION_FIELDS: dict[str, type[forms.Field]] = {
    "issn": IssnField,
    "isbn": IsbnField,
    "doi": DoiField,
    "pmid": PmidField,
    "lccn": LccnField,
    "oclc_number": OclcNumberField,
    "publication_date": PublicationDateField,
}


# What the library asks of its request (loan and copy forms alike).


class NeedByField(forms.DateField):
    default_validators = [
        MinValueValidator(timezone.localdate, message="The need-by date is in the past.")
    ]


class MaxCostField(AsciiDecimalField):
    default_validators = [MinValueValidator(0, message="The maximum cost cannot be negative.")]


# The fields of a library's request form: its citation's and its wishes.
REQUEST_FIELDS: dict[str, type[forms.Field]] = {
    **CITATION_FIELDS,
    "need_by": NeedByField,
    "max_cost": MaxCostField,
}


class CitationForm(forms.ModelForm):
    """What every library's request form shares: its fields take the field classes of
    REQUEST_FIELDS (`Meta.field_classes`), which validate each value as it is typed."""

    def request_fields(self) -> dict[str, object]:
        """The cleaned values the request stores: those named after one of its fields (the
        copyright facts and confirmations the form also asks for are not stored on it)."""
        stored = {field.name for field in Request._meta.concrete_fields}
        return {name: value for name, value in self.cleaned_data.items() if name in stored}
