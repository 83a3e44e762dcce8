"""Request forms: the library's portal (`portal`, `copies`, `reproductions`), the staff desk's
actions (`desk`) and the lists' filters (`filters`); `citation` holds the validation they share.

Forms validate; services act."""

from requests_app.forms.citation import CitationForm
from requests_app.forms.copies import CopyForm, CopyRequestForm
from requests_app.forms.desk import (
    ActionForm,
    CancelForm,
    CitationCorrectionForm,
    ConditionalForm,
    ConfirmedForm,
    ConfirmedNoteForm,
    DeclineRenewalForm,
    DeterminationForm,
    HoldingForm,
    MessageForm,
    OptionalNoteForm,
    PermissionForm,
    QuoteForm,
    RecallForm,
    RefuseForm,
    RenewForm,
    ReturnForm,
    RightsFindingForm,
    ShipForm,
    StaffNoteForm,
    StaffOnlyNoteForm,
)
from requests_app.forms.filters import DeskFilterForm, ListFilterForm
from requests_app.forms.portal import LibraryMessageForm, LoanRequestForm, RenewalRequestForm
from requests_app.forms.reproductions import ReproductionOrderForm

__all__ = [
    "ActionForm",
    "CancelForm",
    "CitationCorrectionForm",
    "CitationForm",
    "ConditionalForm",
    "ConfirmedForm",
    "ConfirmedNoteForm",
    "CopyForm",
    "CopyRequestForm",
    "DeclineRenewalForm",
    "DeskFilterForm",
    "DeterminationForm",
    "HoldingForm",
    "LibraryMessageForm",
    "ListFilterForm",
    "LoanRequestForm",
    "MessageForm",
    "OptionalNoteForm",
    "PermissionForm",
    "QuoteForm",
    "RecallForm",
    "RefuseForm",
    "RenewForm",
    "RenewalRequestForm",
    "ReproductionOrderForm",
    "ReturnForm",
    "RightsFindingForm",
    "ShipForm",
    "StaffNoteForm",
    "StaffOnlyNoteForm",
]
