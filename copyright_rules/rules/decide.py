"""`decide`: the rules in the order of docs/copyright.md section 4, the first that decides wins."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from copyright_rules.configuration import RuleSettings
from copyright_rules.facts import (
    Decision,
    Outcome,
    PriorRequest,
    RequestFacts,
    Rule,
    WorkKind,
)
from copyright_rules.keys import (
    EMPTY_AUTHORITY,
    Authority,
)
from copyright_rules.rules.case import Case
from copyright_rules.rules.clearance import (
    o1_staff_determination,
    o2_rights_review,
    r1_completeness,
    r2_permission,
    r2_permission_to_confirm,
    r3_public_domain,
)
from copyright_rules.rules.counting import r8_own_copy, r9_window, r10_r11_count
from copyright_rules.rules.section108 import (
    r4_purpose,
    r5_material,
    r6_amount,
    r7_one_article_per_issue,
)
from copyright_rules.rules.subject import (
    DEFAULT_SETTINGS,
    KeyDoubt,
    Subject,
    describe,
    doubt_from_history,
)

RuleFn = Callable[[Case], "Decision | None"]
_RULES: tuple[RuleFn, ...] = (
    r1_completeness,
    o1_staff_determination,
    r2_permission,
    r2_permission_to_confirm,
    r3_public_domain,
    o2_rights_review,
    r4_purpose,
    r5_material,
    r6_amount,
    r7_one_article_per_issue,
    r8_own_copy,
    r9_window,
    r10_r11_count,
)


def decide(
    request: RequestFacts,
    prior: Sequence[PriorRequest],
    settings: RuleSettings = DEFAULT_SETTINGS,
    authority: Authority = EMPTY_AUTHORITY,
) -> Decision:
    """Decide a request against the institution's prior requests: the first rule that matches.
    The titles ruling 6 compares with are the authority's and those of the priors."""
    subject = describe(request, settings, authority)
    return decide_subject(subject, prior, settings, doubt_from_history(subject, prior, settings))


def decide_subject(
    subject: Subject,
    prior: Sequence[PriorRequest],
    settings: RuleSettings = DEFAULT_SETTINGS,
    doubt: KeyDoubt | None = None,
) -> Decision:
    """`decide` for a request already described with these settings; `doubt` gives what
    ruling 6 compares with (by default the authority's titles and those of `prior`)."""
    facts = subject.facts
    if facts is None:
        return _not_applicable(subject.year)
    periodical = facts.kind is WorkKind.PERIODICAL
    case = Case(
        subject.request,
        settings,
        subject.authority,
        subject.local_date,
        subject.year,
        facts,
        subject.key,
        prior,
        periodical,
        doubt or doubt_from_history(subject, prior, settings),
        subject,
    )
    for rule in _RULES:
        decision = rule(case)
        if decision is not None:
            return decision
    raise AssertionError("R10/R11 always decide")  # pragma: no cover


def _not_applicable(year: int) -> Decision:
    return Decision(
        outcome=Outcome.NOT_APPLICABLE,
        rule=Rule.R0,
        counted=False,
        copy_number=None,
        title_key=None,
        counted_ids=(),
        flags=(),
        explanation="This is a loan, not a copy, so the copyright guidelines do not apply.",
        year=year,
    )
