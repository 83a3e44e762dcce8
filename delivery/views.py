"""The desk's pages of electronic delivery: drop a batch of scans, review what each found, deliver
them one by one or all at once (docs/delivery.md, "Scans that find their request")."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from delivery import desk, services
from delivery.forms import BatchScansForm
from delivery.models import Delivery, Status

_view = permission_required("requests_app.view_request", raise_exception=True)
_change = permission_required("requests_app.change_request", raise_exception=True)


@staff_member_required
@_change
def drop_scans(request: HttpRequest) -> HttpResponse:
    form = BatchScansForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        files = [(upload, upload.name) for upload in form.cleaned_data["scans"]]
        batch = services.receive_scans(
            files, acting_user=request.user, language=form.cleaned_data["language"]
        )
        return redirect("delivery:review", batch=batch)
    status = 400 if form.is_bound else 200
    return render(request, "delivery/drop.html", {"form": form}, status=status)


@staff_member_required
@_view
def review(request: HttpRequest, batch: uuid.UUID) -> HttpResponse:
    rows = list(
        Delivery.objects.of_batch(batch)
        .select_related("request__institution")
        .prefetch_related("sources")
    )
    if not rows:
        raise Http404("No such batch")
    ready = sum(1 for row in rows if row.status == Status.READY)
    working = sum(1 for row in rows if row.status in (Status.RECEIVED, Status.PREPARING))
    context = {"rows": rows, "batch": batch, "ready": ready, "working": working}
    return render(request, "delivery/review.html", context)


@require_POST
@staff_member_required
@_change
def deliver_one(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery.objects.select_related("request"), pk=pk)
    try:
        services.confirm(delivery, acting_user=request.user)
    except (services.Unmatched, services.DeliveryChanged) as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"Delivery {delivery.pk}: being delivered to its request.")
    return (
        redirect("delivery:review", batch=delivery.batch)
        if delivery.batch
        else redirect("desk:queues")
    )


@require_POST
@staff_member_required
@_change
def deliver_batch(request: HttpRequest, batch: uuid.UUID) -> HttpResponse:
    if request.POST.get("confirmed") != "1":
        messages.error(request, "Tick the confirmation to deliver every ready scan.")
        return redirect("delivery:review", batch=batch)
    done, failed = desk.confirm_batch(batch, acting_user=request.user)
    summary = f"{len(done)} being delivered"
    if failed:
        summary += f", {len(failed)} not: " + " ".join(failed)
    messages.success(request, summary + ".")
    return redirect("delivery:review", batch=batch)


@staff_member_required
@_view
def thumbnail(request: HttpRequest, pk: int) -> FileResponse:
    delivery = get_object_or_404(Delivery, pk=pk)
    if not delivery.thumbnail:
        raise Http404("No thumbnail yet")
    return FileResponse(delivery.thumbnail.open("rb"), content_type="image/png")
