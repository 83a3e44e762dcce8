"""ISO 18626 in the admin: partner profiles (office managers give one to a verified
institution) and the read-only message log (docs/iso18626.md, "Connecting")."""

from __future__ import annotations

import logging

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from illdesk.outbox import queue_email
from registration.models import Institution
from requests_app.iso18626 import addresses
from requests_app.iso18626.emails import PARTNER_CHANGED
from requests_app.iso18626.models import MIN_TOKEN_LENGTH, IsoMessage, IsoPartner

logger = logging.getLogger(__name__)


class PartnerForm(forms.ModelForm):
    """The security code and header token are typed once and stored hashed only."""

    security_code = forms.CharField(
        label="Security code",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="requestingAgencyAuthentication/securityCode; empty keeps the stored one.",
    )
    header_token = forms.CharField(
        label="Header token",
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

    # Set by PartnerAdmin before the admin's transaction opens: the address as checked then.
    vetted: dict[str, str] = {}

    def clean_institution(self) -> Institution:
        institution = self.cleaned_data["institution"]
        if not institution.may_use_portal:
            raise forms.ValidationError("Only a verified, active institution can be a partner.")
        return institution

    def clean_address(self) -> str:
        address: str = self.cleaned_data["address"]
        problem = self.vetted[address] if address in self.vetted else address_problem(address)
        if problem:
            raise forms.ValidationError(problem)
        return address

    def clean(self) -> dict[str, object]:
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


def address_problem(address: str) -> str:
    """Why we may not send to the address ("" when we may): resolves the host name."""
    try:
        addresses.vet(address)
    except addresses.UnsafeAddress as unsafe:
        return str(unsafe)
    return ""


MANAGE = "requests_app.manage_isopartner"
VETTED = "iso18626_vetted_address"


@admin.register(IsoPartner)
class PartnerAdmin(admin.ModelAdmin):
    """Office managers only (MANAGE): a partner's credentials let one act as that library.
    Every change is in the admin's history and is told to the institution's verified contact."""

    form = PartnerForm
    list_display = ("__str__", "institution", "address", "quirks", "is_active")
    list_select_related = ("institution",)
    search_fields = ("agency_id_value", "institution__oclc_symbol", "institution__name")
    autocomplete_fields = ("institution",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MANAGE)

    def has_change_permission(self, request: HttpRequest, obj: IsoPartner | None = None) -> bool:
        return request.user.has_perm(MANAGE)

    def has_delete_permission(self, request: HttpRequest, obj: IsoPartner | None = None) -> bool:
        return request.user.has_perm(MANAGE)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, object] | None = None,
    ) -> HttpResponse:
        # The admin validates the form inside its transaction; the address's host is looked up
        # here, before it opens, so no transaction waits on DNS.
        address = request.POST.get("address", "") if request.method == "POST" else ""
        if address and self.has_change_permission(request):
            setattr(request, VETTED, {address: address_problem(address)})
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(
        self,
        request: HttpRequest,
        obj: IsoPartner | None = None,
        change: bool = False,
        **kwargs: object,
    ) -> type[forms.ModelForm[IsoPartner]]:
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"vetted": getattr(request, VETTED, {})})

    def save_model(
        self, request: HttpRequest, obj: IsoPartner, form: forms.ModelForm[IsoPartner], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        changed = ", ".join(form.changed_data) or "nothing"
        logger.info("ISO 18626 partner %s: %s by %s", obj.pk, changed, request.user)
        queue_email(PARTNER_CHANGED, target_id=obj.pk, institution_id=obj.institution_id)

    def delete_model(self, request: HttpRequest, obj: IsoPartner) -> None:
        pk = obj.pk
        super().delete_model(request, obj)
        _removed(request, pk, obj.institution_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[IsoPartner]) -> None:
        """The list's "Delete selected" action: each removal logged and told, as on its page."""
        removed = list(queryset.values_list("pk", "institution_id"))
        super().delete_queryset(request, queryset)
        for pk, institution_id in removed:
            _removed(request, pk, institution_id)


def _removed(request: HttpRequest, pk: int, institution_id: int) -> None:
    logger.info("ISO 18626 partner %s deleted by %s", pk, request.user)
    queue_email(PARTNER_CHANGED, institution_id=institution_id)


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
        "client_address",
    )
    list_filter = ("direction", "kind", "message_status", "delivery", "authenticated")
    list_select_related = ("partner",)
    search_fields = ("summary", "=request__pk", "partner__agency_id_value", "claimed_agency")
    readonly_fields = [f.name for f in IsoMessage._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: IsoMessage | None = None) -> bool:
        return request.method in ("GET", "HEAD") and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: IsoMessage | None = None) -> bool:
        return False
