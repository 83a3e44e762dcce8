"""The staff desk: queues, one request's actions, the pull slip. Staff only (institution accounts
are sent to the staff login); actions need the change permission on requests."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.db.models import Count, Min, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from catalog import client as catalog_client
from catalog import tasks as catalog_tasks
from catalog.shelf import in_shelf_order
from copyright_rules.models import Decision
from fees import services as fees
from fees import statements as fee_statements
from illdesk.actors import Actor
from policy import services as policy
from registration.models import OutboxMessage, Registration
from requests_app import queues as queue_rows
from requests_app import search, services, wording
from requests_app.acting import BatchResult, offers, perform, perform_batch
from requests_app.actions import ACTIONS, BATCH_ACTIONS, DeskAction
from requests_app.forms import ActionForm, DeskFilterForm
from requests_app.iso18626.selectors import iso18626_context
from requests_app.models import Action, Request, RequestEvent, RequestQuerySet
from requests_app.views import delivered_file_response

SEARCH_LIMIT = 50
_view = permission_required("requests_app.view_request", raise_exception=True)
_change = permission_required("requests_app.change_request", raise_exception=True)


def _with_decisions(rows: QuerySet[Request]) -> RequestQuerySet:
    newest = Decision.objects.order_by("-created_at", "-pk")
    return (
        cast(RequestQuerySet, rows)
        .with_listing()
        .prefetch_related(Prefetch("record__decisions", newest, to_attr="decisions_newest_first"))
    )


@staff_member_required
@_view
def queues(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())[:200]
    if query:
        return _search_page(request, query)
    return _queue_page(request, request.GET)


def _queue_page(
    request: HttpRequest,
    params: QueryDict,
    *,
    batch_forms: dict[str, ActionForm] | None = None,
    picked: frozenset[int] = frozenset(),
    status: int = 200,
) -> HttpResponse:
    queue = params.get("queue", "new")
    if queue not in queue_rows.QUEUES:
        raise Http404("No such queue")
    shown = queue_rows.QUEUES[queue]
    form = DeskFilterForm(params, queue=shown)
    rows: QuerySet[Request] = _with_decisions(shown.rows())
    sort = shown.default_sort
    if form.is_valid():
        rows = queue_rows.filtered(rows, form.cleaned_data, user=request.user)
        sort = queue_rows.Sort.of(form.cleaned_data["sort"]) if form.cleaned_data["sort"] else sort
    after = _request_number(params.get("after", ""))
    page = queue_rows.page_of(rows, sort, after=after, statuses=shown.statuses)
    policy.with_aging(page.rows, timezone.localdate())
    here = params.copy()
    here.pop("after", None)
    context: dict[str, object] = {
        "tabs": queue_rows.bounded_counts(),
        "cap": queue_rows.COUNT_CAP,
        "queue": queue,
        "label": shown.label,
        "shown": shown,
        "form": form,
        "page": page,
        "sort": sort,
        "filtered": any(params.get(name) for name in form.fields if name != "sort"),
        "here": here.urlencode(),
        "back": params.urlencode(),
        "after": params.get("after", ""),
        "batch": _batch_offers(shown, batch_forms or {}),
        "picked": picked,
        "catalog_configured": catalog_client.configured(),
    }
    if queue == "clearance":
        priors = _counted_priors(page.rows)
        for row in page.rows:
            counted = priors.get(row.pk, [])
            released = any(not prior.still_counts for prior in counted)
            # Attributes for the queue's template, not fields.
            setattr(row, "counted_priors", counted)  # noqa: B010
            setattr(row, "prior_released", released)  # noqa: B010
    context.update(_unread_messages())
    return render(request, "requests_app/desk/queues.html", context, status=status)


def _unread_messages() -> dict[str, object]:
    """The requests with library messages no one on staff has opened yet, oldest first, and how
    many requests have them (up to COUNT_CAP + 1). Both read the partial index of unread
    messages (`requestevent_unread`), never the whole timeline table."""
    unread = RequestEvent.objects.unread_library_messages()
    rows = unread.values("request_id", "request__institution__oclc_symbol")
    return {
        "unread": rows.annotate(n=Count("pk"), first=Min("created_at")).order_by("first")[:50],
        "unread_count": rows.order_by().distinct()[: queue_rows.COUNT_CAP + 1].count(),
    }


def _batch_offers(
    queue: queue_rows.Queue, bound: dict[str, ActionForm]
) -> list[tuple[DeskAction, ActionForm]]:
    """The batch actions that apply to the queue's requests."""
    return [
        (row, bound.get(slug) or row.form(prefix=slug, auto_id="id_batch_%s", batch=True))
        for slug, row in BATCH_ACTIONS.items()
        if row.fits(queue)
    ]


def _request_number(value: str) -> int | None:
    return int(value) if re.fullmatch(r"[0-9]{1,18}", value) else None


def _search_page(request: HttpRequest, query: str) -> HttpResponse:
    number = search.request_number(query)
    # The request with that number is opened at once, as staff expect of a number typed; "list"
    # asks for every match of the number instead (identifiers and titles that contain it).
    listed = request.GET.get("list") == "1"
    if number is not None and not listed and Request.objects.filter(pk=number).exists():
        return redirect(f"{reverse('desk:detail', args=[number])}?found={number}")
    found = search.search(_with_decisions(Request.objects.all()), query, limit=SEARCH_LIMIT)
    here = QueryDict(mutable=True)
    here["q"] = query
    context = {
        "query": query,
        "found": found,
        "limit": SEARCH_LIMIT,
        "back": here.urlencode(),
        "picked": frozenset(),
    }
    return render(request, "requests_app/desk/search.html", context)


@dataclass(frozen=True)
class CountedPrior:
    """A prior request a held decision counted, as it is now: staff see at once when one no
    longer counts and the held request can be evaluated again (docs/copyright.md section 5)."""

    pk: int
    status: str
    still_counts: bool


def _counted_priors(rows: Iterable[Request]) -> dict[int, list[CountedPrior]]:
    """Request id -> the prior requests its latest decision counted, with their current status
    (one query for the whole page)."""
    wanted = {
        row.pk: row.record.latest_decision.counted_record_ids
        for row in rows
        if row.record.latest_decision
    }
    ids = {record_id for record_ids in wanted.values() for record_id in record_ids}
    found = Request.objects.filter(record_id__in=ids).select_related("record")
    by_record = {
        prior.record_id: CountedPrior(
            prior.pk, wording.staff_status(prior.status), prior.record.counts_toward_limit
        )
        for prior in found
    }
    return {
        pk: [by_record[record_id] for record_id in record_ids if record_id in by_record]
        for pk, record_ids in wanted.items()
    }


def _detail_page(
    request: HttpRequest,
    pk: int,
    *,
    bound: dict[str, ActionForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    # With the partner's billingInfo, which the charge panel shows (docs/fees.md).
    rows = _with_decisions(Request.objects.select_related("billing_info"))
    item = get_object_or_404(rows, pk=pk)
    conversation = item.events.filter(action__in=Action.conversation()).select_related("actor")
    context = {
        "item": item,
        "newest_message": conversation.order_by("-created_at", "-pk").first(),
        "decision": item.record.latest_decision,
        "decisions": item.record.decisions.order_by("created_at", "pk"),
        "events": item.events.select_related("actor").order_by("created_at", "pk"),
        "priors": _counted_priors([item]).get(item.pk, []),
        "offers": offers(item, bound),
        **iso18626_context(item),
        **fees.desk_context(item),
    }
    return render(request, "requests_app/desk/detail.html", context, status=status)


@staff_member_required
def home(request: HttpRequest) -> HttpResponse:
    """The staff home: what waits for the office, and the way to each tool. Each panel shows only
    to staff whose role may open what it links to."""
    user = request.user
    context: dict[str, object] = {"cap": queue_rows.COUNT_CAP}
    if user.has_perm("requests_app.view_request"):
        context["waiting"] = queue_rows.bounded_counts(HOME_QUEUES)
        context["undelivered"] = undelivered_emails()
        context["undelivered_filter"] = ",".join(UNDELIVERED)
        context.update(_unread_messages())
        context["clock"] = policy.clock_counts(timezone.localdate())
    if user.has_perm("fees.view_charge"):
        context["open_balances"] = fee_statements.open_balances()[: queue_rows.COUNT_CAP]
    if user.has_perm("registration.view_registration"):
        context["registrations"] = Registration.objects.open()[: queue_rows.COUNT_CAP + 1].count()
    return render(request, "requests_app/desk/home.html", context)


HOME_QUEUES = ("new", "clearance", "renewals", "overdue")


UNDELIVERED = (OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED)


def undelivered_emails() -> int:
    """Emails of any kind that have not gone out: outbox messages still pending or failed
    (illdesk/outbox.py), up to COUNT_CAP + 1. Sent ones are the bulk of the table: the
    status index skips them."""
    waiting = OutboxMessage.objects.filter(status__in=UNDELIVERED)
    return waiting[: queue_rows.COUNT_CAP + 1].count()


@staff_member_required
@_view
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    response = _detail_page(request, pk)
    # Opening the request is reading the library's messages on it (after the page showed them
    # as new).
    services.mark_library_messages_read(pk)
    return response


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


@require_POST
@staff_member_required
@_change
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("No such action")
    row = ACTIONS[action]
    item = get_object_or_404(Request.objects.select_related("record"), pk=pk)
    if not row.allows(item):
        messages.error(request, str(services.StaleRequest(item.pk, item.status)))
        return redirect("desk:detail", pk=item.pk)
    form = row.bound_form(request.POST, request.FILES, item=item)
    if not form.is_valid():
        # The desk page again, this form bound: values kept, errors next to the fields.
        return _detail_page(request, item.pk, bound={action: form}, status=400)
    try:
        perform(row, item, form, acting_user=request.user)
    except (services.StaleRequest, services.NothingChanged, fees.ChargeAboveMaximum) as refused:
        messages.error(request, str(refused))
    except services.IncompleteRequest as incomplete:
        messages.error(
            request, f"Nothing was changed: the corrected citation is incomplete. {incomplete}"
        )
    else:
        messages.success(request, f"Request {item.pk}: {row.past}.")
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


@staff_member_required
@_view
def book_band(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Request.objects.select_related("institution"), pk=pk, service="loan")
    return render(request, "requests_app/desk/band.html", {"item": item})


# --- Batch work --------------------------------------------------------------------------------

BATCH_LIMIT = 100
_PICK = re.compile(r"^([0-9]{1,18}):([a-z_]{1,24})$")


def _picked(values: list[str]) -> dict[int, str]:
    """Request number -> the status the queue showed, from the checked boxes ("4411:new")."""
    found = (_PICK.match(value) for value in values[:BATCH_LIMIT])
    return {int(match[1]): match[2] for match in found if match}


@require_POST
@staff_member_required
@_change
def batch(request: HttpRequest) -> HttpResponse:
    """One action on every selected request of a queue, each compare-and-set on its own."""
    params = QueryDict(request.POST.get("back", ""))
    picked = _picked(request.POST.getlist("pick"))
    kind = request.POST.get("batch", "")
    if not picked:
        messages.error(request, "Select at least one request first.")
        return redirect(f"{reverse('desk:queues')}?{params.urlencode()}")
    items = Request.objects.select_related("record", "institution").in_bulk(list(picked))
    ordered = [items[pk] for pk in picked if pk in items]
    if kind == "slips":
        context = {"items": in_shelf_order(ordered), "back": params.urlencode()}
        return render(request, "requests_app/desk/slips.html", context)
    if kind == "claim":
        summary = _claim_all(ordered, request.user)
    elif kind == "look_up":
        summary = catalog_tasks.queue_lookups(ordered)
    elif kind in BATCH_ACTIONS:
        row = BATCH_ACTIONS[kind]
        form = row.form(request.POST, prefix=kind, auto_id="id_batch_%s", batch=True)
        if not form.is_valid():
            return _queue_page(
                request, params, batch_forms={kind: form}, picked=frozenset(picked), status=400
            )
        pairs = [(item, picked[item.pk]) for item in ordered]
        summary = perform_batch(row, pairs, form.cleaned_data, acting_user=request.user).summary()
    else:
        raise Http404("No such batch action")
    messages.info(request, summary)
    return redirect(f"{reverse('desk:queues')}?{params.urlencode()}")


def _claim_all(items: list[Request], user: Actor) -> str:
    result = BatchResult(verb="claimed", why_not="were claimed by a colleague")
    for item in items:
        try:
            services.claim_request(item, acting_user=user)
        except services.AlreadyClaimed:
            result.not_allowed.append(item.pk)
        else:
            result.done.append(item.pk)
    return result.summary()
