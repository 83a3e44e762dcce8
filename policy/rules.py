"""Which policy rules a request matches: a pure function of the request's facts, tested as a
table (docs/policy.md, "Rules")."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from policy.models import PolicyRule
from requests_app.models import Request

_YEAR = re.compile(r"\d{4}")


@dataclass(frozen=True)
class Facts:
    """What the rules look at, read from a request."""

    request_type: str
    work_kind: str
    year: int | None
    institution_id: int
    partner_id: int | None
    reproduction_format: str


def year_of(publication_date: str) -> int | None:
    """The first four-digit year in what the library typed ("1850", "1850-05", "c1850")."""
    found = _YEAR.search(publication_date)
    return int(found.group()) if found else None


def facts_of(request: Request, *, partner_id: int | None) -> Facts:
    return Facts(
        request_type=request.request_type.value,
        work_kind=request.work_kind,
        year=year_of(request.publication_date),
        institution_id=request.institution_id,
        partner_id=partner_id,
        reproduction_format=request.reproduction_format,
    )


def matches(rule: PolicyRule, facts: Facts) -> bool:
    if rule.published_before is not None and (
        facts.year is None or facts.year >= rule.published_before
    ):
        return False
    wanted = (
        (rule.request_type, facts.request_type),
        (rule.work_kind, facts.work_kind),
        (rule.institution_id, facts.institution_id),
        (rule.partner_id, facts.partner_id),
        (rule.reproduction_format, facts.reproduction_format),
    )
    return all(value in ("", None) or value == actual for value, actual in wanted)


def decide(rules: Iterable[PolicyRule], facts: Facts) -> tuple[list[PolicyRule], PolicyRule | None]:
    """The matching suggestions, and the first matching rule that acts (if any); `rules` are
    the active ones in priority order."""
    suggestions: list[PolicyRule] = []
    for rule in rules:
        if not matches(rule, facts):
            continue
        if rule.action not in PolicyRule.Action.suggestions():
            return suggestions, rule
        suggestions.append(rule)
    return suggestions, None
