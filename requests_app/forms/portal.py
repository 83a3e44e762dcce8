"""The library's portal: the loan request, and what the library sends about a request it made.
The copy forms are in `requests_app.forms.copies`."""

from __future__ import annotations

from django import forms

from requests_app.forms.citation import REQUEST_FIELDS, YOUR_REFERENCE_HELP, CitationForm
from requests_app.models import Request


class LoanRequestForm(CitationForm):
    """A loan of a book or other item, from the office as the library of last resort."""

    title = Request._meta.get_field("title").formfield(required=True, label="Title")
    tried_elsewhere = forms.BooleanField(
        required=True,
        label="We tried local and other libraries first",
        help_text="The office is a library of last resort.",
    )

    class Meta:
        model = Request
        fields = [
            "title",
            "author",
            "publisher",
            "place",
            "publication_date",
            "edition",
            "isbn",
            "issn",
            "lccn",
            "oclc_number",
            "call_number",
            "volume",
            "need_by",
            "max_cost",
            "delivery_notes",
            "patron_ref",
            "tried_elsewhere",
        ]
        labels = {"publication_date": "Year", "patron_ref": "Your reference"}
        field_classes = REQUEST_FIELDS
        help_texts = {
            "lccn": "For example 85-2 or n78-890351.",
            "call_number": "If known.",
            "patron_ref": YOUR_REFERENCE_HELP,
            "max_cost": "In US dollars.",
        }
        widgets = {
            "need_by": forms.DateInput(attrs={"type": "date"}),
            "delivery_notes": forms.Textarea(attrs={"rows": 3}),
        }


class LibraryMessageForm(forms.Form):
    """The library writes to the office about one request."""

    text = forms.CharField(
        label="Your message to the office",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The office is emailed at once and answers here and by email.",
    )


class RenewalRequestForm(forms.Form):
    """The library asks for a renewal of a loan."""

    note = forms.CharField(
        label="Note to the office (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
