"""The holdings panel's forms (docs/catalog.md, "On the desk")."""

from __future__ import annotations

from django import forms

from requests_app.models import Status


class ConfirmHoldingForm(forms.Form):
    """One candidate confirmed; `seen_status` is the status the page showed (compare-and-set)."""

    candidate = forms.IntegerField(widget=forms.HiddenInput)
    seen_status = forms.ChoiceField(choices=Status.choices, widget=forms.HiddenInput)
