"""What every form that takes a citation validates: the library's request forms, the ISO 18626
intake (which fills them from the partner's message) and the desk's citation correction."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from django import forms
from django.utils import timezone
from stdnum import isbn, issn
from stdnum.exceptions import ValidationError as StdnumError

from illdesk.numbers import BIGINT_MAX, parse_number
from requests_app.citations import normalize_doi, normalize_lccn, normalize_pmid
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


class CitationForm(forms.ModelForm):
    """Identifier validation shared by every request form. A cleaner runs only for the fields
    its form has."""

    def request_fields(self) -> dict[str, object]:
        """The cleaned values the request stores: those named after one of its fields (the
        copyright facts and confirmations the form also asks for are not stored on it)."""
        stored = {field.name for field in Request._meta.concrete_fields}
        return {name: value for name, value in self.cleaned_data.items() if name in stored}

    def clean_issn(self) -> str:
        value: str = self.cleaned_data["issn"].strip()
        if not value:
            return ""
        try:
            return str(issn.format(issn.validate(value)))
        except StdnumError:
            raise forms.ValidationError(
                "This is not a valid ISSN: 8 characters, the last a check digit (0-9 or X), "
                "for example 0028-0836."
            ) from None

    def clean_isbn(self) -> str:
        value: str = self.cleaned_data["isbn"].strip()
        if not value:
            return ""
        try:
            return str(isbn.validate(value))
        except StdnumError:
            raise forms.ValidationError(
                "This is not a valid ISBN: 10 or 13 digits with a correct check digit."
            ) from None

    def clean_doi(self) -> str:
        value: str = self.cleaned_data["doi"].strip()
        if not value:
            return ""
        normalized = normalize_doi(value)
        if normalized is None:
            raise forms.ValidationError(
                "This is not a DOI: it starts with 10., then a slash, for example "
                "10.1038/nature12373 or https://doi.org/10.1038/nature12373."
            )
        return normalized

    def clean_pmid(self) -> str:
        value: str = self.cleaned_data["pmid"].strip()
        if not value:
            return ""
        normalized = normalize_pmid(value)
        if normalized is None:
            raise forms.ValidationError("A PubMed id (PMID) is digits only, for example 27289441.")
        return normalized

    def clean_publication_date(self) -> str:
        value: str = self.cleaned_data["publication_date"].strip()
        if value and not _DATE.match(value):
            raise forms.ValidationError("Give the date as YYYY, YYYY-MM or YYYY-MM-DD.")
        return value

    def clean_lccn(self) -> str:
        value: str = self.cleaned_data["lccn"]
        if not value.strip():
            return ""
        normalized = normalize_lccn(value)
        if normalized is None:
            raise forms.ValidationError(
                "This is not a valid LCCN: an optional letter prefix, the year and a serial "
                "number, for example 85-2, 2001-000002 or n78-890351."
            )
        return normalized

    def clean_oclc_number(self) -> str:
        value: str = self.cleaned_data["oclc_number"].strip()
        value = value.removeprefix("(OCoLC)").removeprefix("ocm").removeprefix("ocn").strip()
        if value and parse_number(value, minimum=1, maximum=BIGINT_MAX) is None:
            raise forms.ValidationError("An OCLC number is digits only, for example 12345678.")
        return value

    # What the library asks of its request (loan and copy forms alike).

    def clean_need_by(self) -> date | None:
        value: date | None = self.cleaned_data["need_by"]
        if value and value < timezone.localdate():
            raise forms.ValidationError("The need-by date is in the past.")
        return value

    def clean_max_cost(self) -> Decimal | None:
        value: Decimal | None = self.cleaned_data["max_cost"]
        if value is not None and value < 0:
            raise forms.ValidationError("The maximum cost cannot be negative.")
        return value
