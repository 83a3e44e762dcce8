"""The institution portal. Every view is `institution_required` and fetches requests through
`Request.objects.for_institution(...)`, so another institution's id is a 404 everywhere."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from copyright_rules import services as copyright
from copyright_rules.facts import Flag
from copyright_rules.models import Decision
from fees import services as fees
from fees.models import FeeService
from registration.access import institution_required
from requests_app import lookup, search, services
from requests_app.forms import (
    COPYRIGHT_WARNING_HEADINGS,
    COPYRIGHT_WARNING_PARAGRAPHS,
    ActionForm,
    CopyRequestForm,
    LibraryMessageForm,
    ListFilterForm,
    LoanRequestForm,
    PermissionForm,
    RenewalRequestForm,
    ReproductionOrderForm,
)
from requests_app.models import Request, Service, Status
from requests_app.openurl import OpenUrlCitation, read_openurl

PAGE_SIZE = 25


def _own(request: HttpRequest, pk: int) -> Request:
    mine = Request.objects.for_institution(request.institution)  # type: ignore[attr-defined]
    return get_object_or_404(mine.select_related("record"), pk=pk)


@institution_required
def dashboard(request: HttpRequest) -> HttpResponse:
    mine = Request.objects.for_institution(request.institution)  # type: ignore[attr-defined]
    by_status = mine.open().values("status").annotate(n=Count("pk")).order_by("status")
    soon = timezone.localdate() + timedelta(days=7)
    context = {
        "by_status": [(Status(row["status"]).label, row["status"], row["n"]) for row in by_status],
        "waiting": mine.waiting_for_institution().order_by("created_at")[:20],
        "due_soon": mine.loans_due_by(soon).order_by("due_date")[:20],
    }
    return render(request, "requests_app/dashboard.html", context)


def _openurl(request: HttpRequest) -> OpenUrlCitation:
    """The citation in this page's own query string, completed from its DOI's or PMID's record
    when the office enables it (a GET only: a sent form is never looked up again). WSGI hands
    the query string over as Latin-1 text; the bytes the browser sent are UTF-8."""
    raw = request.META.get("QUERY_STRING", "")
    citation = read_openurl(raw.encode("iso-8859-1", "replace").decode("utf-8", "replace"))
    return lookup.complete(citation) if request.method == "GET" else citation


@institution_required
def new_request(request: HttpRequest) -> HttpResponse:
    """The start page, or an OpenURL link sent on, query string untouched, to the right form."""
    citation = _openurl(request)
    if citation:
        name = "requests:new_copy" if citation.service == Service.COPY else "requests:new_loan"
        return redirect(f"{reverse(name)}?{request.META['QUERY_STRING']}")
    return render(request, "requests_app/new.html")


def _initial(citation: OpenUrlCitation, service: str) -> dict[str, Any]:
    initial: dict[str, Any] = dict(citation.initial)
    if citation and service == Service.COPY:
        initial["work_kind"] = citation.work_kind
    return initial


def _arrived_from(citation: OpenUrlCitation) -> dict[str, str] | None:
    """Where a prefilled form came from, for the notice above it: None without a citation."""
    if not citation:
        return None
    completed = citation.completed_from
    return {
        "source": citation.source or "a citation link",
        "completed": f"{completed}'s record of its {lookup.IDENTIFIER[completed]}"
        if completed
        else "",
    }


@institution_required
def new_loan(request: HttpRequest) -> HttpResponse:
    citation = _openurl(request)
    form = LoanRequestForm(request.POST or None, initial=_initial(citation, "loan"))
    if request.method == "POST" and form.is_valid():
        created = services.submit_loan_request(
            request.institution,  # type: ignore[attr-defined]
            fields={**form.cleaned_data},
            acting_user=request.user,
        )
        messages.success(request, f"{created.request_type.label} {created.pk} received.")
        return redirect("requests:detail", pk=created.pk)
    context = {
        "form": form,
        "arrived_from": _arrived_from(citation),
        "price_terms": fees.price_terms(request.institution, (FeeService.LOAN,)),  # type: ignore[attr-defined]
    }
    return render(request, "requests_app/loan_form.html", context)


@institution_required
def new_copy(request: HttpRequest) -> HttpResponse:
    return _copy_form(request, CopyRequestForm)


@institution_required
def new_duplication(request: HttpRequest) -> HttpResponse:
    """A reproduction order: its own form and page (the copy form's questions do not apply)."""
    return _copy_form(
        request, ReproductionOrderForm, template="requests_app/reproduction_form.html"
    )


def _copy_form(
    request: HttpRequest,
    form_class: type[CopyRequestForm],
    *,
    template: str = "requests_app/copy_form.html",
) -> HttpResponse:
    citation = _openurl(request)
    form = form_class(request.POST or None, initial=_initial(citation, "copy"))
    if request.method == "POST" and form.is_valid():
        fields = form.request_fields()
        fields["is_duplication"] = form.duplication
        try:
            created = services.submit_copy_request(
                request.institution,  # type: ignore[attr-defined]
                fields=fields,
                facts=form.request_facts(),
                acting_user=request.user,
                repeat_confirmed=form.cleaned_data.get("order_again", False),
            )
        except services.IncompleteRequest as incomplete:
            form.add_error(None, incomplete.decision.explanation)
        except services.RepeatedArticle as repeated:
            form.add_error(
                "order_again", f"{repeated.decision.explanation} Tick this box to order it again."
            )
        else:
            messages.success(request, f"{created.request_type.label} {created.pk} received.")
            return redirect("requests:detail", pk=created.pk)
    context = {
        "form": form,
        "arrived_from": _arrived_from(citation),
        "warning_headings": COPYRIGHT_WARNING_HEADINGS,
        "warning_paragraphs": COPYRIGHT_WARNING_PARAGRAPHS,
        "price_terms": [] if form.duplication else _copy_price_terms(request),
    }
    return render(request, template, context)


def _copy_price_terms(request: HttpRequest) -> list[str]:
    copies = (FeeService.ARTICLE, FeeService.CHAPTER)
    return fees.price_terms(request.institution, copies)  # type: ignore[attr-defined]


@require_POST
@institution_required
def precheck(request: HttpRequest) -> HttpResponse:
    """The live pre-check: the likely decision for the citation typed so far. Writes nothing."""
    form_class = ReproductionOrderForm if request.POST.get("duplication") else CopyRequestForm
    form = form_class(request.POST)
    if not form.is_valid():
        fields = ", ".join(
            str(form.fields[name].label or name) for name in form.errors if name in form.fields
        )
        text = f"Not complete yet: check {fields}." if fields else "Not complete yet."
        return JsonResponse({"outcome": "incomplete", "explanation": text})
    decision = copyright.precheck(
        request.institution,  # type: ignore[attr-defined]
        form.request_facts(),
        acting_user=request.user,  # type: ignore[arg-type]
    )
    return JsonResponse(
        {
            "outcome": decision.outcome,
            "explanation": decision.explanation,
            "repeated_article": Flag.REPEATED_ARTICLE in decision.flags,
        }
    )


@institution_required
def request_list(request: HttpRequest) -> HttpResponse:
    form = ListFilterForm(request.GET or None)
    rows = Request.objects.for_institution(request.institution).select_related("record")  # type: ignore[attr-defined]
    found: Any = rows
    if form.is_valid():
        found = rows = _filtered(rows, form.cleaned_data)
        if form.cleaned_data["q"]:
            found = search.search(rows, form.cleaned_data["q"], institutions=False)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "requests_app/list.html", context)


def _filtered(rows: Any, data: dict[str, Any]) -> Any:
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
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _own(request, pk))


def _detail_page(
    request: HttpRequest,
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
def answer_quote(request: HttpRequest, pk: int) -> HttpResponse:
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
def ask_renewal(request: HttpRequest, pk: int) -> HttpResponse:
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
def send_message(request: HttpRequest, pk: int) -> HttpResponse:
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


def _act(request: HttpRequest, item: Request, action: Any, *, done: str) -> HttpResponse:
    """Run a library's action; the page after it says what was done (announced), or why not."""
    try:
        action()
    except services.StaleRequest as stale:
        messages.error(request, str(stale))
    else:
        messages.success(request, done)
    return redirect("requests:detail", pk=item.pk)


@institution_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
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
def answer_conditions(request: HttpRequest, pk: int) -> HttpResponse:
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
def add_permission(request: HttpRequest, pk: int) -> HttpResponse:
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
def download(request: HttpRequest, pk: int) -> HttpResponse:
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
