"""The library's reproduction order of the office's own holdings (LoC Duplication Services): a
copy form (`forms.copies.CopyForm`) asking what a reproduction needs instead of the CONTU
statement."""

from __future__ import annotations

from dataclasses import replace

from django import forms

from copyright_rules.facts import (
    Basis,
    Extent,
    Purpose,
    RequestFacts,
    Rights,
    Statement,
    WorkKind,
)
from requests_app.forms.copies import MATERIALS, CopyForm
from requests_app.models import (
    IntendedUse,
    ReproductionFormat,
    Request,
    RightsStatus,
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
