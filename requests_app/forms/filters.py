"""The filters of the request lists: the library's own list and the desk's queues."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from copyright_rules.vocabulary import OUTCOME_LABELS
from requests_app.models import Request, RequestType, Status
from requests_app.queues import AGES, Claimed, Queue
from requests_app.wording import STAFF_STATUS_CHOICES


class ListFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Status.choices])
    service = forms.ChoiceField(
        label="Type", required=False, choices=[("", "Any type"), *RequestType.choices]
    )
    since = forms.DateField(label="From", required=False, widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(label="To", required=False, widget=forms.DateInput({"type": "date"}))
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        help_text="Request number, your reference, title, article title, author, ISSN, ISBN, "
        "OCLC number, LCCN, call or reproduction number.",
    )


class DeskFilterForm(forms.Form):
    """The desk queue's filters and order (requests_app.queues). Every field is optional; a value
    that is not one of the choices is a field error, never a server error."""

    # A request type (RequestType): loans, copy requests or reproduction orders.
    service = forms.ChoiceField(label="Type", required=False)
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *STAFF_STATUS_CHOICES])
    institution = forms.CharField(
        label="Institution symbol", required=False, max_length=20, help_text="For example DLC."
    )
    claimed = forms.ChoiceField(
        label="Claimed", required=False, choices=[(c.slug, c.label) for c in Claimed]
    )
    older_than = forms.TypedChoiceField(
        label="Age",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any age"), *((str(d), f"Older than {d} days") for d in AGES)],
    )
    need_by = forms.DateField(
        label="Needed by (on or before)", required=False, widget=forms.DateInput({"type": "date"})
    )
    outcome = forms.ChoiceField(
        label="Copyright outcome",
        required=False,
        choices=[("", "Any outcome"), *OUTCOME_LABELS.items()],
    )
    sort = forms.ChoiceField(label="Order", required=False)

    def __init__(self, *args: Any, queue: Queue, **kwargs: Any) -> None:
        """Only the filters and orders that apply to the queue's requests."""
        super().__init__(*args, **kwargs)
        sort = cast(forms.ChoiceField, self.fields["sort"])
        sort.choices = [(choice.slug, choice.label) for choice in queue.sorts]
        if len(queue.statuses) > 1:
            labels = dict(STAFF_STATUS_CHOICES)
            cast(forms.ChoiceField, self.fields["status"]).choices = [
                ("", "Any status"),
                *((s, labels[s]) for s in queue.statuses),
            ]
        else:
            del self.fields["status"]
        types = [kind for kind in RequestType if kind.service in queue.kinds]
        if len(types) > 1:
            cast(forms.ChoiceField, self.fields["service"]).choices = [
                ("", "Any type"),
                *((kind.value, f"{kind.label}s") for kind in types),
            ]
        else:
            del self.fields["service"]
        if Request.Service.COPY not in queue.kinds:
            del self.fields["outcome"]

    def clean_institution(self) -> str:
        return str(self.cleaned_data["institution"]).strip().upper()
