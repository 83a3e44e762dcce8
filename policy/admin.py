"""The office's policy in the admin: rules, days to respond, closures; and the flagged requests,
read only (the periodic job keeps them)."""

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from policy import tasks
from policy.models import Attention, Closure, PolicyRule, ResponseTime


@admin.register(PolicyRule)
class PolicyRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "active", "priority", "action", "request_type", "published_before")
    list_filter = ("active", "action", "request_type")
    list_editable = ("active", "priority")
    list_select_related = ("institution", "partner")
    autocomplete_fields = ("institution",)
    search_fields = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "active", "priority")}),
        (
            "When a new request matches (empty means any)",
            {
                "fields": (
                    "request_type",
                    "work_kind",
                    "published_before",
                    "institution",
                    "partner",
                    "reproduction_format",
                )
            },
        ),
        ("Then", {"fields": ("action", "condition", "refusal_reason", "message")}),
    )

    # A change re-evaluates the open requests the rule touches, after commit (docs/policy.md,
    # "When a rule changes"); list_editable saves come through save_model too.
    def save_model(
        self, request: HttpRequest, obj: PolicyRule, form: forms.ModelForm, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        tasks.rule_saved(obj)

    def delete_model(self, request: HttpRequest, obj: PolicyRule) -> None:
        tasks.rule_deleted(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[PolicyRule]) -> None:
        for rule in queryset:
            tasks.rule_deleted(rule)
        super().delete_queryset(request, queryset)


@admin.register(ResponseTime)
class ResponseTimeAdmin(admin.ModelAdmin):
    list_display = ("request_type", "working_days")


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ("day", "note")
    date_hierarchy = "day"


@admin.register(Attention)
class AttentionAdmin(admin.ModelAdmin):
    list_display = ("request", "reason", "flagged_at")
    list_filter = ("reason",)
    list_select_related = ("request",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Attention | None = None) -> bool:
        return False
