import re
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, linebreaks
from django.views.decorators.http import require_POST

from illdesk import outbox
from registration import services
from registration.forms import DecisionForm, NoteForm
from registration.matching import find_candidates, identifier_mismatches
from registration.models import (
    CONTACT_FIELDS,
    DirectoryRecord,
    Institution,
    OutboxMessage,
    Registration,
    TermsVersion,
)

DECISIONS = {
    "approve": ("Approved; the credentials email is queued.", False),
    "reject": ("Rejected; the reason is on record and emailed to the registrant.", True),
    "request-info": ("Marked as waiting for more information; the contact is emailed.", True),
}


def _staff(request: HttpRequest) -> User:
    # The admin only lets active staff in, so the user is never anonymous here.
    assert isinstance(request.user, User)
    return request.user


# What staff type into the search box to find a registration by its reference (REG-000006).
REFERENCE = re.compile(r"^\s*REG-?0*(\d{1,18})\s*$", re.IGNORECASE)


def _decide(registration: Registration, decision: str, form: DecisionForm, user: User) -> None:
    text = form.cleaned_data["text"]
    if decision == "approve":
        services.approve_registration(
            registration,
            acting_user=user,
            note=text,
            contact_confirmation=form.cleaned_data["contact_confirmation"],
            identifiers_acknowledged=form.cleaned_data["identifiers_acknowledged"],
        )
    elif decision == "reject":
        services.reject_registration(registration, reason=text, acting_user=user)
    else:
        services.request_more_information(registration, message=text, acting_user=user)


def _contact_rows(
    registration: Registration, verified: Institution | None
) -> list[tuple[str, str, str, bool]]:
    """Field, verified value, this registration's value, and whether they differ."""
    if verified is None:
        return []
    changed = registration.contact_changes(verified)
    return [
        (
            _verbose_name(name),
            getattr(verified, name),
            getattr(registration, name),
            name in changed,
        )
        for name in CONTACT_FIELDS
    ]


def _decided_message(registration: Registration, done: str) -> str:
    """After an approval, say where the password goes: a re-registration keeps the verified
    address unless staff recorded how they confirmed a new one."""
    registration.refresh_from_db()
    if registration.institution is None:
        return done
    return f"{done} It goes to {registration.institution.email}."


def _verbose_name(field_name: str) -> str:
    field = Registration._meta.get_field(field_name)
    return str(getattr(field, "verbose_name", field_name))


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "oclc_symbol",
        "name",
        "city",
        "region",
        "status",
        "is_reregistration",
        "same_symbol",
        "submitted_at",
    ]
    list_display_links = ["reference", "oclc_symbol"]
    list_filter = ["status", "is_reregistration"]
    search_fields = ["oclc_symbol", "name", "city", "email", "phone"]
    change_form_template = "registration/admin/registration_change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Registration]:
        others = (
            Registration.objects.filter(oclc_symbol=OuterRef("oclc_symbol"))
            .exclude(pk=OuterRef("pk"))
            .order_by()
            .values("oclc_symbol")
            .annotate(open=Count("pk", filter=Q(status__in=Registration.OPEN_STATUSES)))
            .values("open")
        )
        return (
            super().get_queryset(request).annotate(open_same_symbol=Coalesce(Subquery(others), 0))
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Registration], search_term: str
    ) -> tuple[QuerySet[Registration], bool]:
        found = REFERENCE.match(search_term)
        if found:
            return queryset.filter(pk=int(found.group(1))), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="reference", ordering="pk")
    def reference(self, obj: Registration) -> str:
        return obj.reference

    @admin.display(description="same symbol")
    def same_symbol(self, obj: Registration) -> str:
        """Other open registrations for the symbol: they are decided together."""
        count = getattr(obj, "open_same_symbol", 0)
        return f"{count} other open" if count else "-"

    def get_ordering(self, request: HttpRequest) -> Any:
        return Registration.QUEUE_ORDER

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in Registration._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Registrations are evidence: staff decide them with the buttons below, never edit them.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("<int:object_id>/note/", view(self.note_view), name=f"{info}_note"),
            path(
                "<int:object_id>/decide/<str:decision>/",
                view(self.decide_view),
                name=f"{info}_decide",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        registration = self.get_object(request, unquote(object_id))
        if registration is None:  # the admin's own "does not exist" handling
            return super().change_view(request, object_id, form_url, extra_context)
        verified = Institution.objects.filter(oclc_symbol=registration.oclc_symbol).first()
        candidates = find_candidates(registration)
        related = list(
            Registration.objects.filter(oclc_symbol=registration.oclc_symbol)
            .exclude(pk=registration.pk)
            .order_by("-submitted_at")
        )
        contact_rows = _contact_rows(registration, verified)
        context = {
            **(extra_context or {}),
            "registration": registration,
            "verified": verified,
            "contact_rows": contact_rows,
            "changed_count": sum(1 for *_, differs in contact_rows if differs),
            "candidates": candidates,
            "mismatches": identifier_mismatches(candidates),
            "events": registration.events.select_related("actor"),
            "related": related,
            "open_related": [other for other in related if other.is_open],
            "can_decide": request.user.has_perm("registration.change_registration"),
        }
        return super().change_view(request, object_id, form_url, context)

    def note_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return require_POST(self._note)(request, object_id)

    def decide_view(self, request: HttpRequest, object_id: int, decision: str) -> HttpResponse:
        return require_POST(self._decide)(request, object_id, decision)

    def _note(self, request: HttpRequest, object_id: int) -> HttpResponse:
        registration = self._registration_to_change(request, object_id)
        form = NoteForm(request.POST)
        if form.is_valid():
            services.add_verification_note(
                registration, text=form.cleaned_data["text"], acting_user=_staff(request)
            )
            messages.success(request, "Note recorded.")
        else:
            messages.error(request, "Write the note before saving it.")
        return self._back_to(registration)

    def _decide(self, request: HttpRequest, object_id: int, decision: str) -> HttpResponse:
        registration = self._registration_to_change(request, object_id)
        if decision not in DECISIONS:
            return self._back_to(registration)
        done, text_required = DECISIONS[decision]
        form = DecisionForm(request.POST, text_required=text_required)
        if not form.is_valid():
            messages.error(request, "Give a reason: it is kept on record and may be shown.")
            return self._back_to(registration)
        if decision == "reject" and not form.cleaned_data["confirm_rejection"]:
            messages.error(request, "Tick the box to confirm the rejection; nothing changed.")
            return self._back_to(registration)
        try:
            _decide(registration, decision, form, _staff(request))
        except services.RegistrationAlreadyDecided:
            messages.warning(request, "This registration was already decided; nothing changed.")
        except services.ApprovalRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _decided_message(registration, done))
        return self._back_to(registration)

    def _registration_to_change(self, request: HttpRequest, object_id: int) -> Registration:
        if not request.user.has_perm("registration.change_registration"):
            raise PermissionDenied("You may not decide registrations.")
        return get_object_or_404(Registration, pk=object_id)

    def _back_to(self, registration: Registration) -> HttpResponseRedirect:
        return HttpResponseRedirect(
            reverse("admin:registration_registration_change", args=[registration.pk])
        )


class OutboxMessageInline(admin.StackedInline):
    """Stacked: a tabular inline leaves header cells empty (the row's title and delete columns)."""

    model = OutboxMessage
    fields = ["email", "status", "attempts", "last_error", "created_at", "sent_at", "requested_by"]
    readonly_fields = ["email", "status", "attempts", "last_error", "created_at", "sent_at"]
    readonly_fields += ["requested_by"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["oclc_symbol", "name", "city", "region", "is_active", "verified_at", "emailed"]
    list_filter = ["is_active"]
    search_fields = ["oclc_symbol", "name", "city", "email"]
    readonly_fields = ["oclc_symbol", "user", "verified_at", "created_at"]
    inlines = [OutboxMessageInline]
    change_form_template = "registration/admin/institution_change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # institutions come from approved registrations

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
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
            services.resend_credentials(institution, acting_user=_staff(request))
        except services.ApprovalRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, "A new password is being emailed; the old one stops working.")
        return HttpResponseRedirect(
            reverse("admin:registration_institution_change", args=[institution.pk])
        )


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """The email log: every email the product sends, to whom, its subject and text once sent, and
    what it is about; failed ones are what staff must follow up by hand."""

    list_display = [
        "created_at",
        "recipient_or_institution",
        "subject_or_email",
        "about",
        "status",
        "attempts",
        "last_error",
        "sent_at",
    ]
    list_filter = ["status", "email"]
    list_select_related = ["institution", "registration"]
    search_fields = ["institution__oclc_symbol", "institution__name", "email", "recipient"]
    search_help_text = "Institution symbol or name, recipient address, or the email's name."
    fieldsets = [
        (None, {"fields": ["recipient", "subject", "text", "about"]}),
        (
            "Delivery",
            {
                "fields": [
                    "email",
                    "institution",
                    "registration",
                    "status",
                    "attempts",
                    "last_error",
                    "requested_by",
                    "created_at",
                    "sent_at",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in OutboxMessage._meta.fields] + ["text", "about"]

    @admin.display(description="to", ordering="recipient")
    def recipient_or_institution(self, obj: OutboxMessage) -> str:
        """The address once sent, beside the symbol of the library it was for."""
        owner = obj.institution or obj.registration
        symbol = owner.oclc_symbol if owner else ""
        return ": ".join(filter(None, [symbol, obj.recipient])) or "-"

    @admin.display(description="subject", ordering="subject")
    def subject_or_email(self, obj: OutboxMessage) -> str:
        """The subject once sent; until then (and for the credentials email, whose text is never
        kept) which email it is."""
        return obj.subject or f"({obj.email})"

    @admin.display(description="text")
    def text(self, obj: OutboxMessage) -> str:
        if obj.body:
            return format_html('<div class="email-text">{}</div>', linebreaks(obj.body))
        if obj.email == OutboxMessage.CREDENTIALS:
            return "Not kept: the credentials email holds a password."
        return "Kept once the email is sent."

    @admin.display(description="about")
    def about(self, obj: OutboxMessage) -> str:
        url = outbox.link_of(obj)
        if url is None:
            return "-"
        return format_html('<a href="{}">Request {}</a>', url, obj.target_id)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
    fields = ["terms", "copyright_statement"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, str | list[str]]:
        current = TermsVersion.current()
        if current is None:
            return {}
        return {"terms": current.terms, "copyright_statement": current.copyright_statement}

    def save_model(self, request: HttpRequest, obj: TermsVersion, form: Any, change: bool) -> None:
        current = TermsVersion.current()
        obj.version = (current.version if current else 0) + 1
        obj.published_by = _staff(request)
        obj.published_at = timezone.now()
        super().save_model(request, obj, form, change)
