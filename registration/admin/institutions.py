"""Institutions in the admin: their details, the emails they chose, the credentials email
and the resending of a password."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from registration import services
from registration.access import staff_user
from registration.models import Institution, OptionalEmail, OutboxMessage


class OutboxMessageInline(admin.StackedInline):
    """Stacked: a tabular inline leaves header cells empty (the row's title and delete columns)."""

    model = OutboxMessage
    fields = ["email", "status", "attempts", "last_error", "created_at", "sent_at", "requested_by"]
    readonly_fields = ["email", "status", "attempts", "last_error", "created_at", "sent_at"]
    readonly_fields += ["requested_by"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Institution | None = None) -> bool:
        return False


# The optional emails (docs/emails.md, "Preferences"), in a fieldset of their own.
_EMAILS = tuple(email.field for email in OptionalEmail)


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["oclc_symbol", "name", "city", "region", "is_active", "verified_at", "emailed"]
    list_filter = ["is_active"]
    search_fields = ["oclc_symbol", "name", "city", "email"]
    readonly_fields = ["oclc_symbol", "user", "verified_at", "created_at"]
    inlines = [OutboxMessageInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    f.name for f in Institution._meta.fields if f.name not in ["id", *_EMAILS]
                ]
            },
        ),
        (
            "Emails the library receives",
            {
                "fields": _EMAILS,
                "description": "The library chooses these on its Email choices page; change them "
                "when it asks by telephone. Every other email is always sent.",
            },
        ),
    ]
    change_form_template = "registration/admin/institution_change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # institutions come from approved registrations

    def has_delete_permission(self, request: HttpRequest, obj: Institution | None = None) -> bool:
        return False  # their requests and records point at them: suspend one instead

    def get_queryset(self, request: HttpRequest) -> QuerySet[Institution]:
        latest = OutboxMessage.objects.filter(
            institution=OuterRef("pk"), email=OutboxMessage.CREDENTIALS
        ).order_by("-created_at")
        return (
            super()
            .get_queryset(request)
            .annotate(last_delivery=Subquery(latest.values("status")[:1]))
        )

    @admin.display(description="credentials email")
    def emailed(self, obj: Institution) -> str:
        status = getattr(obj, "last_delivery", None)
        return OutboxMessage.Status(status).label if status else "-"

    def get_urls(self) -> list[URLPattern]:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view(require_POST(self.resend_view))
        return [
            path("<int:object_id>/resend-credentials/", view, name=f"{info}_resend"),
            *super().get_urls(),
        ]

    def resend_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        institution = get_object_or_404(Institution, pk=object_id)
        if not self.has_change_permission(request, institution):
            raise PermissionDenied("You may not resend credentials.")
        try:
            services.resend_credentials(institution, acting_user=staff_user(request))
        except services.ApprovalRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, "A new password is being emailed; the old one stops working.")
        return HttpResponseRedirect(
            reverse("admin:registration_institution_change", args=[institution.pk])
        )
