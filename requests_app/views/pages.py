"""The library's requests: its dashboard, its list, the request page and what the library does
there. Every view is `institution_required` and fetches requests through
`Request.objects.for_institution(...)`, so another institution's id is a 404 everywhere."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from copyright_rules.models import Decision
from registration.access import InstitutionRequest, institution_required
from requests_app import search, services
from requests_app.forms import (
    ActionForm,
    LibraryMessageForm,
    ListFilterForm,
    PermissionForm,
    RenewalRequestForm,
)
from requests_app.models import Request, RequestQuerySet, Status

PAGE_SIZE = 25


def _own(request: InstitutionRequest, pk: int) -> Request:
    mine = Request.objects.for_institution(request.institution)
    return get_object_or_404(mine.select_related("record"), pk=pk)


@institution_required
def dashboard(request: InstitutionRequest) -> HttpResponse:
    mine = Request.objects.for_institution(request.institution)
    by_status = mine.open().values("status").annotate(n=Count("pk")).order_by("status")
    soon = timezone.localdate() + timedelta(days=7)
    context = {
        "by_status": [(Status(row["status"]).label, row["status"], row["n"]) for row in by_status],
        "waiting": mine.waiting_for_institution().order_by("created_at")[:20],
        "due_soon": mine.loans_due_by(soon).order_by("due_date")[:20],
    }
    return render(request, "requests_app/dashboard.html", context)


@institution_required
def request_list(request: InstitutionRequest) -> HttpResponse:
    form = ListFilterForm(request.GET or None)
    rows = Request.objects.for_institution(request.institution).select_related("record")
    found: RequestQuerySet | list[Request] = rows
    if form.is_valid():
        found = rows = _filtered(rows, form.cleaned_data)
        if form.cleaned_data["q"]:
            found = search.search(rows, form.cleaned_data["q"], institutions=False)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "requests_app/list.html", context)


def _filtered(rows: RequestQuerySet, data: dict[str, Any]) -> RequestQuerySet:
    if data["status"]:
        rows = rows.filter(status=data["status"])
    if data["service"]:
        rows = rows.of_type(data["service"])
    if data["since"]:
        rows = rows.filter(created_at__date__gte=data["since"])
    if data["until"]:
        rows = rows.filter(created_at__date__lte=data["until"])
    return rows


@institution_required
def detail(request: InstitutionRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _own(request, pk))


def _detail_page(
    request: InstitutionRequest,
    item: Request,
    *,
    message_form: LibraryMessageForm | None = None,
    renewal_form: RenewalRequestForm | None = None,
) -> HttpResponse:
    """The library's view of one request: staff-only events are never loaded for it."""
    events = item.events.for_library().select_related("actor").order_by("created_at", "pk")
    decision = item.record.latest_decision
    context = {
        "item": item,
        "counted": _counted_before(item, decision),
        "decisions": item.record.decisions.order_by("created_at", "pk"),
        "events": events,
        "duplicates": Request.objects.likely_duplicates_of(item)[:5],
        "permission_form": PermissionForm(initial={"seen_status": item.status}),
        "confirm_permission": settings.COPYRIGHT_CONFIRM_LIBRARY_PERMISSION,
        "action_form": ActionForm(initial={"seen_status": item.status}),
        "message_form": message_form or LibraryMessageForm(),
        "renewal_form": renewal_form or RenewalRequestForm(),
        "renewals_max": settings.REQUESTS_RENEWALS_MAX,
    }
    status = 400 if message_form is not None or renewal_form is not None else 200
    return render(request, "requests_app/detail.html", context, status=status)


def _counted_before(item: Request, decision: Decision | None) -> list[Request]:
    """The institution's own requests the decision counted (docs/copyright.md section 5)."""
    ids = decision.counted_record_ids if decision is not None else []
    if not ids:
        return []
    rows = Request.objects.for_institution(item.institution).filter(record_id__in=ids)
    return list(rows.select_related("record").order_by("created_at", "pk"))


@institution_required
def answer_quote(request: InstitutionRequest, pk: int) -> HttpResponse:
    item = _own(request, pk)
    if request.method != "POST":
        return redirect("requests:detail", pk=item.pk)
    form = ActionForm(request.POST)
    if not form.is_valid() or request.POST.get("answer") not in ("approve", "decline"):
        messages.error(request, "Choose to approve or to decline the quote.")
        return redirect("requests:detail", pk=item.pk)
    approve = request.POST["answer"] == "approve"
    seen = form.cleaned_data["seen_status"]
    return _act(
        request,
        item,
        lambda: services.answer_quote(item, seen=seen, approve=approve, acting_user=request.user),
        done="You approved the quote: the office will make the reproduction."
        if approve
        else "You declined the quote: the order is cancelled.",
    )


@institution_required
def ask_renewal(request: InstitutionRequest, pk: int) -> HttpResponse:
    item = _own(request, pk)
    if request.method != "POST":
        return redirect("requests:detail", pk=item.pk)
    form = RenewalRequestForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, item, renewal_form=form)
    try:
        services.request_renewal(item, note=form.cleaned_data["note"], acting_user=request.user)
    except services.RenewalNotAllowed:
        messages.error(
            request, "This loan cannot be renewed from here now. Write to the office instead."
        )
    else:
        messages.success(request, "Your renewal request was sent to the office.")
    return redirect("requests:detail", pk=item.pk)


@institution_required
def send_message(request: InstitutionRequest, pk: int) -> HttpResponse:
    item = _own(request, pk)
    if request.method != "POST":
        return redirect("requests:detail", pk=item.pk)
    form = LibraryMessageForm(request.POST)
    if not form.is_valid():
        # The page again with the text kept and the error beside the field.
        return _detail_page(request, item, message_form=form)
    services.send_library_message(item, text=form.cleaned_data["text"], acting_user=request.user)
    messages.success(request, "Your message was sent to the office.")
    return redirect("requests:detail", pk=item.pk)


def _act(
    request: InstitutionRequest, item: Request, action: Callable[[], object], *, done: str
) -> HttpResponse:
    """Run a library's action; the page after it says what was done (announced), or why not."""
    try:
        action()
    except services.StaleRequest as stale:
        messages.error(request, str(stale))
    else:
        messages.success(request, done)
    return redirect("requests:detail", pk=item.pk)


@institution_required
def cancel(request: InstitutionRequest, pk: int) -> HttpResponse:
    item = _own(request, pk)
    form = ActionForm(request.POST or None, initial={"seen_status": item.status})
    if request.method == "POST" and form.is_valid():
        seen = form.cleaned_data["seen_status"]
        return _act(
            request,
            item,
            lambda: services.cancel_by_institution(item, seen=seen, acting_user=request.user),
            done=f"{item.request_type.label} {item.pk} is cancelled.",
        )
    return render(request, "requests_app/cancel.html", {"item": item, "form": form})


@institution_required
def answer_conditions(request: InstitutionRequest, pk: int) -> HttpResponse:
    item = _own(request, pk)
    if request.method != "POST":
        return redirect("requests:detail", pk=item.pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        raise Http404("Unknown form")
    accept = request.POST.get("answer") == "accept"
    seen = form.cleaned_data["seen_status"]
    return _act(
        request,
        item,
        lambda: services.answer_conditions(
            item, seen=seen, accept=accept, acting_user=request.user
        ),
        done="You accepted the office's conditions."
        if accept
        else "You declined the office's conditions: the request is cancelled.",
    )


@institution_required
def add_permission(request: InstitutionRequest, pk: int) -> HttpResponse:
    item = _own(request, pk)
    if request.method != "POST":
        return redirect("requests:detail", pk=item.pk)
    form = PermissionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the permission reference.")
        return redirect("requests:detail", pk=item.pk)
    data = form.cleaned_data
    return _act(
        request,
        item,
        lambda: services.record_permission(
            item,
            seen=data["seen_status"],
            reference=data["reference"],
            fee=data["fee"],
            acting_user=request.user,
        ),
        done="The permission reference was sent to the office.",
    )


@institution_required
def download(request: InstitutionRequest, pk: int) -> HttpResponse:
    return delivered_file_response(_own(request, pk))


def delivered_file_response(item: Request) -> HttpResponse:
    """The delivered PDF, always as an attachment: a PDF shown inline runs in the site's origin.
    Shared by the portal and the staff desk so both serve it the same way."""
    if not item.file_available:
        raise Http404("No file to download: it was mailed, or the download period has ended.")
    response = FileResponse(
        item.delivered_file.open("rb"),
        as_attachment=True,
        filename=f"request-{item.pk}.pdf",
        content_type="application/pdf",
    )
    # A streamed response: the view decorators are typed for plain responses only.
    return cast(HttpResponse, response)
