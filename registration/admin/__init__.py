"""The registration app's admin: verifying registrations and the email log here, institutions
and reference data in their own modules."""

import re

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, linebreaks
from django.views.decorators.http import require_POST

from illdesk import outbox
from registration import services
from registration.access import staff_user
from registration.forms import DecisionForm, NoteForm
from registration.matching import find_candidates, identifier_mismatches
from registration.models import CONTACT_FIELDS, Institution, OutboxMessage, Registration

DECISIONS = {
    "approve": ("Approved; the credentials email is queued.", False),
    "reject": ("Rejected; the reason is on record and emailed to the registrant.", True),
    "request-info": ("Marked as waiting for more information; the contact is emailed.", True),
}


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

    def get_ordering(self, request: HttpRequest) -> tuple[OrderBy | str, ...]:
        return Registration.QUEUE_ORDER

    def get_readonly_fields(
        self, request: HttpRequest, obj: Registration | None = None
    ) -> list[str]:
        return [field.name for field in Registration._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Registration | None = None) -> bool:
        # Registrations are evidence: staff decide them with the buttons below, never edit them.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Registration | None = None) -> bool:
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
        extra_context: dict[str, object] | None = None,
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
                registration, text=form.cleaned_data["text"], acting_user=staff_user(request)
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
            _decide(registration, decision, form, staff_user(request))
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

    def get_readonly_fields(
        self, request: HttpRequest, obj: OutboxMessage | None = None
    ) -> list[str]:
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

    def has_delete_permission(self, request: HttpRequest, obj: OutboxMessage | None = None) -> bool:
        return False


# The admin's other pages register themselves when their modules load.
from registration.admin import institutions, reference  # noqa: E402, F401
