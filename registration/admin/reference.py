"""The reference data staff keep in the admin: imported directory records and the published
registration terms."""

from __future__ import annotations

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone

from registration.access import staff_user
from registration.models import DirectoryRecord, TermsVersion


@admin.register(DirectoryRecord)
class DirectoryRecordAdmin(admin.ModelAdmin):
    list_display = ["name", "source", "oclc_symbol", "isil", "fscs_key", "city", "region"]
    list_filter = ["source"]
    search_fields = ["name", "oclc_symbol", "isil", "fscs_key", "city", "postal_code"]
    show_full_result_count = False


@admin.register(TermsVersion)
class TermsVersionAdmin(admin.ModelAdmin):
    """Publishing a new version is adding one; published texts stay as they were accepted."""

    list_display = ["version", "published_at", "published_by"]
    fields = ["terms"]

    def has_change_permission(self, request: HttpRequest, obj: TermsVersion | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, str | list[str]]:
        current = TermsVersion.current()
        if current is None:
            return {}
        return {"terms": current.terms}

    def save_model(
        self, request: HttpRequest, obj: TermsVersion, form: ModelForm[TermsVersion], change: bool
    ) -> None:
        current = TermsVersion.current()
        obj.version = (current.version if current else 0) + 1
        obj.published_by = staff_user(request)
        obj.published_at = timezone.now()
        super().save_model(request, obj, form, change)
