"""Forms of electronic delivery: the desk's Fill action with its scans, and the batch drop."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from delivery.files import ACCEPTED, BadFile, examine
from delivery.models import DEFAULT_LANGUAGE, FROM_CITATION, LANGUAGES, tesseract_code
from delivery.pipeline import installed_languages
from requests_app.forms import ActionForm
from requests_app.models import Request

ACCEPT_ATTR = ".pdf,.tif,.tiff,.jpg,.jpeg,.png,application/pdf,image/tiff,image/jpeg,image/png"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ScansField(forms.FileField):
    """Several files in one field (Django's documented pattern), each examined: a bad one is a
    field error naming it and saying why."""

    def __init__(
        self, *, label: str, help_text: str, required: bool = True, examine_each: bool = True
    ) -> None:
        """`examine_each=False`: a batch, where a bad file is refused on the review page and
        the others go on."""
        widget = MultipleFileInput(attrs={"accept": ACCEPT_ATTR})
        super().__init__(label=label, help_text=help_text, required=required, widget=widget)
        self.examine_each = examine_each

    def clean(self, data: object, initial: object = None) -> list[Any]:
        uploads = data if isinstance(data, list | tuple) else [data] if data else []
        cleaned = [super(ScansField, self).clean(upload, initial) for upload in uploads]
        if not cleaned and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        errors = []
        for upload in cleaned:
            try:
                _check_size(upload)
                if self.examine_each:
                    examine(upload, upload.name)
            except BadFile as bad:
                errors.append(str(bad))
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


def _check_size(upload: Any) -> None:
    if upload.size > settings.REQUESTS_MAX_UPLOAD_BYTES:
        limit = settings.REQUESTS_MAX_UPLOAD_BYTES // (1024 * 1024)
        raise BadFile(upload.name, f"it is larger than the {limit} MB limit.")


def language_choices() -> list[tuple[str, str]]:
    """The languages of LANGUAGES that Tesseract can read here (its data installed)."""
    installed = installed_languages() | {DEFAULT_LANGUAGE}
    return [(code, lang.name) for code, lang in LANGUAGES.items() if code in installed]


def citation_language_choices() -> list[tuple[str, str]]:
    return [(FROM_CITATION, "As each request's citation gives it"), *language_choices()]


class LanguageField(forms.ChoiceField):
    """The language Tesseract reads the scan in; English when not chosen. `from_citation`: the
    first choice is each request's citation's language (a batch, whose requests are found
    later)."""

    def __init__(self, *, from_citation: bool = False, help_text: str = "") -> None:
        self.from_citation = from_citation
        super().__init__(
            label="Language of the text",
            choices=citation_language_choices if from_citation else language_choices,
            initial=FROM_CITATION if from_citation else DEFAULT_LANGUAGE,
            required=False,
            help_text=help_text,
        )

    def clean(self, value: object) -> str:
        chosen = super().clean(value)
        return chosen if chosen or self.from_citation else DEFAULT_LANGUAGE


class FillForm(ActionForm):
    """Fill a copy: mailed, or electronic from scans made into one PDF with a cover page."""

    delivery_method = forms.ChoiceField(
        choices=Request.DeliveryMethod.choices, widget=forms.RadioSelect
    )
    scans = ScansField(
        label="Scanned files",
        required=False,
        help_text=f"Electronic delivery only: {ACCEPTED}; several files make one copy, in the "
        "order chosen.",
    )
    notice = forms.CharField(
        label="Copyright notice found on the work",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="As printed on the work, e.g. \u201c\u00a9 1998 Elsevier Science\u201d. "
        "Leave empty if there is none: the cover page then says the work may be protected "
        "by copyright.",
    )
    language = LanguageField(
        help_text="For reading the scan's text; the citation's if it gives one."
    )

    @classmethod
    def initial_for(cls, item: Request) -> dict[str, object]:
        """The citation's language where it gives one the form offers (docs/delivery.md)."""
        offered = {code for code, _name in language_choices()}
        language = tesseract_code(item.language)
        initial = language if language in offered else DEFAULT_LANGUAGE
        return {**super().initial_for(item), "language": initial}

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        electronic = data.get("delivery_method") == Request.DeliveryMethod.ELECTRONIC
        if electronic and not data.get("scans") and "scans" not in self.errors:
            self.add_error("scans", "Attach the scanned files for electronic delivery.")
        return data


class BatchScansForm(forms.Form):
    scans = ScansField(
        examine_each=False,
        label="Scanned files",
        help_text=f"{ACCEPTED}. Each file is one copy; it finds its request by the pull slip's "
        "barcode on its first page, or by its name (the request number, e.g. 4411.pdf).",
    )
    language = LanguageField(from_citation=True)
