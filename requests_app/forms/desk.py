"""The staff desk's action forms (requests_app.actions): every action posts the status the user
saw, and names its other fields after the keyword arguments of the action's service."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from copyright_rules.models import LEGAL_DETERMINATIONS, RIGHTS_FINDINGS
from fees import services as fees
from illdesk.numbers import AsciiDecimalField, AsciiIntegerField
from requests_app.citations import count_pages
from requests_app.forms.citation import CITATION_FIELDS
from requests_app.models import (
    COPYRIGHT_FACT_FIELDS,
    CORRECTABLE_FIELDS,
    RefusalReason,
    Request,
    Status,
)


class ActionForm(forms.Form):
    """Every action posts the status the user saw, so a stale page cannot act twice. The other
    fields are named after the keyword arguments of the action's service (requests_app.actions);
    those in `prefill` start from the request's current values."""

    prefill: tuple[str, ...] = ()

    seen_status = forms.ChoiceField(choices=Status.choices, widget=forms.HiddenInput)

    @classmethod
    def initial_for(cls, item: Request) -> dict[str, object]:
        """The request's current values of the fields in `prefill`."""
        return {name: getattr(item, name) for name in cls.prefill}

    def __init__(self, *args: Any, batch: bool = False, **kwargs: Any) -> None:
        """`batch`: the input for many requests at once, each with its own seen status."""
        super().__init__(*args, **kwargs)
        if batch:
            del self.fields["seen_status"]

    def fit(self, item: Request) -> None:
        """Adapt the form to the request it acts on (a form whose fields depend on it)."""

    def arguments(self) -> dict[str, object]:
        """The service's keyword arguments: every field, the seen status as `seen`."""
        data = dict(self.cleaned_data)
        data["seen"] = data.pop("seen_status")
        return data


class ConfirmedForm(ActionForm):
    """An action that ends a request asks for a ticked box, so a stray Enter cannot end one."""

    confirm = forms.BooleanField(
        label="Yes, I mean it: this cannot be undone",
        error_messages={"required": "Tick the box to confirm."},
    )

    def arguments(self) -> dict[str, object]:
        data = super().arguments()
        del data["confirm"]
        return data


class OptionalNoteForm(ActionForm):
    note = forms.CharField(
        label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class StaffNoteForm(OptionalNoteForm):
    """Accepting takes an optional note for colleagues; the library never sees it."""

    note = forms.CharField(
        label="Staff note (not shown to the library)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ConfirmedNoteForm(ConfirmedForm, OptionalNoteForm):
    field_order = ("seen_status", "note", "confirm")


class CancelForm(ConfirmedForm):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    field_order = ("seen_status", "reason", "confirm")


class QuoteForm(ActionForm):
    amount = AsciiDecimalField(
        label="Price (US dollars)", min_value=0, max_digits=9, decimal_places=2
    )
    note = forms.CharField(
        label="What the price covers",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: 2 TIFF files at 600 ppi, delivered by download.",
    )


class DeclineRenewalForm(ActionForm):
    reason = forms.CharField(
        label="Why (the library reads this)",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: another library has asked for it.",
    )


class StaffOnlyNoteForm(ActionForm):
    text = forms.CharField(
        label="Note for colleagues",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Never shown to the library and never emailed.",
    )

    def arguments(self) -> dict[str, object]:
        """A note changes no status: the service takes no seen status."""
        return {"text": self.cleaned_data["text"]}


class MessageForm(ActionForm):
    text = forms.CharField(
        label="Message to the library",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown on the library's request page and emailed to its contact.",
    )

    def arguments(self) -> dict[str, object]:
        """A message changes no status: the service takes no seen status."""
        return {"text": self.cleaned_data["text"]}


class ConditionalForm(ActionForm):
    conditions = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text='For example "library use only" or a cost.',
    )

    @classmethod
    def initial_for(cls, item: Request) -> dict[str, object]:
        """A charge above the library's maximum cost: the reply that asks it to accept it."""
        return {"conditions": fees.cost_conditions(item)}


class RefuseForm(ConfirmedForm):
    # No reason is chosen for the user: a refusal names the reason staff picked.
    refusal_reason = forms.ChoiceField(
        label="Reason", choices=[("", "Choose a reason"), *RefusalReason.choices]
    )
    reason = forms.CharField(
        label="Explanation", required=False, max_length=2000, widget=forms.Textarea({"rows": 2})
    )

    field_order = ("seen_status", "refusal_reason", "reason", "confirm")


class RenewForm(ActionForm):
    due_date = forms.DateField(
        label="New due date",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Renewing answers the renewal the library asked for, if any.",
    )

    def clean_due_date(self) -> date:
        value: date = self.cleaned_data["due_date"]
        if value <= timezone.localdate():
            raise forms.ValidationError("The due date must be in the future.")
        return value


class RecallForm(ActionForm):
    due_date = forms.DateField(label="Return by", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label="Reason for the library",
        required=False,
        max_length=300,
        help_text="Why the office needs it back, e.g. a reader here asked for it.",
    )

    def clean_due_date(self) -> date:
        value: date = self.cleaned_data["due_date"]
        if value < timezone.localdate():
            raise forms.ValidationError("The date to return it by cannot be in the past.")
        return value


class ShipForm(RenewForm):
    """A loan leaves the office: its due date (the loan period proposed), the use restrictions
    the institution must honour, and how it travels."""

    library_use_only = forms.BooleanField(label="Library use only", required=False)
    no_copying = forms.BooleanField(label="No copying", required=False)
    restriction_note = forms.CharField(
        label="Other use restriction", required=False, max_length=300
    )
    carrier = forms.ChoiceField(
        required=False, choices=[("", "Not recorded"), *Request.Carrier.choices]
    )
    tracking_number = forms.CharField(required=False, max_length=100)
    pieces = forms.IntegerField(
        label="Number of pieces", required=False, min_value=1, max_value=999, initial=1
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        loan_period = timedelta(days=settings.REQUESTS_LOAN_DAYS)
        due_date = self.fields["due_date"]
        due_date.label, due_date.initial = "Due date", timezone.localdate() + loan_period
        due_date.help_text = f"The loan period is {loan_period.days} days."

    def clean_pieces(self) -> int:
        return self.cleaned_data["pieces"] or 1


class ReturnForm(ActionForm):
    condition = forms.CharField(
        label="Condition on return",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Any damage or missing parts; leave empty if as shipped.",
    )


class CitationCorrectionForm(ActionForm):
    """Staff correct the citation (docs/desk.md, "Correcting a citation"): every field starts
    from the request's value and is validated as the library's forms validate it. Once a copy is
    supplied (or a request finished), its copyright facts are shown but cannot change: `fit`
    disables them, and a disabled field keeps the request's value whatever is posted."""

    prefill = CORRECTABLE_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = forms.fields_for_model(
            Request,
            fields=CORRECTABLE_FIELDS,
            field_classes={**CITATION_FIELDS, "total_pages": AsciiIntegerField},
            labels={"title": "Journal or book title", "total_pages": "Pages in the whole work"},
        )
        for name, field in fields.items():
            field.required = False
            self.fields[name] = field
        self.locked: frozenset[str] = frozenset()

    def fit(self, item: Request) -> None:
        self.initial = {**self.initial, **self.initial_for(item)}
        # What the library's forms require stays required (a reproduction order may name the
        # item by its identifiers alone).
        self.fields["title"].required = not item.is_duplication
        if item.facts_locked:
            self.locked = COPYRIGHT_FACT_FIELDS
            for name in self.locked:
                self.fields[name].disabled = True

    def clean_pages(self) -> str:
        pages: str = (self.cleaned_data.get("pages") or "").strip()
        if pages and count_pages(pages) is None:
            raise forms.ValidationError("Give pages as numbers or ranges, for example 12-30, 45.")
        return pages

    def arguments(self) -> dict[str, object]:
        data = super().arguments()
        return {name: value for name, value in data.items() if name not in self.locked}


class HoldingForm(ActionForm):
    """Where the office holds the item: printed on the pull slip."""

    prefill = ("shelf_call_number", "location")

    shelf_call_number = forms.CharField(
        label="The office's call number", required=False, max_length=100
    )
    location = forms.CharField(label="Shelf location", required=False, max_length=200)


class PermissionForm(ActionForm):
    reference = forms.CharField(label="Permission reference", max_length=200)
    fee = AsciiDecimalField(
        label="Fee (US dollars)", required=False, min_value=0, max_digits=10, decimal_places=2
    )

    @classmethod
    def initial_for(cls, item: Request) -> dict[str, object]:
        """A reference the library entered waits for staff to confirm it: offer it to them with
        its fee, so confirming is one click (docs/copyright.md section 5)."""
        record = item.record
        return {"reference": record.permission_reference, "fee": record.permission_fee}


class DeterminationForm(ActionForm):
    kind = forms.ChoiceField(choices=LEGAL_DETERMINATIONS)
    note = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class RightsFindingForm(DeterminationForm):
    """What the rights review of a reproduction order found (docs/copyright.md section 5); a
    permission is recorded with "Record permission", a refusal with "Refuse"."""

    kind = forms.ChoiceField(
        label="Finding",
        choices=RIGHTS_FINDINGS,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="What the review found",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: published 1888, no copyright notice; FSA/OWI, a work of the "
        "US government.",
    )
