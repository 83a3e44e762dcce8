"""decide_and_record and precheck: what is stored, how many queries, and what is never written."""

from datetime import date, datetime
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from copyright_rules import services
from copyright_rules.authority import merge_title_groups
from copyright_rules.models import Decision, Record
from registration.models import Institution
from tests.copyright_rules.factories import (
    article,
    at,
    chapter,
    decide_and_record,
    make_institution,
    make_staff,
    request_of,
    title_group,
)

pytestmark = pytest.mark.django_db


def submit(
    institution: Institution, facts: dict[str, Any], when: datetime | None = None
) -> tuple[Record, Decision]:
    with transaction.atomic():
        return decide_and_record(
            institution, request_of(facts, service="copy", created_at=when or at(2024, 7))
        )


def fill_title(
    institution: Institution, copies: int, when: datetime | None = None, **overrides: Any
) -> list[Record]:
    facts = [article(article=f"n{n}", **overrides) for n in range(copies)]
    return [submit(institution, one, when)[0] for one in facts]


@pytest.mark.parametrize(
    ("work_kind", "service"), [("Periodical", "copy"), (" PERIODICAL ", "Copy")]
)
def test_values_in_another_case_are_counted_like_canonical_ones(
    work_kind: str, service: str
) -> None:
    institution = make_institution()
    fill_title(institution, 5)
    request = request_of(
        article(article="sixth", work_kind=work_kind), service=service, created_at=at(2024, 7)
    )

    with transaction.atomic():
        record, decision = decide_and_record(institution, request)

    assert (decision.outcome, decision.copy_number) == ("NEEDS_PERMISSION", 6)
    assert (record.service, record.work_kind) == ("copy", "periodical")


def test_first_recent_article_is_accepted_and_counted() -> None:
    record, decision = submit(make_institution(), article())

    assert (decision.outcome, decision.rule, decision.counted) == ("ACCEPT_CCG", "R10", True)
    assert decision.copy_number == 1
    assert (record.status, record.outcome, record.counted) == ("accepted", "ACCEPT_CCG", True)


def test_sixth_article_from_one_title_is_held_for_permission() -> None:
    institution = make_institution()
    earlier = fill_title(institution, 5)

    record, decision = submit(institution, article(article="sixth"))

    assert (decision.outcome, decision.copy_number) == ("NEEDS_PERMISSION", 6)
    assert record.status == Record.Status.AWAITING_CLEARANCE
    assert sorted(decision.counted_record_ids) == sorted(r.pk for r in earlier)


def test_another_institutions_copies_never_count() -> None:
    fill_title(make_institution(), 5)

    _, decision = submit(make_institution(), article())

    assert (decision.outcome, decision.copy_number) == ("ACCEPT_CCG", 1)


def test_a_cancelled_copy_frees_its_slot() -> None:
    institution = make_institution()
    first, *_ = fill_title(institution, 5)
    services.set_record_status(first, Record.Status.CANCELLED)

    _, decision = submit(institution, article(article="replacement"))

    assert (decision.outcome, decision.copy_number) == ("ACCEPT_CCG", 5)


def test_copies_of_the_previous_year_do_not_count() -> None:
    institution = make_institution()
    for n in range(5):
        submit(institution, article(article=f"old{n}"), when=at(2023, 12, 31, 23))

    _, decision = submit(institution, article(), when=at(2024, 1, 1, 0))

    assert (decision.outcome, decision.copy_number) == ("ACCEPT_CCG", 1)


def test_record_stores_local_date_year_and_retention_in_the_copyright_zone(settings: Any) -> None:
    settings.COPYRIGHT_TIME_ZONE = "America/Los_Angeles"
    # 02:00 on 1 January in New York is still 31 December in Los Angeles.
    record, _ = submit(make_institution(), article(), when=at(2025, 1, 1, 2))

    assert (record.local_date, record.year) == (date(2024, 12, 31), 2024)
    assert (record.retain_until, record.purge_on) == (date(2027, 12, 31), date(2028, 1, 1))


def test_record_keeps_the_citation_as_entered() -> None:
    facts = article(title="J. Am. Chem. Soc.", issns=["0002-7863"], patron_ref="p7")

    record, _ = submit(make_institution(), facts)

    assert record.citation == facts
    assert (record.statement, record.key_source, record.title_key) == (
        "CCG",
        "issn",
        "ISSN:0002-7863",
    )


def test_an_issn_in_the_authority_keys_the_request_to_its_group() -> None:
    group = title_group("Nature", ("issn", "0028-0836"), ("issn", "1476-4687"))
    institution = make_institution()
    submit(institution, article(issns=["0028-0836"]))

    record, decision = submit(institution, article(issns=["1476-4687"], article="online"))

    assert record.title_key == f"ISSN-GROUP:{group.pk}"
    assert decision.copy_number == 2
    assert "unverified_title_key" not in decision.flags


def test_a_known_variant_title_keys_the_request_to_its_group() -> None:
    group = title_group("Nature", ("issn", "0028-0836"), ("title", "nature london"))

    record, _ = submit(make_institution(), article(title="Nature (London)", issns=[]))

    assert (record.title_key, record.key_source) == (f"ISSN-GROUP:{group.pk}", "title_group")


def test_a_lone_issn_key_is_flagged_and_listed_for_staff() -> None:
    record, decision = submit(make_institution(), article())

    assert "unverified_title_key" in decision.flags
    assert list(Record.objects.with_unverified_key()) == [record]


def test_a_merge_rekeys_an_open_request_of_an_earlier_year() -> None:
    """Ruling 8: a request of 2024 still open (accepted, not yet filled) can still count, so a
    merge made in a later year moves its stored key too; its decision stays as it was."""
    print_group = title_group("Lancet (print)", ("issn", "0140-6736"))
    online_group = title_group("Lancet (online)", ("issn", "1474-547X"))
    institution = make_institution()
    before, decision = submit(institution, article(title="Lancet", issns=["1474-547X"]))

    merge_title_groups(print_group, [online_group])
    after, _ = submit(institution, article(title="Lancet", issns=["1474-547X"], article="B"))

    before.refresh_from_db()
    assert before.title_key == after.title_key == f"ISSN-GROUP:{print_group.pk}"
    assert Decision.objects.get(pk=decision.pk).title_key == f"ISSN-GROUP:{online_group.pk}"


def test_a_work_in_the_authority_counts_every_edition_together() -> None:
    group = title_group(
        "Introduction to Algorithms",
        ("isbn", "9780262033848"),
        ("isbn", "9780262533058"),
        kind="work",
    )
    institution = make_institution()
    submit(institution, chapter(isbns=["9780262033848"]))

    record, decision = submit(institution, chapter(isbns=["0-262-53305-7"]))

    assert record.title_key == f"ISBN-GROUP:{group.pk}"
    assert decision.copy_number == 2


def test_a_loan_gets_a_record_and_a_not_applicable_decision() -> None:
    with transaction.atomic():
        record, decision = decide_and_record(
            make_institution(), request_of({"title": "Moby Dick"}, service="loan")
        )

    assert (decision.outcome, decision.rule) == ("NOT_APPLICABLE", "R0")
    assert (record.service, record.status, record.title_key) == ("loan", "accepted", "")


def test_a_loan_takes_no_lock_and_reads_nothing() -> None:
    institution = make_institution()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        decide_and_record(institution, request_of({"title": "Moby Dick"}, service="loan"))

    # The record and its decision are written (one statement on PostgreSQL, two on SQLite).
    written = [q["sql"] for q in queries.captured_queries]
    assert written and all(
        sql.startswith(("INSERT", "WITH new_row_0 AS (INSERT")) for sql in written
    )
    assert not any("titleidentifier" in sql or "locked_priors" in sql for sql in written)


def test_an_incomplete_request_is_recorded_as_rejected_for_the_caller_to_roll_back() -> None:
    record, decision = submit(make_institution(), article(statement=None))

    assert (decision.outcome, decision.rule) == ("REJECT_INCOMPLETE", "R1")
    assert record.status == Record.Status.REJECTED


def test_a_permission_typed_by_the_library_waits_for_staff_to_confirm_it() -> None:
    institution = make_institution()
    fill_title(institution, 5)

    record, decision = submit(institution, article(permission_reference=" CCC-123 "))

    assert (decision.outcome, decision.rule, decision.counted) == ("NEEDS_PERMISSION", "R2", False)
    assert "permission_to_confirm" in decision.flags
    assert (record.permission_reference, record.permission_confirmed) == ("CCC-123", False)


def test_staff_confirming_the_librarys_permission_releases_the_copy() -> None:
    institution = make_institution()
    fill_title(institution, 5)
    record, _ = submit(institution, article(permission_reference="CCC-123"))

    decision = services.record_permission(record, reference="CCC-123", acting_user=make_staff())

    assert decision is not None
    assert (decision.outcome, decision.rule, decision.counted) == ("ACCEPT_CCG", "R2", False)
    assert record.permission_confirmed


def test_without_confirmation_the_permission_given_at_submission_is_used_at_once(
    settings: Any,
) -> None:
    settings.COPYRIGHT_CONFIRM_LIBRARY_PERMISSION = False
    institution = make_institution()
    fill_title(institution, 5)

    record, decision = submit(institution, article(permission_reference=" CCC-123 "))

    assert (decision.outcome, decision.rule, decision.counted) == ("ACCEPT_CCG", "R2", False)
    assert (record.permission_reference, record.permission_confirmed) == ("CCC-123", True)


@pytest.mark.django_db(transaction=True)
def test_decide_and_record_refuses_to_run_outside_a_transaction() -> None:
    institution = make_institution()

    with pytest.raises(RuntimeError, match="transaction.atomic"):
        decide_and_record(institution, request_of(article(), service="copy"))


def test_a_copy_submission_takes_at_most_five_queries(
    django_assert_max_num_queries: Any,
) -> None:
    title_group("Nature", ("issn", "0028-0836"), ("issn", "1476-4687"), ("title", "nature"))
    institution = make_institution()
    fill_title(institution, 4)

    with transaction.atomic(), django_assert_max_num_queries(5):
        decide_and_record(
            institution,
            request_of(article(article="fifth"), service="copy", created_at=at(2024, 7)),
        )


def test_precheck_reads_and_never_writes() -> None:
    institution = make_institution()
    fill_title(institution, 4, when=timezone.now())
    before = (Record.objects.count(), Decision.objects.count())

    with CaptureQueriesContext(connection) as queries:
        decision = services.precheck(institution, request_of(article(article="fifth")))

    # A reading of the authority is a UNION, which PostgreSQL's SQL opens with a parenthesis.
    assert {q["sql"].lstrip("(").split()[0] for q in queries.captured_queries} == {"SELECT"}
    assert (Record.objects.count(), Decision.objects.count()) == before
    assert (decision.outcome, decision.copy_number) == ("ACCEPT_CCG", 5)


def test_precheck_explains_what_the_next_copy_would_need() -> None:
    institution = make_institution()
    fill_title(institution, 5, when=timezone.now())

    decision = services.precheck(institution, request_of(article(article="sixth")))

    assert decision.outcome == "NEEDS_PERMISSION"
    assert "6th" in decision.explanation


def test_a_decision_cannot_be_saved_twice() -> None:
    _, decision = submit(make_institution(), article())
    decision.explanation = "rewritten"

    with pytest.raises(ValueError, match="immutable"):
        decision.save()


def test_the_database_refuses_to_update_a_decision() -> None:
    _, decision = submit(make_institution(), article())

    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).update(explanation="rewritten")


# --- a cited title that puts the key in doubt (docs/copyright.md section 1) ------------------


def test_an_issn_found_in_the_authority_is_never_in_doubt_whatever_the_title() -> None:
    """Ruling 6: the ISSN decides; "J Am Med Assoc" with JAMA's ISSN is JAMA."""
    title_group("JAMA", ("issn", "0098-7484"), ("title", "jama"))
    title_group("Journal of Physics A", ("title", "journal of physics a"))

    record, decision = submit(
        make_institution(), article(title="Journal of Physics B", issns=["0098-7484"])
    )

    assert (decision.outcome, decision.counted) == ("ACCEPT_CCG", True)
    assert "key_to_confirm" not in decision.flags
    assert record.status == Record.Status.ACCEPTED


def test_a_misspelt_bare_title_close_to_an_authority_title_is_held() -> None:
    title_group("Nature", ("issn", "0028-0836"), ("title", "nature"))

    record, decision = submit(make_institution(), article(title="Natur", issns=[]))

    assert (decision.outcome, record.title_key) == ("NEEDS_PERMISSION", "TITLE:natur")
    assert "'Natur' may be an abbreviation of a title counted separately" in decision.explanation


def test_a_bare_title_close_to_one_the_institution_used_is_held() -> None:
    institution = make_institution()
    submit(institution, article(title="Journal of Obscure Studies", issns=[]))

    _, decision = submit(institution, article(title="Journal of Obscure Studeis", issns=[]))

    assert decision.outcome == "NEEDS_PERMISSION"
    assert "key_to_confirm" in decision.flags


def test_the_live_precheck_shows_the_hold_of_a_variant_title() -> None:
    title_group("Nature", ("issn", "0028-0836"), ("title", "nature"))

    decision = services.precheck(make_institution(), request_of(article(title="Natur", issns=[])))

    assert decision.outcome == "NEEDS_PERMISSION"


def test_staff_confirming_the_key_counts_the_copy_under_it() -> None:
    title_group("Nature", ("issn", "0028-0836"), ("title", "nature"))
    record, _ = submit(make_institution(), article(title="Natur", issns=[]))

    decision = services.confirm_key(record, acting_user=make_staff())

    assert (decision.outcome, decision.counted, decision.copy_number) == ("ACCEPT_CCG", True, 1)
