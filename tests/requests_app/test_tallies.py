"""The statistics' per-day tallies: after a refresh the page's figures equal the live figures
computed from the requests (statuses, institutions, outcomes, fees, turnaround, year boundaries),
the refresh recomputes only the days that changed, purged requests leave the figures, and the
page costs the same whatever the number of requests."""

import random
import threading
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from copyright_rules import retention
from copyright_rules.models import Record
from illdesk.celery import app as celery_app
from registration.models import Institution
from requests_app import acting, actions, scheduled, services, stats, tallies, tasks
from requests_app.models import DayTally, Request, Service, Status, TallyRefresh
from tests.factories import make_institution
from tests.requests_app import live_stats
from tests.requests_app.factories import make_copy, make_loan
from tests.services import task_result

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year

# The copyright record's status for each workflow status (what the services keep in step).
RECORD_STATUS = {
    Status.NEW: "accepted",
    Status.AWAITING_CLEARANCE: "awaiting_clearance",
    Status.DELIVERED: "filled",
    Status.ON_LOAN: "shipped",
    Status.OVERDUE: "shipped",
    Status.RETURNED: "filled",
    Status.LOST: "filled",
    Status.REFUSED: "refused",
    Status.CANCELLED: "cancelled",
}
COPY_OUTCOMES = ("ACCEPT_CCG", "ACCEPT_CCL", "NEEDS_PERMISSION", "REFUSE")
# Supply times on either side of whole hours and days, and anything up to six weeks.
SUPPLY_MINUTES = (0, 59, 60, 61, 1439, 1440, 1441)


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=timezone.get_current_timezone())


def request_at(
    institution: Institution,
    created_at: datetime,
    *,
    service: str = Service.LOAN,
    status: str = Status.NEW,
    outcome: str | None = None,
    fee: Decimal | None = None,
    supplied_at: datetime | None = None,
    legal_hold: bool = False,
    is_duplication: bool = False,
    withdrawn: bool = False,
) -> Request:
    """A request and its record as the workflow would have left them, unchanged since it was
    made (updated_at = created_at), with its record's dates in the copyright calendar."""
    made = timezone.localdate(created_at, ZoneInfo(settings.COPYRIGHT_TIME_ZONE))
    record = Record.objects.create(
        institution=institution,
        service=service,
        created_at=created_at,
        local_date=made,
        year=made.year,
        status=RECORD_STATUS.get(Status(status), "in_process"),
        outcome=outcome or ("NOT_APPLICABLE" if service == Service.LOAN else "ACCEPT_CCG"),
        permission_fee=fee,
        fee_paid=fee is not None,
        legal_hold=legal_hold,
        legal_hold_reason="Litigation" if legal_hold else "",
        retain_until=date(made.year + 3, 12, 31),
        purge_on=date(made.year + 4, 1, 1),
        time_zone=settings.COPYRIGHT_TIME_ZONE,
        purge_at=datetime(made.year + 4, 1, 1, tzinfo=ZoneInfo(settings.COPYRIGHT_TIME_ZONE)),
    )
    return Request.objects.create(
        institution=institution,
        record=record,
        service=service,
        status=status,
        created_at=created_at,
        updated_at=created_at,
        title="Generated",
        refusal_reason="in_use" if status == Status.REFUSED else "",
        due_date=TODAY if status in Request.LOAN_OUT_STATUSES else None,
        quote_amount=Decimal("10") if status == Status.QUOTED else None,
        supplied_at=supplied_at,
        is_duplication=is_duplication,
        withdrawn=withdrawn,
    )


def generated(count: int, *, seed: int, years: tuple[int, ...] = (YEAR - 1, YEAR)) -> None:
    """`count` requests of several institutions over `years`, in every status, with copyright
    outcomes, fees and supply times, and a share on the last evening and first morning of a
    year (local time: another day in UTC)."""
    rng = random.Random(seed)
    institutions = [make_institution() for _ in range(4)]
    for _ in range(count):
        service = rng.choice(list(Service))
        status = rng.choice(list(Status))
        created_at = _moment(rng, rng.choice(years))
        supplied_at = None
        if status in stats.SUPPLIED:
            minutes = rng.choice([*SUPPLY_MINUTES, rng.randint(0, 60 * 24 * 42)])
            supplied_at = created_at + timedelta(minutes=minutes)
        copy = service == Service.COPY
        request_at(
            rng.choice(institutions),
            created_at,
            service=service,
            status=status,
            outcome=rng.choice(COPY_OUTCOMES) if copy else None,
            fee=Decimal(rng.randint(0, 9000)) / 100 if copy and rng.random() < 0.4 else None,
            supplied_at=supplied_at,
            # Reproduction orders are a type of their own; some cancellations are the library's.
            is_duplication=copy and rng.random() < 0.3,
            withdrawn=status == Status.CANCELLED and rng.random() < 0.5,
        )


def _moment(rng: random.Random, year: int) -> datetime:
    if rng.random() < 0.15:
        edge = rng.choice([local(year - 1, 12, 31, 22, 30), local(year, 1, 1, 0, 15)])
        return edge + timedelta(minutes=rng.randint(0, 59))
    last = TODAY if year == YEAR else date(year, 12, 31)
    day = date(year, 1, 1) + timedelta(days=rng.randint(0, (last - date(year, 1, 1)).days))
    return local(day.year, day.month, day.day, rng.randint(0, 23), rng.randint(0, 59))


def shown(figures: Mapping[str, object]) -> dict[str, object]:
    """Every figure, without the moment they are as of."""
    return {key: value for key, value in figures.items() if key != "as_of"}


def assert_tallies_are_live(*years: int) -> None:
    for year in years:
        assert shown(stats.for_year(year)) == shown(live_stats.live_for_year(year)), year


def backdate(hours: int = 1) -> None:
    """As if every request had last changed a while before the next refresh."""
    Request.objects.update(updated_at=timezone.now() - timedelta(hours=hours))


# --- The tallies equal the live figures ------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_tallies_equal_the_live_figures_of_generated_requests(seed: int) -> None:
    generated(160, seed=seed)

    tallies.refresh()

    assert_tallies_are_live(YEAR - 1, YEAR)
    figures = stats.for_year(YEAR - 1)
    assert figures["turnaround"]["median"] is not None and figures["copyright"]["fees"] > 0
    assert len(figures["busiest"]) == 4 and figures["fill"]["rate"] is not None


def test_before_a_refresh_the_page_shows_the_figures_as_of_the_last_one(
    institution: Institution,
) -> None:
    make_loan(institution)
    tallies.refresh()
    make_loan(institution, title="Later")

    before = stats.for_year(YEAR)
    tallies.refresh()

    assert sum(loans for _, loans, *_ in before["months"]) == 1
    assert sum(loans for _, loans, *_ in stats.for_year(YEAR)["months"]) == 2


def test_turnaround_is_read_to_the_hour(institution: Institution) -> None:
    made = local(YEAR, 1, 5, 9)
    for minutes in (119, 120, 60 * 50):  # 1 h 59 min is one hour; 50 hours
        request_at(
            institution, made, status=Status.RETURNED, supplied_at=made + timedelta(minutes=minutes)
        )

    tallies.refresh()

    # Hours 1, 2 and 50: the median is 2 hours; the 90th percentile is 80% of the way from 2 to
    # 50 hours (40.4 hours, 1.7 days), interpolated as percentile_cont does.
    assert stats.for_year(YEAR)["turnaround"] == {"median": 0.1, "p90": 1.7}
    assert_tallies_are_live(YEAR)


def test_changed_days_are_recomputed_in_runs_of_consecutive_days() -> None:
    days = [date(YEAR, 1, n) for n in (9, 2, 3, 4, 7, 3)]
    assert list(tallies.spans(days)) == [
        (date(YEAR, 1, 2), date(YEAR, 1, 4)),
        (date(YEAR, 1, 7), date(YEAR, 1, 7)),
        (date(YEAR, 1, 9), date(YEAR, 1, 9)),
    ]


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([(5, 1)], 0.9, 5.0),
        ([(1, 1), (2, 1), (3, 1), (4, 1)], 0.5, 2.5),
        ([(1, 3), (10, 1)], 0.9, 7.3),
        ([], 0.5, None),
    ],
)
def test_percentile_of_a_histogram_interpolates_as_postgresql_does(
    values: list[tuple[int, int]], fraction: float, expected: float | None
) -> None:
    found = stats.percentile(values, fraction)
    assert found == (None if expected is None else pytest.approx(expected))


# --- Changes, purges and time zones -----------------------------------------------------------


def test_after_desk_actions_the_refresh_catches_up(institution: Institution, staff: Any) -> None:
    loans = [make_loan(institution, title=f"Loan {n}") for n in range(3)]
    copies = [make_copy(institution, article_title=f"Article {n}", issue=str(n)) for n in range(6)]
    for n, item in enumerate([*loans, *copies]):
        Request.objects.filter(pk=item.pk).update(created_at=local(YEAR, 1, 2 + n))
    backdate()
    tallies.refresh()

    act(staff, loans[0], "ship", due_date=TODAY + timedelta(days=28), pieces=1)
    act(staff, loans[1], "refuse", refusal_reason="not_owned", reason="", confirm=True)
    act(staff, loans[2], "cancel", reason="Duplicate", confirm=True)
    act(staff, copies[0], "fill", delivery_method="mail")
    held = copies[5]
    assert held.status == Status.AWAITING_CLEARANCE
    act(staff, held, "permission", reference="CCC 12345", fee="31.50")

    assert shown(stats.for_year(YEAR)) != shown(live_stats.live_for_year(YEAR))
    assert tallies.refresh().days == 5
    assert_tallies_are_live(YEAR)
    assert stats.for_year(YEAR)["copyright"]["fees"] == Decimal("31.50")


def act(staff: Any, item: Request, slug: str, **data: Any) -> None:
    """A desk action as the request page performs it."""
    item.refresh_from_db()
    row = actions.ACTIONS[slug]
    form = row.bound_form({"seen_status": item.status, **data}, item=item)
    assert form.is_valid(), form.errors
    acting.perform(row, item, form, acting_user=staff)


def test_the_refresh_recomputes_only_the_days_that_changed(institution: Institution) -> None:
    days = [date(YEAR, 2, n) for n in (3, 4, 5, 9, 20)]
    items = [request_at(institution, local(d.year, d.month, d.day)) for d in days]
    tallies.refresh()
    rows_before = tally_ids(days)

    services.refuse_request(
        items[2], seen=Status.NEW, refusal_reason="in_use", reason="", acting_user=None
    )
    done = tallies.refresh()

    rows_after = tally_ids(days)
    assert done.days == 1 and not done.rebuilt
    assert {d for d in days if rows_after[d] != rows_before[d]} == {days[2]}
    assert_tallies_are_live(YEAR)


def tally_ids(days: list[date]) -> dict[date, set[int]]:
    return {d: set(DayTally.objects.filter(day=d).values_list("pk", flat=True)) for d in days}


def test_a_change_committed_just_before_the_last_refresh_is_counted_by_the_next(
    institution: Institution,
) -> None:
    """A transaction that stamped its change before the refresh started but committed after the
    refresh read the table: the next refresh looks back SETTLE before its mark."""
    item = request_at(institution, local(YEAR, 3, 1))
    done = tallies.refresh()
    Request.objects.filter(pk=item.pk).update(
        status=Status.CANCELLED, updated_at=done.as_of - timedelta(seconds=30)
    )

    assert tallies.refresh().days == 1
    assert_tallies_are_live(YEAR)


def test_nothing_changed_nothing_recomputed(institution: Institution) -> None:
    request_at(institution, local(YEAR, 3, 1))
    tallies.refresh()
    assert tallies.refresh().days == 0


def test_a_request_counts_in_the_year_of_its_local_day(institution: Institution) -> None:
    evening = local(YEAR - 1, 12, 31, 22, 30)  # 03:30 on 1 January in UTC
    request_at(institution, evening)
    request_at(institution, local(YEAR, 1, 1, 0, 30))

    tallies.refresh()

    assert evening.astimezone(ZoneInfo("UTC")).year == YEAR
    assert stats.for_year(YEAR - 1)["months"][11] == ("Dec", 1, 0, 0)
    assert stats.for_year(YEAR)["months"][0] == ("Jan", 1, 0, 0)
    assert_tallies_are_live(YEAR - 1, YEAR)


def test_another_office_time_zone_rebuilds_every_day(institution: Institution) -> None:
    request_at(institution, local(YEAR - 1, 12, 31, 22, 30))  # New York evening: Tokyo's noon
    tallies.refresh()

    with override_settings(TIME_ZONE="Asia/Tokyo"):
        done = tallies.refresh()
        assert done.rebuilt
        assert stats.for_year(YEAR)["months"][0] == ("Jan", 1, 0, 0)
        assert_tallies_are_live(YEAR - 1, YEAR)


def test_purged_requests_leave_the_figures(institution: Institution) -> None:
    """Records four years old are due; one under a legal hold stays, with its request."""
    old = YEAR - 4
    for day in (3, 4, 5):
        request_at(institution, local(old, 6, day), status=Status.RETURNED)
    kept = request_at(institution, local(old, 6, 6), status=Status.RETURNED, legal_hold=True)
    request_at(institution, local(YEAR, 1, 6))
    tallies.refresh()
    assert sum(n for _, n in stats.for_year(old)["busiest"]) == 4

    assert retention.purge_due_records(retention.copyright_today()) == 3
    done = tallies.refresh()

    assert stats.for_year(old)["busiest"] == [(institution.oclc_symbol, 1)]
    assert done.days == 3 and Request.objects.filter(pk=kept.pk).exists()
    assert_tallies_are_live(old, YEAR)


def test_a_whole_purged_year_leaves_no_tallies(institution: Institution) -> None:
    request_at(institution, local(YEAR - 5, 12, 30), status=Status.CANCELLED)
    tallies.refresh()

    retention.purge_due_records(retention.copyright_today())
    tallies.refresh()

    assert not DayTally.objects.filter(day__year=YEAR - 5).exists()


# --- What moves updated_at (the refresh's way of finding changes) ---------------------------


def moved(item: Request, change: Any) -> bool:
    Request.objects.filter(pk=item.pk).update(updated_at=timezone.now() - timedelta(days=1))
    change()
    item.refresh_from_db()
    return item.updated_at > timezone.now() - timedelta(minutes=1)


def test_claiming_moves_updated_at(institution: Institution, staff: Any) -> None:
    item = make_loan(institution)
    assert moved(item, lambda: services.claim_request(item, acting_user=staff))


def test_recording_the_holding_moves_updated_at(institution: Institution, staff: Any) -> None:
    item = make_loan(institution)
    assert moved(
        item,
        lambda: services.record_holding(
            item,
            seen=Status.NEW,
            shelf_call_number="QA76 .K6",
            location="Stacks",
            acting_user=staff,
        ),
    )


def test_the_scheduled_loan_jobs_move_updated_at(institution: Institution) -> None:
    due = TODAY - timedelta(days=20)
    item = make_loan(institution)
    Request.objects.filter(pk=item.pk).update(status=Status.ON_LOAN, due_date=due)
    assert moved(item, lambda: scheduled.mark_overdue_loans(today=TODAY))
    assert moved(item, lambda: scheduled.send_overdue_notices(today=TODAY))
    soon = make_loan(institution, title="Soon")
    Request.objects.filter(pk=soon.pk).update(status=Status.ON_LOAN, due_date=TODAY)
    assert moved(soon, lambda: scheduled.send_due_soon_reminders(today=TODAY))


def test_removing_an_expired_file_moves_updated_at(institution: Institution) -> None:
    item = make_copy(institution)
    past = timezone.now() - timedelta(days=1)
    Request.objects.filter(pk=item.pk).update(delivered_file="gone.pdf", file_expires_at=past)
    assert moved(item, lambda: scheduled.remove_expired_files(now=timezone.now()))


# --- The page, the command and the task -----------------------------------------------------


def page_queries(desk: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert desk.get(reverse("desk:stats")).status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_whatever_the_number_of_requests(desk: Client) -> None:
    generated(10, seed=4, years=(YEAR,))
    tallies.refresh()
    few = page_queries(desk)

    generated(300, seed=5, years=(YEAR,))
    tallies.rebuild()  # they were made as if unchanged since the spring: rebuild to count them

    assert page_queries(desk) == few
    assert DayTally.objects.filter(day__year=YEAR).count() > 100


def test_the_page_says_how_fresh_the_figures_are(desk: Client, institution: Institution) -> None:
    make_loan(institution)
    assert "have not been computed yet" in desk.get(reverse("desk:stats")).content.decode()

    done = tallies.refresh()

    stamp = timezone.localtime(done.as_of).strftime("%Y-%m-%d %H:%M")
    assert f"Figures as of {stamp}" in desk.get(reverse("desk:stats")).content.decode()


@pytest.mark.parametrize(("eager", "said"), [(False, True), (True, False)])
def test_the_page_names_the_schedule_only_where_beat_runs(
    desk: Client, settings: Any, eager: bool, said: bool
) -> None:
    """The embedded default runs tasks in-process and no beat: there the button is the refresh."""
    settings.CELERY_TASK_ALWAYS_EAGER = eager
    page = desk.get(reverse("desk:stats")).content.decode()
    assert ("up to date every 10 minutes" in page) == said and "Refresh now" in page


def test_staff_refresh_the_figures_from_the_page(desk: Client, institution: Institution) -> None:
    make_loan(institution)
    url = reverse("desk:stats_refresh") + f"?year={YEAR - 1}"

    response = desk.post(url, follow=True)

    assert response.redirect_chain[-1][0].endswith(f"?year={YEAR - 1}")
    assert "Figures refreshed" in response.content.decode()
    assert sum(loans for _, loans, *_ in stats.for_year(YEAR)["months"]) == 1


def test_the_command_refreshes_and_rebuilds(institution: Institution) -> None:
    generated(40, seed=6)

    for options in ([], ["--all"], ["--year", str(YEAR - 1)]):
        DayTally.objects.update(requests=999)
        out = run_command(*options)
        assert "figures as of" in out

    assert_tallies_are_live(YEAR - 1)
    assert DayTally.objects.filter(day__year=YEAR, requests=999).exists()  # --year left it


def run_command(*options: str) -> str:
    out = StringIO()
    call_command("refresh_statistics", *options, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("options", [["--all", "--year", "2020"], ["--year", "1066"]])
def test_the_command_refuses_a_wrong_option(options: list[str]) -> None:
    with pytest.raises(CommandError):
        call_command("refresh_statistics", *options)


def test_the_refresh_is_scheduled(settings: Any) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["requests-refresh-statistics"]
    assert entry["task"] in celery_app.tasks
    assert timedelta(minutes=5) <= entry["schedule"] <= timedelta(minutes=15)


def test_the_task_refreshes_in_process(institution: Institution) -> None:
    make_loan(institution)
    assert tasks.refresh_statistics.apply().get() == 1
    assert_tallies_are_live(YEAR)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_worker_refreshes_the_figures(broker: str, celery_worker: Any) -> None:
    generated(30, seed=7)

    days = task_result(tasks.refresh_statistics.apply_async(ignore_result=False), timeout=60)

    assert days and TallyRefresh.objects.get().refreshed_at is not None
    assert_tallies_are_live(YEAR - 1, YEAR)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_refresh_under_way_is_left_to_finish() -> None:
    tallies.refresh()
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        with transaction.atomic():
            TallyRefresh.objects.select_for_update().get(pk=1)
            holding.set()
            release.wait(20)
        connection.close()

    other = threading.Thread(target=hold_the_lock)
    other.start()
    try:
        assert holding.wait(20)
        assert task_result(tasks.refresh_statistics.apply()) is None
        with pytest.raises(tallies.RefreshRunning):
            tallies.refresh(wait=False)
    finally:
        release.set()
        other.join()
