"""SPEC section 6: two submissions for one institution and title never both take the last slot.

Twenty threads, each with its own database connection, submit at once for one institution and
title with three slots left. A barrier makes the race certain: every thread is past its start
line before any of them reaches the count.
"""

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from copyright_rules import deciding, services
from copyright_rules.models import Record
from registration.models import Institution
from tests.copyright_rules.factories import (
    article,
    at,
    decide_and_record,
    make_institution,
    request_of,
)

THREADS = 20
LIMIT = 5
ALREADY_COUNTED = 2
FREE_SLOTS = LIMIT - ALREADY_COUNTED
WHEN = at(2024, 7)


def _seed(institution: Institution) -> None:
    for number in range(ALREADY_COUNTED):
        with transaction.atomic():
            decide_and_record(
                institution,
                request_of(article(article=f"prior {number}"), service="copy", created_at=WHEN),
            )


def _submit_all(
    institution: Institution,
    connect: Callable[[], None] = lambda: None,
    start: threading.Barrier | None = None,
) -> Counter:
    def submit(number: int) -> str:
        connect()
        if start is not None:
            start.wait(timeout=60)
        try:
            with transaction.atomic():
                _, decision = decide_and_record(
                    institution,
                    request_of(article(article=f"race {number}"), service="copy", created_at=WHEN),
                )
            return decision.outcome
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return Counter(pool.map(submit, range(THREADS)))


def _everyone_waits_before(
    monkeypatch: pytest.MonkeyPatch, name: str, barrier: threading.Barrier
) -> None:
    real = getattr(deciding, name)

    def wait_then_call(*args: Any, **kwargs: Any) -> Any:
        barrier.wait(timeout=60)
        return real(*args, **kwargs)

    monkeypatch.setattr(deciding, name, wait_then_call)


def _everyone_waits_after(
    monkeypatch: pytest.MonkeyPatch, name: str, barrier: threading.Barrier
) -> None:
    real = getattr(deciding, name)

    def call_then_wait(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        barrier.wait(timeout=60)
        return result

    monkeypatch.setattr(deciding, name, call_then_wait)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_take_exactly_the_free_slots_on_postgres(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    institution = make_institution()
    _seed(institution)
    _everyone_waits_before(monkeypatch, "load_priors", threading.Barrier(THREADS))

    outcomes = _submit_all(institution)

    assert outcomes == Counter({"ACCEPT_CCG": FREE_SLOTS, "NEEDS_PERMISSION": THREADS - FREE_SLOTS})
    assert Record.objects.filter(institution=institution, counted=True).count() == LIMIT
    held = Record.objects.filter(status=Record.Status.AWAITING_CLEARANCE)
    assert held.count() == THREADS - FREE_SLOTS


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_without_the_lock_the_same_race_overfills_the_title(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Proves the test above can fail: counting without the lock, every thread counts before any
    # inserts, and all of them take a slot.
    institution = make_institution()
    _seed(institution)
    real = deciding.load_priors
    monkeypatch.setattr(
        deciding, "load_priors", lambda *args, **kwargs: real(*args, **{**kwargs, "lock": False})
    )
    _everyone_waits_after(monkeypatch, "load_priors", threading.Barrier(THREADS))

    outcomes = _submit_all(institution)

    assert outcomes["ACCEPT_CCG"] > FREE_SLOTS
    assert Record.objects.filter(institution=institution, counted=True).count() > LIMIT


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_take_exactly_the_free_slots_on_sqlite(
    use_sqlite: Callable[[], None],
) -> None:
    holder: dict[str, Institution] = {}
    setup = threading.Thread(target=_seed_sqlite, args=(use_sqlite, holder))
    setup.start()
    setup.join()

    # Every thread opens its transaction at the same moment: BEGIN IMMEDIATE makes them queue.
    start = threading.Barrier(THREADS)
    outcomes = _submit_all(holder["institution"], connect=use_sqlite, start=start)

    assert outcomes == Counter({"ACCEPT_CCG": FREE_SLOTS, "NEEDS_PERMISSION": THREADS - FREE_SLOTS})
    counted = threading.Thread(target=_count_counted, args=(use_sqlite, holder))
    counted.start()
    counted.join()
    assert holder["counted"] == LIMIT


def _seed_sqlite(use_sqlite: Callable[[], None], holder: dict[str, Any]) -> None:
    use_sqlite()
    try:
        holder["institution"] = make_institution()
        _seed(holder["institution"])
    finally:
        connections.close_all()


def _count_counted(use_sqlite: Callable[[], None], holder: dict[str, Any]) -> None:
    use_sqlite()
    try:
        holder["counted"] = Record.objects.filter(counted=True).count()
    finally:
        connections.close_all()


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_the_locked_count_selects_exactly_what_priors_for_selects() -> None:
    """The PostgreSQL function that locks and counts in one round trip restates
    `Record.objects.priors_for` in SQL: both must choose the same rows, year by year and for the
    lifetime scope, whatever the institution, key and status."""
    first, second = make_institution(), make_institution()
    for institution in (first, second):
        for year in (2023, 2024):
            for title in ("Nature", "Science"):
                for number in range(3):
                    with transaction.atomic():
                        decide_and_record(
                            institution,
                            request_of(
                                article(title=title, issns=[], article=f"{year}-{number}"),
                                service="copy",
                                created_at=at(year, 7),
                            ),
                        )
    Record.objects.filter(citation__article__endswith="-1").update(status=Record.Status.CANCELLED)
    keys = set(Record.objects.values_list("title_key", flat=True))
    assert len(keys) == 2

    for institution in (first, second):
        for key in keys:
            years: tuple[int | None, ...] = (2023, 2024, 2025, None)
            for counting_year in years:
                expected = Record.objects.priors_for(institution.pk, key, counting_year)
                with transaction.atomic(), CaptureQueriesContext(connection) as queries:
                    locked = services.load_priors(institution.pk, key, counting_year, lock=True)
                assert sorted(int(prior.id) for prior in locked) == sorted(
                    expected.values_list("pk", flat=True)
                )
                assert len(queries) == 1  # the lock and the count: one statement
                assert "copyright_rules_locked_priors" in queries[0]["sql"]
    assert len(services.load_priors(first.pk, key, None, lock=True)) == 4  # 2 years x 2 holding
