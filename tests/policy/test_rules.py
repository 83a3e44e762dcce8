"""Which rule a request matches, as a table: pure, no database (docs/policy.md, "Rules")."""

from typing import Any

import pytest

from policy.models import PolicyRule, RuleAction
from policy.rules import Facts, decide, matches, year_of

LOAN_1850 = Facts(
    request_type="loan",
    work_kind="",
    year=1850,
    institution_id=7,
    partner_id=None,
    reproduction_format="",
)
COPY_2001 = Facts(
    request_type="copy",
    work_kind="periodical",
    year=2001,
    institution_id=8,
    partner_id=3,
    reproduction_format="",
)
TIFF_1920 = Facts(
    request_type="reproduction",
    work_kind="",
    year=1920,
    institution_id=7,
    partner_id=None,
    reproduction_format="tiff",
)
UNDATED = Facts(
    request_type="loan",
    work_kind="",
    year=None,
    institution_id=7,
    partner_id=None,
    reproduction_format="",
)


def rule(**conditions: Any) -> PolicyRule:
    return PolicyRule(name="r", action=RuleAction.APPLY_CONDITION, condition="x", **conditions)


@pytest.mark.parametrize(
    ("conditions", "facts", "expected"),
    [
        ({}, LOAN_1850, True),
        ({"request_type": "loan"}, LOAN_1850, True),
        ({"request_type": "loan"}, COPY_2001, False),
        ({"published_before": 1900}, LOAN_1850, True),
        ({"published_before": 1900}, COPY_2001, False),
        ({"published_before": 1850}, LOAN_1850, False),
        ({"published_before": 1900}, UNDATED, False),
        ({"request_type": "loan", "published_before": 1900}, LOAN_1850, True),
        ({"request_type": "copy", "published_before": 1900}, LOAN_1850, False),
        ({"work_kind": "periodical"}, COPY_2001, True),
        ({"work_kind": "non_periodical"}, COPY_2001, False),
        ({"institution_id": 7}, LOAN_1850, True),
        ({"institution_id": 7}, COPY_2001, False),
        ({"partner_id": 3}, COPY_2001, True),
        ({"partner_id": 3}, LOAN_1850, False),
        ({"reproduction_format": "tiff"}, TIFF_1920, True),
        ({"reproduction_format": "tiff"}, LOAN_1850, False),
        ({"reproduction_format": "jpeg", "published_before": 1930}, TIFF_1920, False),
    ],
)
def test_a_rule_matches_when_every_condition_given_holds(
    conditions: dict[str, Any], facts: Facts, expected: bool
) -> None:
    assert matches(rule(**conditions), facts) is expected


@pytest.mark.parametrize(
    ("typed", "year"),
    [
        ("1850", 1850),
        ("1850-05", 1850),
        ("c1850", 1850),
        ("[1899?]", 1899),
        ("", None),
        ("18", None),
    ],
)
def test_the_year_is_the_first_four_digits_typed(typed: str, year: int | None) -> None:
    assert year_of(typed) == year


def test_suggestions_are_all_noted_and_only_the_first_acting_rule_acts() -> None:
    note = PolicyRule(name="note", action=RuleAction.SUGGEST_CONDITION, condition="Handle gently")
    first = rule(published_before=1900)
    second = PolicyRule(name="refuse", action=RuleAction.APPLY_REFUSAL, refusal_reason="policy")
    later_note = PolicyRule(name="late", action=RuleAction.SUGGEST_REFUSAL, refusal_reason="policy")
    assert decide([note, first, second, later_note], LOAN_1850) == ([note], first)


def test_no_acting_rule_leaves_the_request_to_staff() -> None:
    note = PolicyRule(name="note", action=RuleAction.SUGGEST_REFUSAL, refusal_reason="policy")
    assert decide([note, rule(request_type="copy")], LOAN_1850) == ([note], None)
