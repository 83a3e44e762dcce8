"""Deliveries in the admin: a read-only record of what each scan became. The work happens on
the desk (the request page, /desk/scans/)."""

from django.contrib import admin
from django.http import HttpRequest

from delivery.models import Delivery, Source


class SourceInline(admin.TabularInline):
    model = Source
    fields = ("position", "name", "file")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("pk", "request", "status", "step", "found_by", "pages", "created_at")
    list_filter = ("status", "found_by")
    list_select_related = ("request",)
    search_fields = ("=pk", "=request__pk", "problem")
    readonly_fields = [field.name for field in Delivery._meta.fields]
    inlines = (SourceInline,)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False
