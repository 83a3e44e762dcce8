"""A staff change of the title authority that commits while a submission is between reading the
authority and taking its lock (docs/copyright.md section 1, "A staff change that meets a
submission").

The submission derives its key from the authority it read. If staff group or merge in that
moment, the priors move to the new key while the submission counts under the old one. Each test
puts the staff change exactly there: the submission's reading of the authority is wrapped, and the
change commits on another connection before the submission goes on. On SQLite it cannot: the
last test shows it waiting for the submission to commit.
"""

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from copyright_rules import deciding
from copyright_rules.authority import changing, merge_title_groups, split_title_identifiers
from copyright_rules.models import Decision, Record, TitleGroup, TitleIdentifier
from registration.models import Institution
from tests.copyright_rules.factories import (
    article,
    decide_and_record,
    make_institution,
    request_of,
    title_group,
)

PRINT, ONLINE = "0028-0836", "1476-4687"  # Nature's two ISSNs
THIS_YEAR = str(timezone.now().year)
WAIT = 30  # seconds; only reached when something is wrong

Change = Callable[[], object]


def submit(institution: Institution, number: int) -> tuple[Record, Decision]:
    facts = article(issns=[PRINT], article=f"Article {number}", publication_date=THIS_YEAR)
    with transaction.atomic():
        return decide_and_record(institution, request_of(facts))


def five_copies(institution: Institution) -> None:
    for number in range(5):
        submit(institution, number)


def a_group_change(institution: Institution) -> Change:
    """Five copies cited by the print ISSN alone; staff add it to the online ISSN's group."""
    group = title_group("Nature", ("issn", ONLINE))
    five_copies(institution)

    def add_the_print_issn() -> None:
        with changing([group]):  # as the admin saves an identifier
            TitleIdentifier.objects.create(group=group, kind="issn", value=PRINT)

    return add_the_print_issn


def a_merge(institution: Institution) -> Change:
    """Five copies of the print group; staff merge it into the online group."""
    online = title_group("Nature (online)", ("issn", ONLINE))
    printed = title_group("Nature (print)", ("issn", PRINT))
    five_copies(institution)
    return lambda: merge_title_groups(online, [printed])


def split_the_print_issn_off() -> None:
    split_title_identifiers([TitleIdentifier.objects.get(value=PRINT)], name="Nature (print)")


@pytest.fixture
def other_connection() -> Iterator[Callable[[Change], Future[None]]]:
    """Runs a change in a thread of its own, so on a database connection of its own."""
    with ThreadPoolExecutor(max_workers=1) as pool:

        def start(change: Change) -> Future[None]:
            def run() -> None:
                try:
                    change()
                finally:
                    connections.close_all()

            return pool.submit(run)

        yield start


def after_each_reading(monkeypatch: pytest.MonkeyPatch, act: Callable[[int], None]) -> list[int]:
    """Call `act(n)` right after the submission's n-th reading of the authority, before its lock;
    returns the list of readings so far."""
    real = deciding.read_authority
    readings: list[int] = []

    def read_then_act(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        readings.append(len(readings) + 1)
        act(len(readings))
        return result

    monkeypatch.setattr(deciding, "read_authority", read_then_act)
    return readings


def keys_of(institution: Institution) -> set[str]:
    return set(Record.objects.filter(institution=institution).values_list("title_key", flat=True))


def wait_until_a_lock_is_awaited() -> None:
    """Until another connection waits for an advisory lock (the one this transaction holds)."""
    with connection.cursor() as cursor:
        for _ in range(WAIT * 20):
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            )
            if cursor.fetchone()[0]:
                return
            cursor.execute("SELECT pg_sleep(0.05)")
    pytest.fail("the staff change never waited for the submission")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scenario", [a_group_change, a_merge])
def test_a_staff_change_committed_after_the_reading_still_makes_the_sixth_copy_the_sixth(
    monkeypatch: pytest.MonkeyPatch,
    other_connection: Callable[[Change], Future[None]],
    scenario: Callable[[Institution], Change],
) -> None:
    institution = make_institution()
    change = scenario(institution)

    def commit_the_change_once(reading: int) -> None:
        if reading == 1:
            other_connection(change).result(timeout=WAIT)

    readings = after_each_reading(monkeypatch, commit_the_change_once)
    record, sixth = submit(institution, 6)

    assert (sixth.outcome, sixth.copy_number) == ("NEEDS_PERMISSION", 6)
    assert len(readings) == 2  # read again once, under the new authority
    assert keys_of(institution) == {record.title_key}
    assert record.title_key == f"ISSN-GROUP:{TitleGroup.objects.get().pk}"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scenario", [a_group_change, a_merge])
def test_the_authority_is_read_at_most_twice_however_often_staff_change_it(
    monkeypatch: pytest.MonkeyPatch,
    other_connection: Callable[[Change], Future[None]],
    scenario: Callable[[Institution], Change],
) -> None:
    # A second change, tried after the second reading, waits until the submission has committed
    # and then re-keys its record too.
    institution = make_institution()
    change = scenario(institution)
    second: list[Future[None]] = []

    def change_after_every_reading(reading: int) -> None:
        if reading == 1:
            other_connection(change).result(timeout=WAIT)
        else:
            second.append(other_connection(split_the_print_issn_off))
            wait_until_a_lock_is_awaited()

    readings = after_each_reading(monkeypatch, change_after_every_reading)
    _, sixth = submit(institution, 6)

    assert (sixth.outcome, sixth.copy_number) == ("NEEDS_PERMISSION", 6)
    assert len(readings) == 2
    second[0].result(timeout=WAIT)
    split = TitleGroup.objects.get(name="Nature (print)")
    assert keys_of(institution) == {f"ISSN-GROUP:{split.pk}"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scenario", [a_group_change, a_merge])
def test_on_sqlite_a_staff_change_waits_for_the_submission_to_commit(
    use_sqlite: Callable[[], None],
    other_connection: Callable[[Change], Future[None]],
    monkeypatch: pytest.MonkeyPatch,
    scenario: Callable[[Institution], Change],
) -> None:
    # SQLite is not affected: the submission reads the authority inside its IMMEDIATE
    # transaction, which holds the database's write lock, so the change cannot commit in the
    # window; it commits after the submission and re-keys its record with the others.
    seen: dict[str, Any] = {}

    def change_on_sqlite() -> None:
        use_sqlite()
        seen["staff_change"]()

    def in_the_window(reading: int) -> None:
        seen["change"] = other_connection(change_on_sqlite)
        try:
            seen["change"].result(timeout=1)
        except TimeoutError:
            seen["waited"] = True

    def race() -> None:
        use_sqlite()
        try:
            institution = make_institution()
            seen["staff_change"] = scenario(institution)
            after_each_reading(monkeypatch, in_the_window)
            _, seen["sixth"] = submit(institution, 6)
            monkeypatch.undo()
            seen["change"].result(timeout=WAIT)
            seen["keys"] = keys_of(institution)
            seen["group"] = TitleGroup.objects.get().pk
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(race).result(timeout=4 * WAIT)

    assert seen["waited"]
    assert (seen["sixth"].outcome, seen["sixth"].copy_number) == ("NEEDS_PERMISSION", 6)
    assert seen["keys"] == {f"ISSN-GROUP:{seen['group']}"}
