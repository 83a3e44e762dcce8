"""The fee schedule and exemptions are edited here; invoices, charges and payments are read
here, and a payment is recorded through `fees.services.record_payment` (docs/fees.md)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from fees import services
from fees.models import Charge, ChargeEvent, Exemption, Fee, Invoice, Payment


@admin.register(Fee)
class FeeAdmin(admin.ModelAdmin):
    list_display = ("service", "currency", "base", "pages_included", "per_page", "rush")


@admin.register(Exemption)
class ExemptionAdmin(admin.ModelAdmin):
    list_display = ("institution", "reason", "created_at")
    list_select_related = ("institution",)
    autocomplete_fields = ("institution",)


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ChargeEventInline(_ReadOnly, admin.TabularInline):
    model = ChargeEvent
    fields = ("created_at", "action", "amount", "note", "actor")
    readonly_fields = fields
    extra = 0


@admin.register(Charge)
class ChargeAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("pk", "institution", "request", "kind", "currency", "amount", "charged_on")
    list_filter = ("kind", "currency")
    list_select_related = ("institution", "request")
    search_fields = ("=request__pk", "institution__oclc_symbol")
    inlines = (ChargeEventInline,)


class PaymentInline(_ReadOnly, admin.TabularInline):
    model = Payment
    fields = ("received_on", "method", "reference", "amount", "recorded_by")
    readonly_fields = fields
    extra = 0


@admin.register(Invoice)
class InvoiceAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("number", "institution", "month", "currency", "total", "paid_at")
    list_filter = ("paid_at", "currency")
    list_select_related = ("institution",)
    search_fields = ("=number", "institution__oclc_symbol")
    inlines = (PaymentInline,)


class PaymentForm(forms.ModelForm):
    class Meta:
        model = Payment
        fields = ("invoice", "method", "reference", "amount", "received_on")

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        invoice, amount = cleaned.get("invoice"), cleaned.get("amount")
        if invoice is not None and amount is not None and amount > invoice.balance:
            self.add_error("amount", f"Invoice {invoice.number} has only {invoice.balance} open.")
        return cleaned


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    form = PaymentForm
    list_display = ("invoice", "method", "reference", "amount", "received_on")
    list_select_related = ("invoice",)
    autocomplete_fields = ("invoice",)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return obj is None

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: Payment, form: forms.ModelForm, change: bool
    ) -> None:
        saved = services.record_payment(
            obj.invoice,
            method=obj.method,
            reference=obj.reference,
            amount=obj.amount,
            received_on=obj.received_on,
            acting_user=request.user,
        )
        obj.pk = saved.pk
