"""Guideline 4 retention: kept through 31 Dec (Y + 3), purged from 1 Jan (Y + 4), with guards."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from math import nan
from pathlib import Path
from threading import Event, Thread
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import CASCADE, Model
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from copyright_rules import retention, services, tasks
from copyright_rules.models import Decision, Record, RecordStatusChange
from illdesk.celery import app as celery_app
from registration.models import Institution, OutboxMessage
from requests_app import services as request_services
from requests_app.models import Request, RequestEvent
from tests import factories as shared
from tests.copyright_rules.factories import (
    article,
    decide_and_record,
    make_institution,
    make_staff,
    request_of,
)
from tests.requests_app.factories import make_copy

pytestmark = pytest.mark.django_db
ZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "UTC",
]


def record_at(
    institution: Institution, created_at: datetime, status: str = Record.Status.FILLED
) -> Record:
    with transaction.atomic():
        record, _ = decide_and_record(
            institution,
            request_of(
                article(publication_date=str(created_at.year - 1)),
                service="copy",
                created_at=created_at,
            ),
        )
    if status != record.status:
        services.set_record_status(record, status)
    return record


def new_york(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=ZoneInfo("America/New_York"))


def exists(record: Record) -> bool:
    return Record.objects.filter(pk=record.pk).exists()


def test_a_request_of_2_january_is_kept_until_the_end_of_the_third_year() -> None:
    record = record_at(make_institution(), new_york(2024, 1, 2, 9))

    assert (record.retain_until, record.purge_on) == (date(2027, 12, 31), date(2028, 1, 1))


def test_nothing_is_purged_on_the_last_day_of_retention() -> None:
    record = record_at(make_institution(), new_york(2024, 1, 2, 9))

    assert retention.purge_due_records(date(2027, 12, 31)) == 0
    assert exists(record)


def test_a_final_record_is_purged_on_the_first_of_january_of_year_plus_four() -> None:
    record = record_at(make_institution(), new_york(2024, 1, 2, 9))

    assert retention.purge_due_records(date(2028, 1, 1)) == 1
    assert not exists(record)


def test_purging_removes_the_decisions_and_history_with_the_record() -> None:
    record = record_at(make_institution(), new_york(2024, 5, 1, 9))

    retention.purge_due_records(date(2028, 1, 1))

    assert not record.decisions.exists()
    assert not record.status_changes.exists()


def test_a_request_not_yet_final_is_kept() -> None:
    record = record_at(make_institution(), new_york(2024, 5, 1, 9), Record.Status.SHIPPED)

    retention.purge_due_records(date(2030, 1, 1))

    assert exists(record)


def test_a_record_with_an_unpaid_fee_is_kept_until_it_is_paid() -> None:
    record = record_at(make_institution(), new_york(2024, 5, 1, 9))
    Record.objects.filter(pk=record.pk).update(permission_fee=Decimal("25.00"), fee_paid=False)

    retention.purge_due_records(date(2030, 1, 1))
    kept = exists(record)
    services.mark_fee_paid([record])
    retention.purge_due_records(date(2030, 1, 1))

    assert kept
    assert not exists(record)


def test_a_record_under_legal_hold_is_kept() -> None:
    record = record_at(make_institution(), new_york(2024, 5, 1, 9))
    Record.objects.filter(pk=record.pk).update(legal_hold=True, legal_hold_reason="Subpoena 12")

    retention.purge_due_records(date(2030, 1, 1))

    assert exists(record)


def test_purge_works_in_batches_and_a_rerun_finishes_an_interrupted_job(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    institution = make_institution()
    records = [record_at(institution, new_york(2024, 5, day, 9)) for day in range(1, 6)]
    real_batch = retention._purge_batch
    calls: list[int] = []

    def interrupted_after_first_batch(today: date, batch_size: int) -> int:
        calls.append(batch_size)
        if len(calls) == 2:
            raise ConnectionError("worker lost")
        return real_batch(today, batch_size)

    monkeypatch.setattr(retention, "_purge_batch", interrupted_after_first_batch)
    with pytest.raises(ConnectionError):
        retention.purge_due_records(date(2028, 1, 1), batch_size=2)
    left_after_interruption = sum(exists(r) for r in records)
    monkeypatch.setattr(retention, "_purge_batch", real_batch)

    assert retention.purge_due_records(date(2028, 1, 1), batch_size=2) == 3
    assert left_after_interruption == 3
    assert not any(exists(r) for r in records)


def test_dry_run_counts_and_deletes_nothing() -> None:
    record = record_at(make_institution(), new_york(2024, 5, 1, 9))
    out = StringIO()

    call_command("purge_records", "--dry-run", "--today", "2028-01-01", stdout=out)

    assert out.getvalue().startswith("1 records are due")
    assert exists(record)


def test_the_command_purges_what_is_due_on_the_given_day() -> None:
    record = record_at(make_institution(), new_york(2021, 5, 1, 9))
    out = StringIO()

    call_command("purge_records", "--today", "2025-01-01", stdout=out)

    assert out.getvalue().startswith("1 records purged")
    assert not exists(record)


def test_the_command_refuses_to_purge_as_of_a_future_day() -> None:
    record = record_at(make_institution(), new_york(2024, 5, 1, 9))
    future = retention.copyright_today().replace(year=retention.copyright_today().year + 4)

    with pytest.raises(CommandError, match="later than today"):
        call_command("purge_records", "--today", future.isoformat())

    assert exists(record)


def test_a_future_day_may_be_used_to_count_what_will_be_due() -> None:
    record_at(make_institution(), new_york(2024, 5, 1, 9))
    out = StringIO()
    future = retention.copyright_today().replace(year=retention.copyright_today().year + 4)

    call_command("purge_records", "--dry-run", "--today", future.isoformat(), stdout=out)

    assert out.getvalue().startswith("1 records are due")


def test_the_command_refuses_a_malformed_date() -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("purge_records", "--today", "01/01/2028")


def test_the_purge_logs_counts_and_no_contents(caplog: pytest.LogCaptureFixture) -> None:
    record_at(make_institution(), new_york(2024, 5, 1, 9))

    with caplog.at_level("INFO", logger="copyright_rules.retention"):
        retention.purge_due_records(date(2028, 1, 1))

    assert "1 records deleted" in caplog.text
    assert "Nature" not in caplog.text


def test_the_daily_task_is_scheduled_and_purges(settings: Any) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["purge-copyright-records"]
    record = record_at(make_institution(), new_york(2019, 5, 1, 9))

    # apply() runs the task through Celery in this process without a broker; an eager delay()
    # would leave a producer pool behind that later broker-switching fixtures do not rebuild.
    deleted = tasks.purge_due_records.apply().get()

    assert entry["task"] in celery_app.tasks
    assert deleted == 1
    assert not exists(record)


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    moment=st.integers(min_value=946_684_800, max_value=3_818_000_000),  # 2000 to 2090
    zone=st.sampled_from(ZONES),
    days_after=st.integers(min_value=-3, max_value=3),
)
def test_the_purge_never_deletes_a_record_early(moment: int, zone: str, days_after: int) -> None:
    created_at = datetime.fromtimestamp(moment, tz=UTC)
    with override_settings(COPYRIGHT_TIME_ZONE=zone):
        record = record_at(make_institution(), created_at)
        year = created_at.astimezone(ZoneInfo(zone)).year
        today = date(year + 4, 1, 1) + timedelta(days=days_after)

        deleted = retention.purge_due_records(today)

    assert deleted == (1 if days_after >= 0 else 0)
    assert exists(record) == (today <= date(year + 3, 12, 31))
    Record.objects.filter(pk=record.pk).delete()


# --- What a purge takes with a record, and what it leaves -------------------------------------

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def delivered_copy(staff: User, **fields: Any) -> Request:
    """A copy request claimed, accepted and delivered as a PDF: a record with its decision and
    status history, a request with its timeline and a stored file."""
    request = make_copy(shared.make_institution(), **fields)
    request_services.claim_request(request, acting_user=staff)
    request_services.accept_request(request, seen=request.status, acting_user=staff)
    pdf = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
    return request_services.fill_copy(
        request, seen=request.status, delivery_method="electronic", pdf=pdf, acting_user=staff
    )


def rows_of(request: Request) -> dict[str, int]:
    return {
        "record": Record.objects.filter(pk=request.record_id).count(),
        "decisions": Decision.objects.filter(record_id=request.record_id).count(),
        "status changes": RecordStatusChange.objects.filter(record_id=request.record_id).count(),
        "request": Request.objects.filter(pk=request.pk).count(),
        "events": RequestEvent.objects.filter(request_id=request.pk).count(),
    }


@pytest.fixture
def staff() -> User:
    return make_staff()


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def test_purging_removes_the_request_its_timeline_decisions_and_status_history(
    staff: User,
) -> None:
    request = delivered_copy(staff)
    before = rows_of(request)

    retention.purge_due_records(request.record.purge_on)

    assert all(before.values())
    assert rows_of(request) == dict.fromkeys(before, 0)


def admin_history(model: type[Model], pk: int, title: str, staff: User) -> LogEntry:
    content_type = ContentType.objects.get_for_model(model)
    return LogEntry.objects.create(
        user=staff,
        content_type=content_type,
        object_id=str(pk),
        object_repr=f"Request {pk}: {title}",
        action_flag=CHANGE,
    )


def test_purging_removes_the_admin_history_naming_the_purged_rows(staff: User) -> None:
    purged, kept = delivered_copy(staff), delivered_copy(staff)
    _legal_hold(kept.record)
    entries = [
        admin_history(Request, purged.pk, purged.title, staff),
        admin_history(Record, purged.record.pk, purged.title, staff),
        admin_history(Decision, purged.record.decisions.get().pk, purged.title, staff),
    ]
    kept_entry = admin_history(Request, kept.pk, kept.title, staff)

    retention.purge_due_records(purged.record.purge_on)

    assert not LogEntry.objects.filter(pk__in=[entry.pk for entry in entries]).exists()
    assert LogEntry.objects.filter(pk=kept_entry.pk).exists()


def test_a_legal_hold_on_a_record_purged_meanwhile_is_an_error(staff: User) -> None:
    record = delivered_copy(staff).record
    retention.purge_due_records(record.purge_on)

    with pytest.raises(Record.DoesNotExist):
        services.set_legal_hold(record, hold=True, reason="Subpoena 12")


def _not_final(record: Record) -> None:
    Record.objects.filter(pk=record.pk).update(status=Record.Status.SHIPPED)


def _legal_hold(record: Record) -> None:
    Record.objects.filter(pk=record.pk).update(legal_hold=True, legal_hold_reason="Subpoena 12")


def _unpaid_fee(record: Record) -> None:
    Record.objects.filter(pk=record.pk).update(permission_fee=Decimal("25.00"), fee_paid=False)


def _not_yet_due(record: Record) -> None:
    later = {"retain_until": date(record.year + 4, 12, 31), "purge_on": date(record.year + 5, 1, 1)}
    Record.objects.filter(pk=record.pk).update(**later)


@pytest.mark.parametrize("keep", [_not_final, _legal_hold, _unpaid_fee, _not_yet_due])
def test_a_record_the_purge_must_keep_keeps_its_request_and_history(
    staff: User, keep: Callable[[Record], None]
) -> None:
    kept, purged = delivered_copy(staff), delivered_copy(staff)
    keep(kept.record)
    before = rows_of(kept)

    retention.purge_due_records(purged.record.purge_on)

    assert rows_of(kept) == before
    assert Path(kept.delivered_file.path).exists()
    assert rows_of(purged)["record"] == 0


def test_a_batch_smaller_than_the_due_count_still_purges_them_all(staff: User) -> None:
    requests = [delivered_copy(staff, article_title=f"Article {n}") for n in range(5)]

    deleted = retention.purge_due_records(requests[0].record.purge_on, batch_size=2)

    assert deleted == 5
    assert not Record.objects.exists()
    assert not RequestEvent.objects.exists()


def test_a_purged_request_s_delivered_file_is_deleted_once_the_batch_commits(
    staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    request = delivered_copy(staff)
    stored = Path(request.delivered_file.path)

    with django_capture_on_commit_callbacks() as after_commit:
        retention.purge_due_records(request.record.purge_on)
    kept_until_commit = stored.exists()
    for callback in after_commit:
        callback()

    assert kept_until_commit
    assert not stored.exists()


def test_the_pause_is_taken_between_batches(staff: User, monkeypatch: pytest.MonkeyPatch) -> None:
    requests = [delivered_copy(staff, article_title=f"Article {n}") for n in range(5)]
    pauses: list[tuple[float, int]] = []
    monkeypatch.setattr(retention, "sleep", lambda s: pauses.append((s, Record.objects.count())))

    retention.purge_due_records(requests[0].record.purge_on, batch_size=2, pause=0.25)

    assert pauses == [(0.25, 3), (0.25, 1), (0.25, 0)]


def test_without_a_pause_the_purge_never_sleeps(
    staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = delivered_copy(staff)
    pauses: list[float] = []
    monkeypatch.setattr(retention, "sleep", pauses.append)

    retention.purge_due_records(request.record.purge_on, batch_size=1)

    assert pauses == []


@pytest.mark.parametrize(
    ("batch_size", "pause"), [(0, 0.0), (retention.MAX_BATCH_SIZE + 1, 0.0), (10, -1.0), (10, nan)]
)
def test_the_purge_refuses_a_bad_batch_size_or_pause(batch_size: int, pause: float) -> None:
    with pytest.raises(ValueError, match="batch_size|pause"):
        retention.purge_due_records(date(2028, 1, 1), batch_size=batch_size, pause=pause)


def _hold_while_locked(record: Record, locked: Event, purged: Event, done: list[bool]) -> None:
    try:
        with transaction.atomic():
            Record.objects.select_for_update().get(pk=record.pk)
            locked.set()
            done.append(purged.wait(timeout=30))
            services.set_legal_hold(record, hold=True, reason="Subpoena 12")
    finally:
        connection.close()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_record_locked_to_set_a_legal_hold_is_skipped_not_deleted() -> None:
    institution = make_institution()
    held, other = (record_at(institution, new_york(2024, 5, day, 9)) for day in (1, 2))
    locked, purged, done = Event(), Event(), list[bool]()
    hold = Thread(target=_hold_while_locked, args=(held, locked, purged, done))
    hold.start()
    assert locked.wait(timeout=30)

    deleted = retention.purge_due_records(date(2028, 1, 1))
    purged.set()
    hold.join(timeout=30)

    assert (deleted, done) == (1, [True])
    assert Record.objects.get(pk=held.pk).legal_hold
    assert not exists(other)


# --- Every table that points at a record is purged with it ------------------------------------


def test_the_purge_lists_every_table_that_points_at_a_record_or_its_request() -> None:
    # A model that points at a purged table and is not in PURGED_TABLES fails here: decide what
    # becomes of its rows when their record is purged, and add it to the list.
    purged_models = {table.model for table in retention.PURGED_TABLES}
    pointing = {
        field
        for model in apps.get_models(include_auto_created=True)
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model in purged_models
    }
    listed = [table.via for table in retention.PURGED_TABLES if table.via is not None]

    assert set(listed) == pointing and len(listed) == len(pointing)
    assert pointing >= {
        Request._meta.get_field("record"),
        RequestEvent._meta.get_field("request"),
        Decision._meta.get_field("record"),
        RecordStatusChange._meta.get_field("record"),
    }
    assert all(getattr(field.remote_field, "on_delete", None) is CASCADE for field in pointing)


def test_each_purged_table_comes_after_the_table_it_points_at() -> None:
    # Deleted in the reverse order: children before their parents.
    order = [table.model for table in retention.PURGED_TABLES]
    for position, table in enumerate(retention.PURGED_TABLES[1:], start=1):
        assert table.via is not None and order.index(table.via.related_model) < position
        # The lookup walks from the table to the record's key.
        assert table.model._base_manager.filter(**{f"{table.lookup}__in": [0]}).count() == 0


def _purged_records(count: int) -> list[Record]:
    institution = make_institution()
    return [record_at(institution, new_york(2024, 5, day, 9)) for day in range(1, count + 1)]


def _deletes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries if "DELETE FROM" in q["sql"].upper()]


@pytest.mark.postgres_only
def test_on_postgresql_a_batch_is_one_statement_over_every_listed_table() -> None:
    # A statement per table cost a round trip each and sent the batch's ids with every one:
    # about a fifth of the speed (docs/performance.md, "The purge after the explicit table list").
    records = _purged_records(3)
    named = [table.model._meta.db_table for table in retention.PURGED_TABLES]
    named += [LogEntry._meta.db_table, OutboxMessage._meta.db_table]

    with CaptureQueriesContext(connection) as queries:
        assert retention.purge_due_records(date(2028, 1, 1), batch_size=2) == 3

    statements = _deletes(queries)
    assert len(statements) == 3  # batches of 2, of 1, and the one that found none left
    assert all(f'DELETE FROM "{table}"' in statements[0] for table in named)
    assert not any(exists(record) for record in records)


def test_elsewhere_a_batch_deletes_table_by_table_children_first() -> None:
    # The path SQLite takes (the embedded default), run here on whichever database the suite has.
    records = _purged_records(3)

    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        deleted, _ = retention._delete_table_by_table([record.pk for record in records])

    tables = [table.model._meta.db_table for table in retention.PURGED_TABLES]
    deleted_from = [t for sql in _deletes(queries) for t in tables if f'DELETE FROM "{t}"' in sql]
    assert deleted_from == [*reversed(tables[1:]), tables[0]]
    assert deleted == 3 and not any(exists(record) for record in records)


def test_the_daily_task_paces_the_purge_as_configured(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.COPYRIGHT_PURGE_BATCH_SIZE = 1
    settings.COPYRIGHT_PURGE_PAUSE = 0.25
    institution = make_institution()
    records = [record_at(institution, new_york(2019, 5, day, 9)) for day in (1, 2, 3)]
    pauses: list[float] = []
    monkeypatch.setattr(retention, "sleep", pauses.append)

    deleted = tasks.purge_due_records.apply().get()

    assert deleted == 3 and not any(exists(record) for record in records)
    assert pauses == [0.25, 0.25, 0.25]  # one batch of one record each, a rest after each
