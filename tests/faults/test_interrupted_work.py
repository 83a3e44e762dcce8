"""Work that fails halfway: a request submission that breaks after its copyright decision, and the
record purge interrupted in the middle of a run."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction

from copyright_rules import retention
from copyright_rules import services as copyright_services
from copyright_rules.models import Decision, Record
from registration.models import Institution, OutboxMessage
from requests_app import submission as request_services
from requests_app.models import Request, RequestEvent
from tests.copyright_rules.factories import article, decide_and_record, request_of
from tests.factories import make_institution
from tests.requests_app.factories import make_copy

pytestmark = pytest.mark.django_db

PURGE_DAY = date(2026, 1, 1)  # in the past: the command refuses a later --today


class Interrupted(Exception):
    """The fault injected into the work."""


def _rows() -> tuple[int, int, int, int]:
    return (
        Request.objects.count(),
        Record.objects.count(),
        Decision.objects.count(),
        RequestEvent.objects.count(),
    )


def _fail_after_deciding(monkeypatch: pytest.MonkeyPatch) -> None:
    real = copyright_services.decide_new

    def decided_then_broken(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)  # the lock is taken, in the open transaction
        raise Interrupted("the process died after the decision was taken")

    monkeypatch.setattr(request_services.copyright, "decide_new", decided_then_broken)


def _fail_after_storing_the_request(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(message: OutboxMessage) -> None:
        assert message.target_id is not None
        request = Request.objects.select_related("record").get(pk=message.target_id)
        assert request.record.decisions.exists()  # all of it, in the open transaction
        raise Interrupted("the process died after the request and its decision were written")

    monkeypatch.setattr(request_services.outbox, "dispatch_on_commit", broken)


FAULTS = [_fail_after_deciding, _fail_after_storing_the_request]


@pytest.fixture
def institution() -> Institution:
    return make_institution()


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.__name__)
def test_a_submission_failing_halfway_leaves_nothing_behind(
    institution: Institution, monkeypatch: pytest.MonkeyPatch, fault: Any
) -> None:
    make_copy(institution, article_title="Already there")
    before = _rows()
    fault(monkeypatch)

    with pytest.raises(Interrupted):
        make_copy(institution, article_title="Never stored")

    assert _rows() == before


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.__name__)
def test_a_submission_failing_halfway_does_not_take_a_slot(
    institution: Institution, monkeypatch: pytest.MonkeyPatch, fault: Any
) -> None:
    # Four articles of one journal this year; the fifth fails halfway, then is sent again.
    for number in range(4):
        make_copy(institution, article_title=f"Article {number}", issue=str(number))
    with monkeypatch.context() as patched:
        fault(patched)
        with pytest.raises(Interrupted):
            make_copy(institution, article_title="Article 4", issue="4")

    fifth = make_copy(institution, article_title="Article 4", issue="4")
    sixth = make_copy(institution, article_title="Article 5", issue="5")

    assert fifth.status == Request.Status.NEW
    assert sixth.status == Request.Status.AWAITING_CLEARANCE


# --- The purge --------------------------------------------------------------------------------


def _record(year: int, **changes: Any) -> Record:
    # One institution per record: the rule of five must not hold any of them for permission.
    institution = make_institution()
    created = datetime(year, 6, 1, 12, tzinfo=ZoneInfo("America/New_York"))
    with transaction.atomic():
        record, _ = decide_and_record(
            institution,
            request_of(article(publication_date=str(year - 1)), service="copy", created_at=created),
        )
    copyright_services.set_record_status(record, Record.Status.FILLED)
    if changes:
        Record.objects.filter(pk=record.pk).update(**changes)
    return record


@pytest.fixture
def records() -> dict[str, set[int]]:
    due = {_record(2022).pk for _ in range(7)}
    early = {_record(2023).pk for _ in range(3)}
    held = {_record(2022, legal_hold=True, legal_hold_reason="Litigation hold").pk}
    return {"due": due, "kept": early | held}


def _interrupt_batch(monkeypatch: pytest.MonkeyPatch, number: int) -> None:
    """The purge dies in batch `number`, its rows deleted but not yet committed."""
    real = retention._delete_batch
    batches: list[int] = []

    def deleted_then_crashed(*args: Any) -> Any:
        result = real(*args)
        batches.append(result[0])
        if len(batches) == number:
            raise Interrupted("the purge process died in the middle of a batch")
        return result

    monkeypatch.setattr(retention, "_delete_batch", deleted_then_crashed)


def _small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    real = retention._purge_batch
    monkeypatch.setattr(retention, "_purge_batch", lambda today, size: real(today, 3))


def test_an_interrupted_purge_rerun_finishes_without_removing_anything_early(
    records: dict[str, set[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _small_batches(monkeypatch)
    with monkeypatch.context() as patched:
        _interrupt_batch(patched, number=2)  # the first batch of 3 commits, the second does not
        with pytest.raises(Interrupted):
            call_command("purge_records", "--today", PURGE_DAY.isoformat())
    left_after_crash = set(Record.objects.values_list("pk", flat=True))

    call_command("purge_records", "--today", PURGE_DAY.isoformat())

    remaining = set(Record.objects.values_list("pk", flat=True))
    assert len(left_after_crash & records["due"]) == 4  # the first batch committed, no more
    assert remaining & records["due"] == set()
    assert records["kept"] <= remaining
    assert Record.objects.due_for_purge(PURGE_DAY).count() == 0
