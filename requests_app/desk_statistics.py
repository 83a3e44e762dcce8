"""The desk's statistics page, its CSV and its refresh button (docs/desk.md, "Statistics"). Staff
only, like the rest of the desk; the refresh needs the change permission on requests."""

from __future__ import annotations

import csv
import re
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from copyright_rules.reports import safe_cell
from fees import stats as fee_stats
from requests_app import stats, tallies

_view = permission_required("requests_app.view_request", raise_exception=True)
_change = permission_required("requests_app.change_request", raise_exception=True)


def _stats_year(request: HttpRequest) -> int:
    this_year = timezone.localdate().year
    raw = request.GET.get("year", "")
    year = int(raw) if re.fullmatch(r"[0-9]{4}", raw) else this_year
    return year if 1990 <= year <= this_year else this_year


@staff_member_required
@_view
def statistics(request: HttpRequest) -> HttpResponse:
    year = _stats_year(request)
    this_year = timezone.localdate().year
    context: dict[str, object] = {
        "figures": stats.for_year(year),
        "years": range(this_year, tallies.first_year(default=this_year - 4) - 1, -1),
        "refresh_every": _minutes_between_refreshes(),
    }
    if request.user.has_perm("fees.view_charge"):
        revenue = fee_stats.for_year(year)
        context["revenue"] = {"rows": revenue, "totals": fee_stats.totals(revenue)}
    return render(request, "requests_app/desk/stats.html", context)


def _minutes_between_refreshes() -> int | None:
    """How often beat refreshes the figures; None when nothing schedules it (tasks run
    in-process: no broker, so no beat)."""
    entry = settings.CELERY_BEAT_SCHEDULE.get("requests-refresh-statistics", {})
    schedule = entry.get("schedule")
    if settings.CELERY_TASK_ALWAYS_EAGER or not isinstance(schedule, timedelta):
        return None
    return round(schedule.total_seconds() / 60)


@require_POST
@staff_member_required
@_change
def statistics_refresh(request: HttpRequest) -> HttpResponse:
    """Bring the figures up to date now rather than at the next scheduled refresh: work on the
    database that whoever only views requests (a verifier) may not start."""
    year = _stats_year(request)
    try:
        done = tallies.refresh(wait=False)
        fee_stats.refresh()
    except tallies.RefreshRunning:
        messages.info(request, "The figures are being refreshed already: reload in a minute.")
    else:
        messages.success(request, f"Figures refreshed: {done.counted}.")
    return redirect(f"{reverse('desk:stats')}?year={year}")


@staff_member_required
@_view
def statistics_csv(request: HttpRequest) -> HttpResponse:
    year = _stats_year(request)
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="illdesk-statistics-{year}.csv"'},
    )
    writer = csv.writer(response)
    rows = stats.csv_rows(stats.for_year(year))
    if request.user.has_perm("fees.view_charge"):
        rows += fee_stats.csv_rows(fee_stats.for_year(year))
    for row in rows:
        writer.writerow([safe_cell(str(cell)) for cell in row])
    return response
