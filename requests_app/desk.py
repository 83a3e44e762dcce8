"""The staff desk: queues, one request's actions, the pull slip. Staff only (institution accounts
are sent to the staff login); actions need the change permission on requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from copyright_rules.models import Decision
from requests_app import forms as action_forms
from requests_app import services
from requests_app.iso18626.selectors import iso18626_context
from requests_app.models import QUEUES, Request
from requests_app.views import delivered_file_response

PAGE_SIZE = 50
_view = permission_required("requests_app.view_request", raise_exception=True)
_change = permission_required("requests_app.change_request", raise_exception=True)


def _with_decisions(rows: Any) -> Any:
    newest = Decision.objects.order_by("-created_at", "-pk")
    return rows.with_listing().prefetch_related(
        Prefetch("record__decisions", newest, to_attr="decisions_newest_first")
    )


@staff_member_required
@_view
def queues(request: HttpRequest) -> HttpResponse:
    queue = request.GET.get("queue", "new")
    if queue not in QUEUES:
        raise Http404("No such queue")
    counts = dict(Request.objects.values_list("status").annotate(n=Count("pk")).order_by())
    tabs = [
        (slug, label, sum(counts.get(s, 0) for s in statuses))
        for slug, (label, statuses) in QUEUES.items()
    ]
    rows = _with_decisions(Request.objects.in_queue(queue)).order_by("created_at", "pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "tabs": tabs,
        "queue": queue,
        "label": QUEUES[queue][0],
        "page": page,
    }
    context["priors"] = _counted_priors(page.object_list) if queue == "clearance" else {}
    return render(request, "requests_app/desk/queues.html", context)


def _counted_priors(rows: Any) -> dict[int, int]:
    """Record id -> request id for every prior request the held decisions counted (one query)."""
    ids = {
        record_id
        for row in rows
        if row.record.latest_decision
        for record_id in row.record.latest_decision.counted_record_ids
    }
    return dict(Request.objects.filter(record_id__in=ids).values_list("record_id", "pk"))


def _forms(item: Request) -> dict[str, forms.Form]:
    initial = {"seen_status": item.status}
    return {
        "accept": action_forms.OptionalNoteForm(initial=initial),
        "conditional": action_forms.ConditionalForm(initial=initial),
        "fill": action_forms.FillForm(initial=initial),
        "ship": action_forms.ShipForm(initial=initial),
        "return": action_forms.ActionForm(initial=initial),
        "renew": action_forms.ShipForm(initial=initial),
        "lost": action_forms.OptionalNoteForm(initial=initial),
        "refuse": action_forms.RefuseForm(initial=initial),
        "cancel": action_forms.ReasonForm(initial=initial),
        "permission": action_forms.PermissionForm(initial=initial),
        "determination": action_forms.DeterminationForm(initial=initial),
        "reevaluate": action_forms.ActionForm(initial=initial),
        "message": action_forms.ReasonForm(initial=initial),
    }


def _detail_page(
    request: HttpRequest, pk: int, *, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    item = get_object_or_404(_with_decisions(Request.objects.all()), pk=pk)
    context = {
        "item": item,
        "decision": item.record.latest_decision,
        "decisions": item.record.decisions.order_by("created_at", "pk"),
        "events": item.events.select_related("actor").order_by("created_at", "pk"),
        "priors": _counted_priors([item]),
        "forms": {**_forms(item), **(bound or {})},
        **iso18626_context(item),
    }
    return render(request, "requests_app/desk/detail.html", context, status=status)


@staff_member_required
@_view
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, pk)


@require_POST
@staff_member_required
@_change
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Request, pk=pk)
    take_over = request.POST.get("take_over") == "1"
    try:
        services.claim_request(item, acting_user=request.user, take_over=take_over)
    except services.AlreadyClaimed as claimed:
        messages.error(request, str(claimed))
    else:
        messages.success(request, f"You are working on request {item.pk}.")
    return redirect("desk:detail", pk=item.pk)


Runner = Callable[[Request, dict[str, Any], Any], object]

# action slug -> (form class, how to call the service with the cleaned data).
ACTIONS: dict[str, tuple[type[action_forms.ActionForm], Runner]] = {
    "accept": (
        action_forms.OptionalNoteForm,
        lambda r, d, u: services.accept_request(
            r, seen=d["seen_status"], note=d["reason"], acting_user=u
        ),
    ),
    "conditional": (
        action_forms.ConditionalForm,
        lambda r, d, u: services.reply_conditionally(
            r, seen=d["seen_status"], conditions=d["conditions"], acting_user=u
        ),
    ),
    "fill": (
        action_forms.FillForm,
        lambda r, d, u: services.fill_copy(
            r, seen=d["seen_status"], method=d["delivery_method"], pdf=d["pdf"], acting_user=u
        ),
    ),
    "ship": (
        action_forms.ShipForm,
        lambda r, d, u: services.ship_loan(
            r, seen=d["seen_status"], due_date=d["due_date"], acting_user=u
        ),
    ),
    "return": (
        action_forms.ActionForm,
        lambda r, d, u: services.record_return(r, seen=d["seen_status"], acting_user=u),
    ),
    "renew": (
        action_forms.ShipForm,
        lambda r, d, u: services.renew_loan(
            r, seen=d["seen_status"], due_date=d["due_date"], acting_user=u
        ),
    ),
    "lost": (
        action_forms.OptionalNoteForm,
        lambda r, d, u: services.mark_lost(
            r, seen=d["seen_status"], reason=d["reason"], acting_user=u
        ),
    ),
    "refuse": (
        action_forms.RefuseForm,
        lambda r, d, u: services.refuse_request(
            r,
            seen=d["seen_status"],
            refusal_reason=d["refusal_reason"],
            reason=d["reason"],
            acting_user=u,
        ),
    ),
    "cancel": (
        action_forms.ReasonForm,
        lambda r, d, u: services.cancel_request(
            r, seen=d["seen_status"], reason=d["reason"], acting_user=u
        ),
    ),
    "permission": (
        action_forms.PermissionForm,
        lambda r, d, u: services.record_permission(
            r, seen=d["seen_status"], reference=d["reference"], fee=d["fee"], acting_user=u
        ),
    ),
    "determination": (
        action_forms.DeterminationForm,
        lambda r, d, u: services.record_determination(
            r, seen=d["seen_status"], kind=d["kind"], note=d["note"], acting_user=u
        ),
    ),
    "reevaluate": (
        action_forms.ActionForm,
        lambda r, d, u: services.reevaluate(r, seen=d["seen_status"], acting_user=u),
    ),
    "message": (
        action_forms.ReasonForm,
        lambda r, d, u: services.send_message(r, text=d["reason"], acting_user=u),
    ),
}


@require_POST
@staff_member_required
@_change
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("No such action")
    item = get_object_or_404(Request.objects.select_related("record"), pk=pk)
    form_class, run = ACTIONS[action]
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        # The desk page again, this form bound: values kept, errors next to the fields.
        return _detail_page(request, item.pk, bound={action: form}, status=400)
    try:
        run(item, form.cleaned_data, request.user)
    except services.StaleRequest as stale:
        messages.error(request, str(stale))
    else:
        messages.success(request, f"Request {item.pk}: done.")
    return redirect("desk:detail", pk=item.pk)


@staff_member_required
@_view
def download(request: HttpRequest, pk: int) -> HttpResponse:
    return delivered_file_response(get_object_or_404(Request, pk=pk))


@staff_member_required
@_view
def pull_slip(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Request.objects.select_related("institution"), pk=pk)
    return render(request, "requests_app/desk/slip.html", {"item": item})
