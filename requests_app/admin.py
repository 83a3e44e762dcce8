"""Requests in the admin: a read-only index for office managers. The work happens on the desk
(/desk/), where every change is a recorded, compare-and-set transition."""

from django.contrib import admin
from django.http import HttpRequest

from requests_app.iso18626 import admin as iso18626_admin  # noqa: F401  (registers it)
from requests_app.models import Request, RequestEvent


class RequestEventInline(admin.TabularInline):
    model = RequestEvent
    fields = ("created_at", "action", "from_status", "to_status", "actor", "text")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Request | None = None) -> bool:
        return False


@admin.register(Request)
class RequestAdmin(admin.ModelAdmin):
    list_display = ("pk", "institution", "service", "status", "citation_title", "created_at")
    list_filter = ("status", "service")
    list_select_related = ("institution",)
    search_fields = ("=pk", "title", "article_title", "institution__oclc_symbol", "patron_ref")
    date_hierarchy = "created_at"
    inlines = (RequestEventInline,)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Request | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Request | None = None) -> bool:
        # Evidence: a request goes only with its copyright record, by the purge.
        return False
