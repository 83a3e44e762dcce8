"""The desk's holdings panel: look a request up now, confirm a candidate. Staff only, with the
change permission on requests, like every desk action."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from catalog import client, services, tasks
from catalog.forms import ConfirmHoldingForm
from catalog.models import Candidate
from requests_app.models import Request
from requests_app.services import StaleRequest

_change = permission_required("requests_app.change_request", raise_exception=True)


@require_POST
@staff_member_required
@_change
def look_up(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Request, pk=pk)
    if not client.configured():
        messages.error(request, "No catalog is configured (docs/catalog.md).")
    elif tasks.queue_lookup(item.pk):
        messages.info(
            request,
            f"Request {item.pk}: sent to the catalog. Reload the page in a moment for its answer.",
        )
    else:
        messages.error(request, "The lookup could not be queued now; try again in a minute.")
    return redirect("desk:detail", pk=item.pk)


@require_POST
@staff_member_required
@_change
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Request, pk=pk)
    form = ConfirmHoldingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That holding could not be confirmed: reload the page.")
        return redirect("desk:detail", pk=item.pk)
    found = Candidate.objects.filter(lookup__request=item, pk=form.cleaned_data["candidate"])
    candidate = get_object_or_404(found)
    try:
        services.confirm_holding(
            item, candidate, seen=form.cleaned_data["seen_status"], acting_user=request.user
        )
    except StaleRequest as stale:
        messages.error(request, str(stale))
    else:
        messages.success(request, f"Request {item.pk}: {candidate.call_number} confirmed.")
    return redirect("desk:detail", pk=item.pk)
