"""Staff screens for copyright: the title authority (merge, split), the read-only record with its
decisions and status history, legal holds, and the compliance and fee reports."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Model, QuerySet
from django.forms.formsets import BaseFormSet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from copyright_rules import reports
from copyright_rules.authority import changing, merge_title_groups, split_title_identifiers
from copyright_rules.keys import normalize_isbn, normalize_issn, normalize_title
from copyright_rules.models import Decision, Record, RecordStatusChange, TitleGroup, TitleIdentifier
from copyright_rules.retention import copyright_today
from copyright_rules.services import mark_fee_paid, set_legal_hold
from illdesk.numbers import parse_number

# --- the title authority -------------------------------------------------------------------

_NORMALIZERS = {
    TitleIdentifier.Kind.ISSN: (normalize_issn, "Not a valid ISSN (check digit or format)."),
    TitleIdentifier.Kind.ISBN: (normalize_isbn, "Not a valid ISBN-10 or ISBN-13."),
    TitleIdentifier.Kind.TITLE: (normalize_title, "A title needs at least one letter or digit."),
}
_KINDS_FOR_GROUP = {
    TitleGroup.Kind.PERIODICAL: {TitleIdentifier.Kind.ISSN, TitleIdentifier.Kind.TITLE},
    TitleGroup.Kind.WORK: {TitleIdentifier.Kind.ISBN},
}


class TitleIdentifierForm(forms.ModelForm):
    """Stores identifiers normalized exactly as the rules compare them."""

    class Meta:
        model = TitleIdentifier
        fields = ["kind", "value"]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        kind, value = data.get("kind"), data.get("value")
        if kind in _NORMALIZERS and value:
            normalize, problem = _NORMALIZERS[kind]
            normalized = normalize(value)
            if not normalized:
                self.add_error("value", problem)
            else:
                data["value"] = normalized
        group = data.get("group") or (self.instance.group if self.instance.group_id else None)
        if group is not None and kind and kind not in _KINDS_FOR_GROUP[group.kind]:
            self.add_error("kind", f"A {group.get_kind_display().lower()} cannot have this kind.")
        return data


class TitleIdentifierInline(admin.StackedInline):
    """Stacked, not tabular: a tabular inline's fields are named only by its column headers,
    which leaves each select and input without a label of its own (WCAG 1.3.1, 4.1.2)."""

    model = TitleIdentifier
    form = TitleIdentifierForm
    extra = 2


@admin.register(TitleGroup)
class TitleGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "identifier_count", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["name", "identifiers__value"]
    inlines = [TitleIdentifierInline]
    actions = ["merge_groups"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[TitleGroup]:
        return super().get_queryset(request).annotate(identifier_total=Count("identifiers"))

    # Keys follow the authority (docs/copyright.md section 1): every change of a group's
    # identifiers happens inside `changing`, which re-keys the records citing them on exit. The
    # admin's delete action runs outside a transaction of its own: `changing` opens one, so the
    # change and the re-keying commit together.
    def save_related(
        self,
        request: HttpRequest,
        form: forms.ModelForm[TitleGroup],
        formsets: Sequence[BaseFormSet[forms.Form]],
        change: bool,
    ) -> None:
        with changing([form.instance]):
            super().save_related(request, form, formsets, change)

    def delete_model(self, request: HttpRequest, obj: TitleGroup) -> None:
        with changing([obj]):
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[TitleGroup]) -> None:
        with changing(queryset):
            super().delete_queryset(request, queryset)

    @admin.display(description="identifiers", ordering="identifier_total")
    def identifier_count(self, obj: TitleGroup) -> int:
        return getattr(obj, "identifier_total", 0)

    @admin.action(description="Merge the selected groups into the oldest one")
    def merge_groups(self, request: HttpRequest, queryset: QuerySet[TitleGroup]) -> None:
        groups = list(queryset.order_by("pk"))
        if len(groups) < 2:
            self.message_user(request, "Select at least two groups to merge.", messages.WARNING)
            return
        try:
            target = merge_title_groups(groups[0], groups[1:])
        except ValueError as problem:
            self.message_user(request, str(problem), messages.ERROR)
            return
        self.message_user(
            request,
            f"Merged {len(groups) - 1} group(s) into “{target}”. Their requests of this year "
            "and last now count together; decisions already taken stay as they were.",
        )


@admin.register(TitleIdentifier)
class TitleIdentifierAdmin(admin.ModelAdmin):
    form = TitleIdentifierForm
    list_display = ["value", "kind", "group"]
    list_filter = ["kind"]
    list_select_related = ["group"]
    search_fields = ["value", "group__name"]
    actions = ["split_off"]

    fields = ["group", "kind", "value"]

    def save_model(
        self,
        request: HttpRequest,
        obj: TitleIdentifier,
        form: forms.ModelForm[TitleIdentifier],
        change: bool,
    ) -> None:
        with changing(identifiers=[obj]):  # as TitleGroupAdmin: the value before and after
            super().save_model(request, obj, form, change)

    def delete_model(self, request: HttpRequest, obj: TitleIdentifier) -> None:
        with changing(identifiers=[obj]):
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[TitleIdentifier]) -> None:
        with changing(identifiers=queryset):
            super().delete_queryset(request, queryset)

    @admin.action(description="Split the selected identifiers off into a new group")
    def split_off(self, request: HttpRequest, queryset: QuerySet[TitleIdentifier]) -> None:
        chosen = list(queryset.select_related("group"))
        name = f"{chosen[0].group.name} (split)" if chosen else ""
        try:
            group = split_title_identifiers(chosen, name=name)
        except ValueError as problem:
            self.message_user(request, str(problem), messages.ERROR)
            return
        self.message_user(request, f"Created “{group}” with {len(chosen)} identifier(s).")


# --- the record ----------------------------------------------------------------------------


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class DecisionInline(ReadOnlyInline):
    model = Decision
    readonly_fields = (
        "created_at", "outcome", "rule", "counted", "copy_number", "title_key", "flags",
        "counted_record_ids", "explanation", "decided_by",
    )  # fmt: skip
    fields = readonly_fields
    ordering = ["created_at", "pk"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Decision]:
        return super().get_queryset(request).select_related("decided_by")


class StatusChangeInline(ReadOnlyInline):
    model = RecordStatusChange
    readonly_fields = ("at", "from_status", "to_status", "by", "note")
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[RecordStatusChange]:
        return super().get_queryset(request).select_related("by")


class UnverifiedKeyFilter(admin.SimpleListFilter):
    title = "title key"
    parameter_name = "key"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Record]
    ) -> list[tuple[str, str]]:
        return [("unverified", "Unverified (lone ISSN or bare title)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Record]) -> QuerySet[Record]:
        if self.value() == "unverified":
            return queryset.with_unverified_key()  # type: ignore[attr-defined]
        return queryset


class UnpaidFeeFilter(admin.SimpleListFilter):
    title = "fee"
    parameter_name = "fee"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Record]
    ) -> list[tuple[str, str]]:
        return [("unpaid", "Unpaid"), ("paid", "Paid")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Record]) -> QuerySet[Record]:
        if self.value() == "unpaid":
            return queryset.filter(permission_fee__gt=0, fee_paid=False)
        if self.value() == "paid":
            return queryset.filter(permission_fee__gt=0, fee_paid=True)
        return queryset


class RecordForm(forms.ModelForm):
    class Meta:
        model = Record
        fields = ["legal_hold", "legal_hold_reason"]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("legal_hold") and not (data.get("legal_hold_reason") or "").strip():
            self.add_error("legal_hold_reason", "Give the reason for the legal hold.")
        return data


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    """Records are written only by the services: staff read them and set or lift a legal hold."""

    form = RecordForm
    list_display = ["pk", "institution", "service", "title_key", "year", "status", "outcome"]
    list_display += ["counted", "legal_hold", "purge_on"]
    list_filter = ["status", "outcome", "service", "year", "legal_hold"]
    list_filter += [UnverifiedKeyFilter, UnpaidFeeFilter]
    list_select_related = ["institution"]
    search_fields = ["title_key", "institution__oclc_symbol", "permission_reference"]
    date_hierarchy = "created_at"
    inlines = [DecisionInline, StatusChangeInline]
    actions = ["mark_fees_paid"]
    readonly_fields = (
        "institution", "service", "work_kind", "created_at", "local_date", "year", "citation",
        "title_key", "key_source", "statement", "basis", "status", "outcome", "counted",
        "permission_reference", "permission_fee", "fee_paid", "determination_kind",
        "determination_note", "fulfilled_at", "fulfilled_by", "returned_at", "retain_until",
        "purge_on", "time_zone",
    )  # fmt: skip
    fields = (*readonly_fields, "legal_hold", "legal_hold_reason")
    change_list_template = "copyright_rules/record_change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # only the retention purge deletes records

    def save_model(
        self, request: HttpRequest, obj: Record, form: forms.ModelForm[Record], change: bool
    ) -> None:
        try:
            set_legal_hold(obj, hold=obj.legal_hold, reason=obj.legal_hold_reason)
        except Record.DoesNotExist:
            raise Http404(f"Record {obj.pk} was purged meanwhile: nothing was held.") from None

    @admin.action(description="Mark the permission fees of the selected records as paid")
    def mark_fees_paid(self, request: HttpRequest, queryset: QuerySet[Record]) -> None:
        self.message_user(request, f"{mark_fee_paid(queryset)} fee(s) marked as paid.")

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("compliance/", view(self.compliance_view), name="copyright_compliance"),
            path("compliance.csv", view(self.compliance_csv), name="copyright_compliance_csv"),
            path("fees.csv", view(self.fees_csv), name="copyright_fees_csv"),
            *super().get_urls(),
        ]

    def compliance_view(self, request: HttpRequest) -> HttpResponse:
        year, institution = self._report_filters(request)
        rows = reports.compliance_rows(year, institution=institution)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Copyright compliance, {year}",
            "opts": self.model._meta,
            "rows": rows,
            "years": [year - offset for offset in range(reports.YEARS_SHOWN)],
            "year": year,
            "institution": institution or "",
        }
        return TemplateResponse(request, "copyright_rules/compliance_report.html", context)

    def compliance_csv(self, request: HttpRequest) -> HttpResponse:
        year, institution = self._report_filters(request)
        response = _csv_response(f"copyright-compliance-{year}.csv")
        rows = reports.compliance_rows(year, institution=institution)
        reports.write_compliance_csv(response, rows, year)
        return response

    def fees_csv(self, request: HttpRequest) -> HttpResponse:
        self._require_view(request)
        response = _csv_response("copyright-fees.csv")
        reports.write_fee_csv(response, reports.fee_records())
        return response

    def _report_filters(self, request: HttpRequest) -> tuple[int, str | None]:
        self._require_view(request)
        this_year = copyright_today().year
        raw = request.GET.get("year", "")
        year = parse_number(raw, minimum=1900, maximum=this_year + 1) or this_year
        return year, request.GET.get("institution", "").strip() or None

    def _require_view(self, request: HttpRequest) -> None:
        if not self.has_view_permission(request):
            raise PermissionDenied


def _csv_response(filename: str) -> HttpResponse:
    return HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["pk", "record", "created_at", "outcome", "rule", "counted", "copy_number"]
    list_filter = ["outcome", "rule", "counted"]
    list_select_related = ["record"]
    search_fields = ["title_key", "record__institution__oclc_symbol"]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [field.name for field in Decision._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
