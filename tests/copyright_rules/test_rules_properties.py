"""Properties of `decide` and `retention_dates` that must hold for any history (Hypothesis)."""

import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from copyright_rules.configuration import RuleSettings
from copyright_rules.facts import Decision, Outcome, PriorRequest, RequestFacts, Rule
from copyright_rules.keys import Authority
from copyright_rules.rules import decide, local_date_and_year, retention_dates

NEW_YORK = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")
AUTHORITY = Authority.of_groups(
    issn_groups=[["0028-0836", "1476-4687"], ["0140-6736", "1474-547X"]],
    title_groups={"nature": 0, "lancet": 1},
    isbn_groups=[["9780262033848", "9780262533058"]],
)
RELEASING = (
    "cancelled",
    "refused",
    "unfilled",
    "awaiting_clearance",
    "rejected",
    "converted_to_loan",
)
TITLES = [("Nature", ("0028-0836",)), ("Nature", ("1476-4687",)), ("Lancet", ()), ("Science", ())]
STATUSES = ("accepted", "in_process", "shipped", "filled", *RELEASING)
OUTCOMES = ["ACCEPT_CCG", "ACCEPT_CCL", "NEEDS_PERMISSION", "REFUSE", "REJECT_INCOMPLETE"]
# Hypothesis takes naive bounds and attaches the zones itself.
FIRST_NY_2024 = datetime(2024, 1, 1, 5)  # noqa: DTZ001 - 00:00 in New York, as UTC
LAST_NY_2024 = datetime(2024, 12, 31, 23)  # noqa: DTZ001
YEAR_1900 = datetime(1900, 1, 1)  # noqa: DTZ001
YEAR_2100 = datetime(2100, 1, 1)  # noqa: DTZ001
IN_2024 = st.datetimes(min_value=FIRST_NY_2024, max_value=LAST_NY_2024, timezones=st.just(UTC))
ANY_MOMENT = st.datetimes(min_value=YEAR_1900, max_value=YEAR_2100, timezones=st.timezones())


def outcome_of(decision: Decision) -> tuple[object, ...]:
    return (decision.outcome, decision.rule, decision.counted, decision.copy_number, decision.flags)


@st.composite
def requests(draw: st.DrawFn) -> RequestFacts:
    title, issns = draw(st.sampled_from(TITLES))
    return RequestFacts(
        institution="AAA",
        created_at=draw(IN_2024),
        service="copy",
        work_kind="periodical",
        title=title,
        issns=issns,
        publication_date=draw(st.sampled_from(["2023-06", "2024", "2015", "2019"])),
        volume="618",
        issue=draw(st.sampled_from(["7964", "7965"])),
        article=draw(st.sampled_from(["A", "B"])),
        patron_ref=draw(st.sampled_from(["p1", "p2", None])),
        statement=draw(st.sampled_from(["CCG", "CCL"])),
        basis=draw(st.sampled_from(["fair_use", "older_than_window", "own_copy"])),
        note="for a seminar",
        own_copy_covers_item=draw(st.sampled_from([None, False, True])),
        extent=draw(st.sampled_from(["one_article", "one_article", "entire_issue"])),
    )


@st.composite
def histories(
    draw: st.DrawFn, institution: str = "AAA", statuses: tuple[str, ...] = STATUSES
) -> list[PriorRequest]:
    items = []
    for number in range(draw(st.integers(0, 12))):
        title, issns = draw(st.sampled_from(TITLES))
        items.append(
            PriorRequest(
                id=f"{institution}{number}",
                institution=institution,
                created_at=draw(IN_2024),
                status=draw(st.sampled_from(statuses)),
                outcome=draw(st.sampled_from(OUTCOMES)),
                counted=draw(st.booleans()),
                work_kind="periodical",
                title=title,
                issns=issns,
                publication_date="2023-06",
                volume="618",
                issue=draw(st.sampled_from(["7964", "7965"])),
                article=draw(st.sampled_from(["A", "B", "C"])),
                patron_ref=draw(st.sampled_from(["p1", "p2"])),
            )
        )
    return items


def run(request: RequestFacts, history: list[PriorRequest], **overrides: Any) -> Decision:
    return decide(request, history, RuleSettings.from_mapping(overrides), AUTHORITY)


@given(requests(), histories(), histories(statuses=RELEASING), st.randoms())
def test_priors_that_hold_no_slot_never_change_the_decision(
    request: RequestFacts, history: list, released: list, shuffle: Any
) -> None:
    combined = history + released
    shuffle.shuffle(combined)
    assert outcome_of(run(request, combined)) == outcome_of(run(request, history))


@given(requests(), histories(), histories(institution="BBB"))
def test_another_institutions_priors_never_change_the_decision(
    request: RequestFacts, history: list, other: list
) -> None:
    with_other = run(request, history + other)
    assert outcome_of(with_other) == outcome_of(run(request, history))
    assert not any(prior_id.startswith("BBB") for prior_id in with_other.counted_ids)


@given(requests(), histories())
def test_callers_that_filter_by_institution_themselves_get_the_same_decision(
    request: RequestFacts, history: list
) -> None:
    unlabelled = [replace(prior, institution=None) for prior in history]
    anonymous = replace(request, institution=None)
    assert outcome_of(run(anonymous, unlabelled)) == outcome_of(run(request, history))


@given(requests(), histories(), st.randoms())
def test_the_order_of_priors_does_not_matter(
    request: RequestFacts, history: list, shuffle: Any
) -> None:
    shuffled = list(history)
    shuffle.shuffle(shuffled)
    assert outcome_of(run(request, shuffled)) == outcome_of(run(request, history))


@given(requests(), histories())
def test_only_r10_and_r11_acceptances_are_counted(request: RequestFacts, history: list) -> None:
    decision = run(request, history)
    if decision.counted:
        assert decision.outcome is Outcome.ACCEPT_CCG and decision.rule in {Rule.R10, Rule.R11}
    if decision.rule not in {Rule.R10, Rule.R11}:
        assert decision.copy_number is None and decision.counted_ids == ()


def counted_priors(count: int, year: int = 2024) -> list[PriorRequest]:
    return [
        PriorRequest(
            id=f"h{number}",
            created_at=datetime(year, 3, 1, tzinfo=NEW_YORK) + timedelta(hours=number),
            status="filled",
            outcome="ACCEPT_CCG",
            counted=True,
            work_kind="periodical",
            title="Nature",
            issns=("0028-0836",),
            publication_date="2023",
            volume="1",
            issue=str(number),
            article="A",
        )
        for number in range(count)
    ]


def nature(created_at: datetime, publication_date: str = "2023-06") -> RequestFacts:
    return RequestFacts(
        created_at=created_at,
        service="copy",
        work_kind="periodical",
        title="Nature",
        issns=("1476-4687",),
        publication_date=publication_date,
        statement="CCG",
    )


@given(st.integers(min_value=1, max_value=30))
def test_the_copy_just_below_the_limit_is_accepted(limit: int) -> None:
    decision = run(
        nature(datetime(2024, 9, 1, tzinfo=NEW_YORK)),
        counted_priors(limit - 1),
        periodical_limit=limit,
    )
    assert (decision.outcome, decision.counted, decision.copy_number) == (
        Outcome.ACCEPT_CCG,
        True,
        limit,
    )


@given(st.integers(min_value=0, max_value=30))
def test_the_copy_at_the_limit_is_held(limit: int) -> None:
    decision = run(
        nature(datetime(2024, 9, 1, tzinfo=NEW_YORK)), counted_priors(limit), periodical_limit=limit
    )
    assert (decision.outcome, decision.counted, decision.copy_number) == (
        Outcome.NEEDS_PERMISSION,
        False,
        limit + 1,
    )


def test_new_years_eve_in_new_york_is_2024_but_2025_in_utc() -> None:
    moment = datetime.fromisoformat("2024-12-31T23:30:00-05:00")
    assert run(nature(moment), counted_priors(5)).outcome is Outcome.NEEDS_PERMISSION
    in_utc = run(nature(moment), counted_priors(5), time_zone="UTC")
    assert (in_utc.year, in_utc.outcome, in_utc.copy_number) == (2025, Outcome.ACCEPT_CCG, 1)


@given(ANY_MOMENT, st.timezones())
def test_the_year_is_the_local_year_of_the_configured_zone(moment: datetime, zone: Any) -> None:
    expected = moment.astimezone(zone).year
    request = nature(moment, publication_date=str(expected))
    decision = run(request, counted_priors(5, year=expected), time_zone=zone.key)
    assert (decision.year, decision.rule, decision.copy_number) == (expected, Rule.R10, 6)
    elsewhere = counted_priors(5, year=expected - 1) + counted_priors(5, year=expected + 1)
    assert run(request, elsewhere, time_zone=zone.key).copy_number == 1


def _three_years_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 3)
    except ValueError:  # 29 February
        return date(day.year + 3, 2, 28)


@given(ANY_MOMENT, st.timezones())
def test_retention_ends_on_31_december_three_years_after_the_local_year(
    moment: datetime, zone: Any
) -> None:
    local, year = local_date_and_year(moment, zone.key)
    retain_until, purge_on = retention_dates(moment, zone.key)
    assert retain_until == date(year + 3, 12, 31)
    assert purge_on == retain_until + timedelta(days=1)
    assert retain_until >= _three_years_after(local)


def test_throughput_with_realistic_priors() -> None:
    """SPEC benchmark: at least 20,000 decisions a second with 5-20 priors each."""
    requests_and_priors = [
        (
            nature(datetime(2024, 9, 1, tzinfo=NEW_YORK) + timedelta(minutes=i)),
            counted_priors(5 + i % 16, year=2024),
        )
        for i in range(2000)
    ]
    best = 0.0
    for _attempt in range(3):  # best of three, on CPU time: other processes must not fail it
        start = time.process_time()
        for request, history in requests_and_priors:
            decide(request, history, RuleSettings(), AUTHORITY)
        best = max(best, len(requests_and_priors) / (time.process_time() - start))
    assert best >= 20_000
