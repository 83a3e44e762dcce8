"""The library's copy forms: what every copy states (`CopyForm`) and a copy request (an article or
part of a work). Both copy forms, this one and the reproduction order (`forms.reproductions`), state
the copyright facts the rules decide (`request_facts()`, docs/copyright.md section 1); each asks
what applies to it."""

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
    Request,
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
