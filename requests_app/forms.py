"""Request forms (institution portal) and action forms (staff desk).

Forms validate; services act."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils import timezone
from stdnum import isbn, issn
from stdnum.exceptions import ValidationError as StdnumError

from copyright_rules.facts import (
    OUTCOME_LABELS,
    Basis,
    Extent,
    Material,
    Purpose,
    RequestFacts,
    Rights,
    Service,
    Statement,
    WorkKind,
)
from copyright_rules.models import LEGAL_DETERMINATIONS, RIGHTS_FINDINGS
from fees import services as fees
from illdesk.forms import AsciiDecimalField, AsciiIntegerField
from illdesk.numbers import BIGINT_MAX, parse_number
from requests_app.citations import (
    count_pages,
    normalize_doi,
    normalize_lccn,
    normalize_pmid,
    read_pages,
)
from requests_app.models import (
    COPYRIGHT_FACT_FIELDS,
    CORRECTABLE_FIELDS,
    IntendedUse,
    RefusalReason,
    ReproductionFormat,
    Request,
    RequestType,
    RightsStatus,
    Status,
)
from requests_app.queues import AGES, Claimed, Queue
from requests_app.wording import STAFF_STATUS_CHOICES

# 37 CFR 201.14(b), the Order Warning of Copyright, verbatim (as printed in Copyright Office
# Circular 21). 201.14(c)(2) requires it in a box on the order form itself, in type no smaller
# than the form's: the copy form renders these paragraphs in such a box.
COPYRIGHT_WARNING_HEADINGS = ("NOTICE", "WARNING CONCERNING COPYRIGHT RESTRICTIONS")
COPYRIGHT_WARNING_PARAGRAPHS = (
    "The copyright law of the United States (Title 17, United States Code) governs the making of "
    "photocopies or other reproductions of copyrighted material.",
    "Under certain conditions specified in the law, libraries and archives are authorized to "
    "furnish a photocopy or other reproduction. One of these specified conditions is that the "
    'photocopy or reproduction is not to be "used for any purpose other than private study, '
    'scholarship, or research." If a user makes a request for, or later uses, a photocopy or '
    'reproduction for purposes in excess of "fair use," that user may be liable for copyright '
    "infringement.",
    "This institution reserves the right to refuse to accept a copying order if, in its "
    "judgment, fulfillment of the order would involve violation of copyright law.",
)
COPYRIGHT_WARNING_TEXT = "\n\n".join(
    ["\n".join(COPYRIGHT_WARNING_HEADINGS), *COPYRIGHT_WARNING_PARAGRAPHS]
)

_DATE = re.compile(r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$")
_YES_NO = [("", "Not stated"), ("yes", "Yes"), ("no", "No")]


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class CitationForm(forms.ModelForm):
    """Identifier validation shared by both request forms."""

    def request_fields(self) -> dict[str, Any]:
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

    # What the library asks of its request (loan and copy forms alike).

    def clean_need_by(self) -> Any:
        value = self.cleaned_data["need_by"]
        if value and value < timezone.localdate():
            raise forms.ValidationError("The need-by date is in the past.")
        return value

    def clean_max_cost(self) -> Any:
        value = self.cleaned_data["max_cost"]
        if value is not None and value < 0:
            raise forms.ValidationError("The maximum cost cannot be negative.")
        return value


class LoanRequestForm(CitationForm):
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
        labels = {"title": "Title", "publication_date": "Year", "patron_ref": "Your reference"}
        field_classes = {"max_cost": AsciiDecimalField}
        help_texts = {
            "lccn": "For example 85-2 or n78-890351.",
            "call_number": "If known.",
            "patron_ref": "Optional: your own reference, for example your ILLiad transaction "
            "number. Every email about the request repeats it.",
            "max_cost": "In US dollars.",
        }
        widgets = {
            "need_by": forms.DateInput(attrs={"type": "date"}),
            "delivery_notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].required = True

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


PATRON_ID_HELP = (
    "Optional: who the copy is for, as your ILL system knows them (for example a patron "
    "barcode). The office uses it only to apply the one-article-per-issue rule to the same "
    "patron."
)


class CopyRequestForm(CitationForm):
    """An article or a part of a work, with the CONTU compliance statement (docs/copyright.md 1)."""

    statement = forms.ChoiceField(
        label="Compliance statement",
        choices=[
            (Statement.CCG, "CCG: this request complies with the CONTU guidelines"),
            (Statement.CCL, "CCL: this request complies with copyright law on another basis"),
        ],
        widget=forms.RadioSelect,
    )
    basis = forms.ChoiceField(
        label="Basis for CCL",
        required=False,
        choices=[
            ("", "Choose (CCL only)"),
            (Basis.OLDER_THAN_WINDOW, "Published more than five years ago"),
            (Basis.OWN_COPY, "We own or subscribe to it, but our copy is not available"),
            (Basis.PUBLIC_DOMAIN, "Public domain"),
            (Basis.FAIR_USE, "Fair use (explain in the note)"),
        ],
    )
    note = forms.CharField(
        label="Note on the basis",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required for fair use.",
    )
    own_copy_covers_item = forms.ChoiceField(
        label="Does your own holding cover the requested item?",
        required=False,
        choices=_YES_NO,
        help_text="For the own-copy basis.",
    )
    permission_reference = forms.CharField(
        label="Permission reference",
        required=False,
        max_length=200,
        help_text="A Copyright Clearance Center order number or rightsholder permission, if any.",
    )
    extent = forms.ChoiceField(
        label="What is wanted",
        choices=[
            (Extent.ONE_ARTICLE, "One article or chapter"),
            (Extent.PART, "Part of a book or other work (give pages and total pages)"),
            (Extent.MULTIPLE_ARTICLES, "Several articles from one issue"),
            (Extent.ENTIRE_ISSUE, "An entire issue"),
            (Extent.ENTIRE_WORK, "An entire work"),
        ],
    )
    material = forms.ChoiceField(
        choices=[
            (Material.TEXT, "Text"),
            (Material.MUSIC, "Music"),
            (Material.PICTORIAL, "Pictures, graphics or sculpture"),
            (Material.AUDIOVISUAL, "Audiovisual work"),
            (Material.AUDIOVISUAL_NEWS, "Audiovisual news"),
        ],
    )
    purpose = forms.ChoiceField(
        choices=[
            (Purpose.RESEARCH, "Private study, scholarship or research"),
            (Purpose.OTHER, "Another purpose"),
        ],
    )

    class Meta:
        model = Request
        fields = [
            "work_kind",
            "title",
            "issn",
            "isbn",
            "article_title",
            "author",
            "volume",
            "issue",
            "publication_date",
            "pages",
            "total_pages",
            "doi",
            "pmid",
            "need_by",
            "max_cost",
            "delivery_preference",
            "patron_ref",
            "patron_id",
            "delivery_notes",
        ]
        field_classes = {"total_pages": AsciiIntegerField, "max_cost": AsciiDecimalField}
        help_texts = {
            "pages": "Page numbers or ranges, for example 12-30, 45.",
            "doi": "If known, for example 10.1038/nature12373.",
            "pmid": "If known: the PubMed id, digits only.",
            "total_pages": "For parts of a book: the number of pages in the whole work.",
            "patron_ref": "Optional: your own reference, for example your ILLiad transaction "
            "number. Every email about the request repeats it.",
            "max_cost": "In US dollars.",
            "patron_id": PATRON_ID_HELP,
        }
        labels = {"patron_ref": "Your reference", "patron_id": "Patron identifier"}
        widgets = {
            "need_by": forms.DateInput(attrs={"type": "date"}),
            "delivery_notes": forms.Textarea(attrs={"rows": 2}),
        }

    duplication = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["work_kind"].required = True
        self.fields["work_kind"].widget = forms.RadioSelect(choices=Request.WorkKind.choices)
        # Every copy is keyed by its title or work, a reproduction order too: an item of the
        # office's collections never forms a key (docs/copyright.md section 10, ruling 2).
        self.fields["title"].required = True
        if "delivery_preference" in self.fields:
            choices = [("", "No preference"), *Request.DeliveryMethod.choices]
            self.fields["delivery_preference"] = forms.ChoiceField(
                label="How the copy should come",
                required=False,
                choices=choices,
                widget=forms.RadioSelect,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("statement") == Statement.CCL and not data.get("basis"):
            self.add_error("basis", "Choose the basis for a CCL statement.")
        ccl_basis = data.get("basis") if data.get("statement") == Statement.CCL else None
        if ccl_basis == Basis.FAIR_USE and not (data.get("note") or "").strip():
            self.add_error("note", "Explain the fair-use basis in the note.")
        if ccl_basis == Basis.OWN_COPY and not data.get("own_copy_covers_item"):
            self.add_error("own_copy_covers_item", "Say whether your holding covers it.")
        self._require_issue_date(data)
        self._clean_pages(data)
        return data

    def _require_issue_date(self, data: dict[str, Any]) -> None:
        """An article is inside or outside the five-year window by its issue's date (R1)."""
        undated = data.get("work_kind") == WorkKind.PERIODICAL and not data.get("publication_date")
        if undated and "publication_date" not in self.errors:
            self.add_error("publication_date", "Give the issue's date or year.")

    def _clean_pages(self, data: dict[str, Any]) -> None:
        pages = (data.get("pages") or "").strip()
        counted = count_pages(pages) if pages else None
        if pages and counted is None:
            self.add_error("pages", "Give pages as numbers or ranges, for example 12-30, 45.")
        elif pages:
            data["pages"] = read_pages(pages)
        if data.get("extent") == Extent.PART:
            if not pages:
                self.add_error("pages", "Give the pages wanted from the work.")
            if not data.get("total_pages"):
                self.add_error("total_pages", "Give the number of pages in the whole work.")
        data["pages_requested"] = counted

    def request_facts(self) -> RequestFacts:
        """The typed facts the copyright rules decide (valid forms only), built once per
        submission: the services pass this object to `decide` unchanged and store it as the
        record's citation. A subclass changes what it cites by overriding `citation_facts`."""
        d = self.cleaned_data
        statement = Statement(d["statement"])
        return RequestFacts(
            created_at=timezone.now(),
            service=Service.COPY,
            statement=statement,
            basis=Basis(d["basis"]) if statement is Statement.CCL and d["basis"] else None,
            note=d["note"] or None,
            own_copy_covers_item=_yes_no(d["own_copy_covers_item"]),
            permission_reference=d["permission_reference"] or None,
            material=Material(d["material"]),
            purpose=Purpose(d["purpose"]),
            extent=Extent(d["extent"]),
            pages_requested=d.get("pages_requested"),
            total_pages=d["total_pages"],
            **self.citation_facts(),
        )

    def citation_facts(self) -> dict[str, Any]:
        """What identifies the work and the item: the citation part of the facts."""
        d = self.cleaned_data
        return {
            "work_kind": WorkKind(d["work_kind"]),
            "title": d["title"] or None,
            "issns": (d["issn"],) if d["issn"] else (),
            "isbns": (d["isbn"],) if d["isbn"] else (),
            "author": d["author"] or None,
            "publication_date": d["publication_date"] or None,
            "volume": d["volume"] or None,
            "issue": d["issue"] or None,
            "article": d["article_title"] or None,
            # The rules' patron (R7) is the patron identifier; "Your reference" is the
            # library's transaction number, never a patron (docs/copyright.md section 4).
            "patron_ref": d["patron_id"] or None,
        }


class DuplicationRequestForm(CopyRequestForm):
    """A reproduction of the office's own holdings: an identifier may replace the citation."""

    duplication = True

    class Meta(CopyRequestForm.Meta):
        fields = [
            "reproduction_number",
            "call_number",
            "digital_id",
            *CopyRequestForm.Meta.fields,
        ]
        help_texts = {
            **CopyRequestForm.Meta.help_texts,
            "reproduction_number": "From the office's catalogue or a previous order.",
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        ids = ("reproduction_number", "call_number", "digital_id")
        if not any((data.get(name) or "").strip() for name in ids):
            self.add_error(
                "reproduction_number",
                "Give at least one of: reproduction number, call number or digital id.",
            )
        return data

    order_again = forms.BooleanField(
        label="Order it again",
        required=False,
        help_text="We know this article was already supplied to us this year.",
    )

    def citation_facts(self) -> dict[str, Any]:
        """The citation and the holding's identifiers. The order is keyed by its title or work
        like any other copy, never by the holding (docs/copyright.md section 10, ruling 2)."""
        d = self.cleaned_data
        return {
            **super().citation_facts(),
            "reproduction_number": d["reproduction_number"] or None,
            "call_number": d["call_number"] or None,
            "digital_id": d["digital_id"] or None,
        }


# What a library states when it orders a reproduction (shown with the 37 CFR 201.14 warning, which
# applies to "photocopies or other reproductions" alike).
REPRODUCTION_STATEMENT = (
    "We will use this reproduction only for the use stated above. Where the item is protected by "
    "copyright or other rights, we (or our patron) are responsible for obtaining the permission "
    "that use needs; the office supplies a reproduction, not a right to publish it."
)
_USES_NEEDING_CREDIT = (
    IntendedUse.PUBLICATION,
    IntendedUse.EXHIBITION,
    IntendedUse.BROADCAST,
)


class ReproductionOrderForm(DuplicationRequestForm):
    """A Library of Congress Duplication Services order: the item (a reproduction number, call
    number or digital id at least), what to make of it, for what use, and the rights in it. The
    journal-copy questions are not asked; the copyright facts are derived from the answers in
    `clean` and built by the duplication form's `facts`."""

    rights_statement = forms.BooleanField(label=REPRODUCTION_STATEMENT)

    class Meta(DuplicationRequestForm.Meta):
        fields = [
            "reproduction_number",
            "call_number",
            "digital_id",
            "title",
            "article_title",
            "author",
            "publication_date",
            "work_kind",
            "reproduction_format",
            "resolution",
            "size",
            "quantity",
            "intended_use",
            "credit_line",
            "rights",
            "patron_ref",
            "patron_id",
            "delivery_notes",
        ]
        labels = {
            "title": "Title or description of the item",
            "article_title": "Article title",
            "author": "Creator",
            "publication_date": "Date of the item",
            "reproduction_format": "Format",
            "intended_use": "Intended use",
            "rights": "Rights in the item",
            "resolution": "Resolution",
            "patron_ref": "Your reference",
            "patron_id": "Patron identifier",
            "delivery_notes": "Notes for the office",
        }
        help_texts = {
            "reproduction_number": "For example LC-USZ62-12345 (from the catalogue record).",
            "digital_id": "For example ppmsca.12345 or g3850.ct001234.",
            "article_title": "Only for an article from a journal, magazine or newspaper. Copies "
            "of articles count under the rule of five, as journal copies do.",
            "resolution": "For image files: for example 600 ppi, or highest available.",
            "size": "For prints: for example 8 x 10 in or 11 x 14 in.",
            "quantity": "Copies of each image.",
            "credit_line": "Required for publication, exhibition and broadcast: for example "
            "Library of Congress, Prints & Photographs Division, LC-USZ62-12345.",
            "patron_ref": "Optional: your own reference, for example your ILLiad transaction "
            "number. Every email about the order repeats it.",
            "patron_id": PATRON_ID_HELP,
        }
        widgets = {"delivery_notes": forms.Textarea(attrs={"rows": 2})}

    _NOT_ASKED: tuple[str, ...] = (
        "work_kind",
        "statement",
        "basis",
        "note",
        "own_copy_covers_item",
        "extent",
        "purpose",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self._NOT_ASKED:
            del self.fields[name]
        for name, choices in (
            ("reproduction_format", ReproductionFormat.choices),
            ("intended_use", IntendedUse.choices),
            ("rights", RightsStatus.choices),
        ):
            label = self.fields[name].label
            self.fields[name] = forms.ChoiceField(
                label=label, choices=choices, widget=forms.RadioSelect
            )
        self.fields["quantity"].widget.attrs.update(min=1, max=100)
        self.fields["material"].label = "What the item is"
        self.fields[
            "permission_reference"
        ].help_text = "If you have the rights holder's permission: its reference."

    def clean_quantity(self) -> int:
        value: int = self.cleaned_data["quantity"]
        if not 1 <= value <= 100:
            raise forms.ValidationError("Order from 1 to 100 copies.")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        use, rights = data.get("intended_use"), data.get("rights")
        if use in _USES_NEEDING_CREDIT and not (data.get("credit_line") or "").strip():
            self.add_error("credit_line", "Give the credit line the publication will print.")
        if rights == RightsStatus.PERMISSION and not data.get("permission_reference"):
            self.add_error("permission_reference", "Give the reference of the permission.")
        if rights == RightsStatus.SECTION_108 and use and use != IntendedUse.PRIVATE_STUDY:
            self.add_error(
                "rights",
                "Section 108 covers copies for private study, scholarship or research only: "
                "for this use, give the rights holder's permission or choose Not known.",
            )
        data.update(self._derived_facts(data))
        self._require_issue_date(data)
        return data

    def citation_facts(self) -> dict[str, Any]:
        """An order states the rights in the item (docs/copyright.md section 4, "Reproduction
        orders"): outside section 108, the office reviews them instead of refusing."""
        return {**super().citation_facts(), "rights": Rights(self.cleaned_data["rights"])}

    @staticmethod
    def _derived_facts(data: dict[str, Any]) -> dict[str, Any]:
        """The copy form's answers, derived: an article of a periodical when an article title is
        given (counted under the rule of five, docs/copyright.md section 1), otherwise a whole
        item of the office's own holdings; under CCL when it is in the public domain; for
        research only when privately studied."""
        public = data.get("rights") == RightsStatus.PUBLIC_DOMAIN
        article = bool((data.get("article_title") or "").strip())
        return {
            "work_kind": WorkKind.PERIODICAL if article else WorkKind.NON_PERIODICAL,
            "statement": "CCL" if public else "CCG",
            "basis": "public_domain" if public else "",
            "note": "",
            "own_copy_covers_item": "",
            "extent": "one_article" if article else "entire_work",
            "purpose": "research"
            if data.get("intended_use") == IntendedUse.PRIVATE_STUDY
            else "other",
            "issn": "",
            "isbn": "",
            "volume": "",
            "issue": "",
            "total_pages": None,
            "pages_requested": None,
        }


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


class LibraryMessageForm(forms.Form):
    """The library writes to the office about one request."""

    text = forms.CharField(
        label="Your message to the office",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The office is emailed at once and answers here and by email.",
    )


# --- Actions ---------------------------------------------------------------------------------


class ActionForm(forms.Form):
    """Every action posts the status the user saw, so a stale page cannot act twice. The other
    fields are named after the keyword arguments of the action's service (requests_app.actions);
    those in `prefill` start from the request's current values."""

    prefill: tuple[str, ...] = ()

    seen_status = forms.ChoiceField(choices=Status.choices, widget=forms.HiddenInput)

    @classmethod
    def initial_for(cls, item: Request) -> dict[str, Any]:
        """The request's current values of the fields in `prefill`."""
        return {name: getattr(item, name) for name in cls.prefill}

    def __init__(self, *args: Any, batch: bool = False, **kwargs: Any) -> None:
        """`batch`: the input for many requests at once, each with its own seen status."""
        super().__init__(*args, **kwargs)
        if batch:
            del self.fields["seen_status"]

    def fit(self, item: Request) -> None:
        """Adapt the form to the request it acts on (a form whose fields depend on it)."""

    def arguments(self) -> dict[str, Any]:
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

    def arguments(self) -> dict[str, Any]:
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


class RenewalRequestForm(forms.Form):
    """The library asks for a renewal of a loan."""

    note = forms.CharField(
        label="Note to the office (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StaffOnlyNoteForm(ActionForm):
    text = forms.CharField(
        label="Note for colleagues",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Never shown to the library and never emailed.",
    )

    def arguments(self) -> dict[str, Any]:
        """A note changes no status: the service takes no seen status."""
        return {"text": self.cleaned_data["text"]}


class MessageForm(ActionForm):
    text = forms.CharField(
        label="Message to the library",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown on the library's request page and emailed to its contact.",
    )

    def arguments(self) -> dict[str, Any]:
        """A message changes no status: the service takes no seen status."""
        return {"text": self.cleaned_data["text"]}


class ConditionalForm(ActionForm):
    conditions = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text='For example "library use only" or a cost.',
    )

    @classmethod
    def initial_for(cls, item: Request) -> dict[str, Any]:
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

    def clean_due_date(self) -> Any:
        value = self.cleaned_data["due_date"]
        if value <= timezone.localdate():
            raise forms.ValidationError("The due date must be in the future.")
        return value


class RecallForm(ActionForm):
    due_date = forms.DateField(label="Return by", widget=forms.DateInput(attrs={"type": "date"}))

    def clean_due_date(self) -> Any:
        value = self.cleaned_data["due_date"]
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

    clean_issn = CitationForm.clean_issn
    clean_isbn = CitationForm.clean_isbn
    clean_doi = CitationForm.clean_doi
    clean_pmid = CitationForm.clean_pmid
    clean_publication_date = CitationForm.clean_publication_date
    clean_lccn = LoanRequestForm.clean_lccn
    clean_oclc_number = LoanRequestForm.clean_oclc_number

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = forms.fields_for_model(
            Request,
            fields=CORRECTABLE_FIELDS,
            field_classes={"total_pages": AsciiIntegerField},
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

    def arguments(self) -> dict[str, Any]:
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
    def initial_for(cls, item: Request) -> dict[str, Any]:
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
