"""Guideline 4 retention: kept through 31 Dec (Y + 3), purged from 1 Jan (Y + 4), with guards."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from copyright_rules import retention, services, tasks
from copyright_rules.models import Record
from illdesk.celery import app as celery_app
from registration.models import Institution
from tests.copyright_rules.factories import article, make_institution

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
        record, _ = services.decide_and_record(
            institution,
            service="copy",
            facts=article(publication_date=str(created_at.year - 1)),
            created_at=created_at,
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
    record = record_at(make_institution(), new_york(2024, 5, 1, 9))
    out = StringIO()

    call_command("purge_records", "--today", "2028-01-01", stdout=out)

    assert out.getvalue().startswith("1 records purged")
    assert not exists(record)


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
