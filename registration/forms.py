from django import forms
from django.contrib.auth.models import User
from django.http import QueryDict

from illdesk.numbers import AsciiModelChoiceField
from registration.models import (
    CONTACT_FIELDS,
    OCLC_SYMBOL_VALIDATOR,
    OptionalEmail,
    Registration,
    TermsVersion,
)
from registration.normalize import isil_or_blank, phone_key
from registration.services import current_terms

# What a registrant gives and may correct: the ISIL and every contact field staff verify.
DETAIL_FIELDS = ["isil", *CONTACT_FIELDS]


def _text(autocomplete: str) -> forms.TextInput:
    """A text box the browser may fill in: `autocomplete` names what it holds."""
    return forms.TextInput(attrs={"autocomplete": autocomplete})


class RegistrationDetailsForm(forms.ModelForm):
    """The library's details, as it registers them or corrects them when staff ask."""

    class Meta:
        model = Registration
        fields = DETAIL_FIELDS
        widgets = {
            "name": _text("organization"),
            "street": _text("street-address"),
            "city": _text("address-level2"),
            "region": _text("address-level1"),
            "postal_code": _text("postal-code"),
            "country": _text("country-name"),
            "contact_name": _text("name"),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": _text("tel"),
            "shipping_address": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "isil": "Optional, e.g. DLC or US-DLC (MARC code) or GB-UkOxU (ISIL).",
            "phone": "A number staff can call to verify the registration.",
            "shipping_address": "Only if loans go somewhere else, for example the interlibrary "
            "loan office's loading dock. Leave empty to use the postal address above.",
            "delivery_email": "Only if copies should be announced to another address, for "
            "example a shared interlibrary loan mailbox. Leave empty to use the contact email.",
        }

    def clean_isil(self) -> str:
        try:
            return isil_or_blank(self.cleaned_data["isil"])
        except ValueError:
            raise forms.ValidationError(
                "Not a valid MARC organization code or ISIL (e.g. DLC, US-DLC, GB-UkOxU)."
            ) from None

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if len(phone_key(phone)) < 7:
            raise forms.ValidationError("Enter a phone number with its area code.")
        return phone

    def details(self) -> dict[str, object]:
        return {name: self.cleaned_data[name] for name in DETAIL_FIELDS}


class RegistrationUpdateForm(RegistrationDetailsForm):
    """The registrant's answer to a request for more information (the link in its email)."""

    message = forms.CharField(
        label="Anything else we asked for, or want to tell us",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RegistrationForm(RegistrationDetailsForm):
    accept_terms = forms.BooleanField(
        label="We accept the terms and the copyright statement above",
        error_messages={"required": "Tick the box to accept the terms and copyright statement."},
    )
    terms_version = AsciiModelChoiceField(
        queryset=TermsVersion.objects.all(), widget=forms.HiddenInput
    )
    # A honeypot: people never see it (hidden by CSS and from assistive technology); bots that
    # fill every field do. See templates/registration/register.html.
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta(RegistrationDetailsForm.Meta):
        fields = ["oclc_symbol", *DETAIL_FIELDS]
        help_texts = {
            **RegistrationDetailsForm.Meta.help_texts,
            "oclc_symbol": "3 to 6 characters as OCLC assigned it, e.g. DLC. It becomes your "
            "username.",
        }

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        accepted, current = data.get("terms_version"), current_terms()
        if accepted is not None and accepted.pk != current.pk:
            # Only the current terms can be accepted. The page shows them again, with the box
            # unticked and the current version in the hidden field, to be read and accepted.
            self.data = {
                **dict(self.data.items()),
                "terms_version": str(current.pk),
                "accept_terms": "",
            }
            self.add_error(
                "accept_terms",
                f"The terms were updated (to version {current.version}) after you opened this "
                "page. Read the current terms above and tick the box again to accept them.",
            )
        return data

    def clean_oclc_symbol(self) -> str:
        symbol = self.cleaned_data["oclc_symbol"].strip().upper()
        OCLC_SYMBOL_VALIDATOR(symbol)
        # The symbol becomes the username: one that names another account (a staff member's,
        # in any case) could never be the library's, and would be confused with it.
        if User.objects.filter(username__iexact=symbol, institution__isnull=True).exists():
            raise forms.ValidationError(
                "This symbol cannot be registered online. Please contact the office."
            )
        return symbol

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))

    def registration_data(self) -> dict[str, object]:
        return {"oclc_symbol": self.cleaned_data["oclc_symbol"], **self.details()}


class NoteForm(forms.Form):
    text = forms.CharField(label="Verification note", widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    """Approve (optional note), reject (reason required) or ask for more information."""

    text = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    contact_confirmation = forms.CharField(
        label="How the new contact was confirmed",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    identifiers_acknowledged = forms.BooleanField(required=False)
    confirm_rejection = forms.BooleanField(required=False)

    def __init__(self, data: QueryDict | None = None, *, text_required: bool = False) -> None:
        super().__init__(data)
        self.fields["text"].required = text_required


class EmailPreferencesForm(forms.Form):
    """The optional request emails an institution receives (docs/emails.md, "Preferences")."""

    emails = forms.MultipleChoiceField(
        label="Email us when",
        choices=OptionalEmail.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Untick what you follow on the request pages instead. Holds for copyright, "
        "refusals, cancellations, quotes, conditions, recalls, overdue notices, delivered "
        "copies and the office's messages are always emailed.",
    )
