"""The scheduled jobs (see CELERY_BEAT_SCHEDULE): overdue loans, their notices and due-soon
reminders, and the removal of delivered files past their download period. Each job is safe to
rerun: every change is compare-and-set, so a second run the same day sends and removes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from requests_app.lifecycle import Move, StaleRequest, transition
from requests_app.mailing import queue_request_email
from requests_app.models import Action, Request, RequestEvent, Status

OVERDUE = Move(Action.OVERDUE, Status.OVERDUE)


def mark_overdue_loans(*, today: date) -> int:
    """Loans past their due date become overdue, each by its own transition (a loan renewed or
    returned meanwhile is left as it is)."""
    marked = 0
    due = Request.objects.filter(status=Status.ON_LOAN, due_date__lt=today)
    for request in list(due.select_related("record").order_by("pk")):
        with transaction.atomic():
            try:
                transition(request, OVERDUE, seen=Status.ON_LOAN, actor=None)
            except StaleRequest:
                continue
        marked += 1
    return marked


def send_overdue_notices(*, today: date) -> int:
    """First notice at due + REQUESTS_OVERDUE_FIRST_NOTICE_DAYS, second at + ..._SECOND_...
    (ILLiad's schedule). The counter is compare-and-set, so a rerun never sends twice."""
    sent = 0
    days = (
        settings.REQUESTS_OVERDUE_FIRST_NOTICE_DAYS,
        settings.REQUESTS_OVERDUE_SECOND_NOTICE_DAYS,
    )
    for already_sent, after in enumerate(days):
        due = Request.objects.filter(
            status=Status.OVERDUE,
            overdue_notices_sent=already_sent,
            due_date__lte=today - timedelta(days=after),
        )
        sent += _send_notices(due.values_list("pk", flat=True), already_sent)
    return sent


def _send_notices(ids: Iterable[int], already_sent: int) -> int:
    sent = 0
    for pk in list(ids):
        with transaction.atomic():
            won = Request.objects.filter(pk=pk, overdue_notices_sent=already_sent).update(
                overdue_notices_sent=already_sent + 1, updated_at=timezone.now()
            )
            if won:
                text = f"Overdue notice {already_sent + 1} sent."
                RequestEvent.objects.create(request_id=pk, action=Action.OVERDUE_NOTICE, text=text)
                queue_request_email(pk, f"loan-overdue-{already_sent + 1}")
                sent += 1
    return sent


def send_due_soon_reminders(*, today: date) -> int:
    """One reminder per due date, REQUESTS_DUE_SOON_DAYS before it (a renewal earns a new one)."""
    horizon = today + timedelta(days=settings.REQUESTS_DUE_SOON_DAYS)
    due = Request.objects.filter(status=Status.ON_LOAN, due_date__gte=today, due_date__lte=horizon)
    sent = 0
    for pk, due_date in due.exclude(due_soon_sent_for=F("due_date")).values_list("pk", "due_date"):
        with transaction.atomic():
            won = (
                Request.objects.filter(pk=pk, due_date=due_date)
                .exclude(due_soon_sent_for=due_date)
                .update(due_soon_sent_for=due_date, updated_at=timezone.now())
            )
            if won:
                queue_request_email(pk, "loan-due-soon")
                sent += 1
    return sent


def remove_expired_files(*, now: datetime) -> int:
    """Delivered PDFs are downloadable for REQUESTS_DELIVERY_DAYS; then the file is deleted."""
    removed = 0
    for request in Request.objects.expired_files(now).only("pk", "delivered_file"):
        name = str(request.delivered_file.name)
        with transaction.atomic():
            won = Request.objects.filter(pk=request.pk, delivered_file=name).update(
                delivered_file="", updated_at=timezone.now()
            )
            if won:
                RequestEvent.objects.create(request=request, action=Action.FILE_REMOVED)
        if won:
            request.delivered_file.storage.delete(name)
            removed += 1
    return removed
