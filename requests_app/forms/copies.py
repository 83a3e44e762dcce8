"""The library's copy forms: a copy request (an article or part of a work) and a reproduction
order of the office's own holdings. Both state the copyright facts the rules decide
(`request_facts()`, docs/copyright.md section 1); each asks what applies to it."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from django import forms
from django.utils import timezone

from copyright_rules import services as copyright
from copyright_rules.facts import (
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
from illdesk.numbers import AsciiIntegerField
from requests_app.citations import count_pages, read_pages
from requests_app.forms.citation import (
    PATRON_ID_HELP,
    REQUEST_FIELDS,
    YOUR_REFERENCE_HELP,
    CitationForm,
)
from requests_app.models import (
    IntendedUse,
    ReproductionFormat,
    Request,
    RightsStatus,
)

MATERIALS = [
    (Material.TEXT, "Text"),
    (Material.MUSIC, "Music"),
    (Material.PICTORIAL, "Pictures, graphics or sculpture"),
    (Material.AUDIOVISUAL, "Audiovisual work"),
    (Material.AUDIOVISUAL_NEWS, "Audiovisual news"),
]
_YES_NO = [("", "Not stated"), ("yes", "Yes"), ("no", "No")]


class CopyForm(CitationForm):
    """What both copy forms ask: the work cited, what kind of material it is, a permission the
    library holds, and who the copy is for. `request_facts()` builds the facts from these; each
    form adds the facts its own questions give."""

    # A reproduction of the office's own holdings (the request's `is_duplication`).
    duplication: ClassVar[bool] = False

    material = forms.ChoiceField(choices=MATERIALS)
    permission_reference = forms.CharField(
        label="Permission reference",
        required=False,
        max_length=200,
        help_text="A Copyright Clearance Center order number or rightsholder permission, if any.",
    )

    # Every copy is keyed by its title or work, a reproduction order too: an item of the
    # office's collections never forms a key (docs/copyright.md section 10, ruling 2).
    title = Request._meta.get_field("title").formfield(required=True)

    class Meta:
        model = Request
        fields = ["title", "article_title", "author", "publication_date"]
        field_classes = REQUEST_FIELDS
        labels = {"patron_ref": "Your reference", "patron_id": "Patron identifier"}
        help_texts = {"patron_ref": YOUR_REFERENCE_HELP, "patron_id": PATRON_ID_HELP}

    def request_facts(self) -> RequestFacts:
        """The typed facts the copyright rules decide (valid forms only), built once per
        submission: the services pass this object to `decide` unchanged and store it as the
        record's citation. Here, the facts both forms ask for; each form adds its own."""
        d = self.cleaned_data
        return RequestFacts(
            created_at=timezone.now(),
            service=Service.COPY,
            title=d["title"] or None,
            author=d["author"] or None,
            publication_date=d["publication_date"] or None,
            article=d["article_title"] or None,
            # The rules' patron (R7) is the patron identifier; "Your reference" is the
            # library's transaction number, never a patron (docs/copyright.md section 4).
            patron_ref=d["patron_id"] or None,
            material=Material(d["material"]),
            permission_reference=d["permission_reference"] or None,
        )

    def _require_issue_date(self, work_kind: str | None) -> None:
        """An article is inside or outside the five-year window by its issue's date: the rules
        return a periodical copy without one, or dated later than they take as plausible (R1),
        and the form says so next to the date instead."""
        if work_kind != WorkKind.PERIODICAL or "publication_date" in self.errors:
            return
        dated = self.cleaned_data.get("publication_date")
        latest = copyright.latest_plausible_year()
        if not dated:
            self.add_error("publication_date", "Give the issue's date or year.")
        elif int(dated[:4]) > latest:
            self.add_error(
                "publication_date",
                f"The year {dated[:4]} is later than {latest}, which looks like a citation "
                "error: check the issue's date.",
            )


class CopyRequestForm(CopyForm):
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
    own_copy_covers_item = forms.TypedChoiceField(
        label="Does your own holding cover the requested item?",
        required=False,
        choices=_YES_NO,
        coerce={"yes": True, "no": False}.__getitem__,
        empty_value=None,
        help_text="For the own-copy basis.",
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
    purpose = forms.ChoiceField(
        choices=[
            (Purpose.RESEARCH, "Private study, scholarship or research"),
            (Purpose.OTHER, "Another purpose"),
        ],
    )
    work_kind = Request._meta.get_field("work_kind").formfield(
        required=True, choices=Request.WorkKind.choices, widget=forms.RadioSelect
    )
    delivery_preference = forms.ChoiceField(
        label="How the copy should come",
        required=False,
        choices=[("", "No preference"), *Request.DeliveryMethod.choices],
        widget=forms.RadioSelect,
    )

    class Meta(CopyForm.Meta):
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
            "language",
            "doi",
            "pmid",
            "need_by",
            "max_cost",
            "delivery_preference",
            "patron_ref",
            "patron_id",
            "delivery_notes",
        ]
        field_classes = {**REQUEST_FIELDS, "total_pages": AsciiIntegerField}
        help_texts = {
            **CopyForm.Meta.help_texts,
            "pages": "Page numbers or ranges, for example 12-30, 45.",
            "doi": "If known, for example 10.1038/nature12373.",
            "pmid": "If known: the PubMed id, digits only.",
            "total_pages": "For parts of a book: the number of pages in the whole work.",
            "language": "If not English, for example French or fr: the scan's text is read in it.",
            "max_cost": "In US dollars.",
        }
        widgets = {
            "need_by": forms.DateInput(attrs={"type": "date"}),
            "delivery_notes": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("statement") == Statement.CCL and not data.get("basis"):
            self.add_error("basis", "Choose the basis for a CCL statement.")
        ccl_basis = data.get("basis") if data.get("statement") == Statement.CCL else None
        if ccl_basis == Basis.FAIR_USE and not (data.get("note") or "").strip():
            self.add_error("note", "Explain the fair-use basis in the note.")
        if ccl_basis == Basis.OWN_COPY and data.get("own_copy_covers_item") is None:
            self.add_error("own_copy_covers_item", "Say whether your holding covers it.")
        self._require_issue_date(data.get("work_kind"))
        self._clean_pages(data)
        return data

    def _clean_pages(self, data: dict[str, object]) -> None:
        typed = data.get("pages")
        pages = typed.strip() if isinstance(typed, str) else ""
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
        d = self.cleaned_data
        statement = Statement(d["statement"])
        return replace(
            super().request_facts(),
            work_kind=WorkKind(d["work_kind"]),
            issns=(d["issn"],) if d["issn"] else (),
            isbns=(d["isbn"],) if d["isbn"] else (),
            volume=d["volume"] or None,
            issue=d["issue"] or None,
            statement=statement,
            basis=Basis(d["basis"]) if statement is Statement.CCL and d["basis"] else None,
            note=d["note"] or None,
            own_copy_covers_item=d["own_copy_covers_item"],
            purpose=Purpose(d["purpose"]),
            extent=Extent(d["extent"]),
            pages_requested=d.get("pages_requested"),
            total_pages=d["total_pages"],
        )


# What a library states when it orders a reproduction (shown with the 37 CFR 201.14 warning, which
# applies to "photocopies or other reproductions" alike).
REPRODUCTION_STATEMENT = (
    "We will use this reproduction only for the use stated above. Where the item is protected by "
    "copyright or other rights, we (or our patron) are responsible for obtaining the permission "
    "that use needs; the office supplies a reproduction, not a right to publish it."
)
# The office's holding a reproduction order names: at least one of them.
HOLDING_FIELDS = ("reproduction_number", "call_number", "digital_id")
_USES_NEEDING_CREDIT = (IntendedUse.PUBLICATION, IntendedUse.EXHIBITION, IntendedUse.BROADCAST)


class ReproductionOrderForm(CopyForm):
    """A Library of Congress Duplication Services order: the item (a reproduction number, call
    number or digital id at least), what to make of it, for what use, and the rights in it. The
    journal-copy questions are not asked: `request_facts()` derives their answers from the item,
    the use and the rights the library states."""

    duplication = True

    title = Request._meta.get_field("title").formfield(
        required=True, label="Title or description of the item"
    )
    material = forms.ChoiceField(label="What the item is", choices=MATERIALS)
    permission_reference = forms.CharField(
        label="Permission reference",
        required=False,
        max_length=200,
        help_text="If you have the rights holder's permission: its reference.",
    )
    reproduction_format = forms.ChoiceField(
        label="Format", choices=ReproductionFormat.choices, widget=forms.RadioSelect
    )
    intended_use = forms.ChoiceField(
        label="Intended use", choices=IntendedUse.choices, widget=forms.RadioSelect
    )
    rights = forms.ChoiceField(
        label="Rights in the item", choices=RightsStatus.choices, widget=forms.RadioSelect
    )
    order_again = forms.BooleanField(
        label="Order it again",
        required=False,
        help_text="We know this article was already supplied to us this year.",
    )
    rights_statement = forms.BooleanField(label=REPRODUCTION_STATEMENT)
    quantity = Request._meta.get_field("quantity").formfield(
        min_value=1,
        max_value=100,
        help_text="Copies of each image.",
        error_messages=dict.fromkeys(["min_value", "max_value"], "Order from 1 to 100 copies."),
    )

    class Meta(CopyForm.Meta):
        fields = [
            *HOLDING_FIELDS,
            "title",
            "article_title",
            "author",
            "publication_date",
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
            **CopyForm.Meta.labels,
            "article_title": "Article title",
            "author": "Creator",
            "publication_date": "Date of the item",
            "resolution": "Resolution",
            "delivery_notes": "Notes for the office",
        }
        help_texts = {
            **CopyForm.Meta.help_texts,
            "reproduction_number": "For example LC-USZ62-12345 (from the catalogue record).",
            "digital_id": "For example ppmsca.12345 or g3850.ct001234.",
            "article_title": "Only for an article from a journal, magazine or newspaper. Copies "
            "of articles count under the rule of five, as journal copies do.",
            "resolution": "For image files: for example 600 ppi, or highest available.",
            "size": "For prints: for example 8 x 10 in or 11 x 14 in.",
            "credit_line": "Required for publication, exhibition and broadcast: for example "
            "Library of Congress, Prints & Photographs Division, LC-USZ62-12345.",
            "patron_ref": "Optional: your own reference, for example your ILLiad transaction "
            "number. Every email about the order repeats it.",
        }
        widgets = {"delivery_notes": forms.Textarea(attrs={"rows": 2})}

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not any((data.get(name) or "").strip() for name in HOLDING_FIELDS):
            self.add_error(
                "reproduction_number",
                "Give at least one of: reproduction number, call number or digital id.",
            )
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
        self._require_issue_date(self._work_kind())
        return data

    def _is_article(self) -> bool:
        return bool((self.cleaned_data.get("article_title") or "").strip())

    def _work_kind(self) -> WorkKind:
        """An article of a periodical when an article title is given (counted under the rule of
        five, docs/copyright.md section 1), otherwise a whole item of the office's holdings."""
        return WorkKind.PERIODICAL if self._is_article() else WorkKind.NON_PERIODICAL

    def request_fields(self) -> dict[str, object]:
        return {**super().request_fields(), "work_kind": self._work_kind()}

    def request_facts(self) -> RequestFacts:
        """The item, the use and the rights stated, as the copy form's facts: under CCL when the
        item is in the public domain, for research only when privately studied. An order states
        the rights in the item (docs/copyright.md section 4, "Reproduction orders"): outside
        section 108, the office reviews them instead of refusing. It is keyed by its title or
        work like any other copy, never by the holding (section 10, ruling 2)."""
        d = self.cleaned_data
        public = d["rights"] == RightsStatus.PUBLIC_DOMAIN
        private = d["intended_use"] == IntendedUse.PRIVATE_STUDY
        return replace(
            super().request_facts(),
            work_kind=self._work_kind(),
            statement=Statement.CCL if public else Statement.CCG,
            basis=Basis.PUBLIC_DOMAIN if public else None,
            purpose=Purpose.RESEARCH if private else Purpose.OTHER,
            extent=Extent.ONE_ARTICLE if self._is_article() else Extent.ENTIRE_WORK,
            reproduction_number=d["reproduction_number"] or None,
            call_number=d["call_number"] or None,
            digital_id=d["digital_id"] or None,
            rights=Rights(d["rights"]),
        )
