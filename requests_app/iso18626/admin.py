"""ISO 18626 in the admin: partner profiles (staff give one to a verified institution) and the
read-only message log (docs/iso18626.md, "Connecting")."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from requests_app.iso18626.models import MIN_TOKEN_LENGTH, IsoMessage, IsoPartner


class PartnerForm(forms.ModelForm):
    """The security code and header token are typed once and stored hashed only."""

    security_code = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="requestingAgencyAuthentication/securityCode; empty keeps the stored one.",
    )
    header_token = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Sent as 'Authorization: Bearer <token>'. Leave empty to keep the stored one.",
    )
    address = forms.URLField(
        label="Message address",
        assume_scheme="https",
        max_length=500,
        help_text="Where we POST this partner's messages.",
    )

    class Meta:
        model = IsoPartner
        fields = [
            "institution",
            "agency_id_type",
            "agency_id_value",
            "address",
            "account_id",
            "quirks",
            "is_active",
        ]

    def clean_institution(self) -> Any:
        institution = self.cleaned_data["institution"]
        if not institution.may_use_portal:
            raise forms.ValidationError("Only a verified, active institution can be a partner.")
        return institution

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        stored = self.instance.has_credentials
        if not (stored or data.get("security_code") or data.get("header_token")):
            raise forms.ValidationError("Give a security code, a header token, or both.")
        token = data.get("header_token") or ""
        if token and len(token) < MIN_TOKEN_LENGTH:
            self.add_error(
                "header_token", f"Use a generated token of {MIN_TOKEN_LENGTH}+ characters."
            )
        if data.get("security_code") and not data.get("account_id"):
            self.add_error("account_id", "A security code goes with an account id.")
        return data

    def save(self, commit: bool = True) -> IsoPartner:
        partner: IsoPartner = super().save(commit=False)
        if self.cleaned_data.get("security_code"):
            partner.set_security_code(self.cleaned_data["security_code"])
        if self.cleaned_data.get("header_token"):
            partner.set_header_token(self.cleaned_data["header_token"])
        if commit:
            partner.save()
        return partner


@admin.register(IsoPartner)
class PartnerAdmin(admin.ModelAdmin):
    form = PartnerForm
    list_display = ("__str__", "institution", "address", "quirks", "is_active")
    list_select_related = ("institution",)
    search_fields = ("agency_id_value", "institution__oclc_symbol", "institution__name")
    autocomplete_fields = ("institution",)


@admin.register(IsoMessage)
class MessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "direction",
        "kind",
        "summary",
        "partner",
        "request_id",
        "message_status",
        "delivery",
    )
    list_filter = ("direction", "kind", "message_status", "delivery")
    list_select_related = ("partner",)
    search_fields = ("summary", "=request__pk", "partner__agency_id_value")
    readonly_fields = [f.name for f in IsoMessage._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: IsoMessage | None = None) -> bool:
        return request.method in ("GET", "HEAD") and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: IsoMessage | None = None) -> bool:
        return False
