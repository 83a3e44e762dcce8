"""Own copy (R8), the five-year window (R9) and the rule of five (R10, R11) (docs/copyright.md
section 4, items 10 to 13)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from copyright_rules.configuration import DateMode, NonperiodicalScope, RuleSettings
from copyright_rules.facts import (
    Basis,
    Decision,
    Flag,
    Outcome,
    Rule,
    Statement,
    clean,
)
from copyright_rules.reading import (
    PublicationDate,
    canonical,
    is_copy,
)
from copyright_rules.rules.case import PERMISSION_OR_STAFF, Case
from copyright_rules.rules.dates import window_cutoff
from copyright_rules.rules.subject import key_doubt


def r8_own_copy(case: Case) -> Decision | None:
    # Clarification 12: only an explicit "covers the item" counts; null means not stated.
    if case.facts.basis is not Basis.OWN_COPY or case.request.own_copy_covers_item is not True:
        return None
    return case.decision(
        Outcome.ACCEPT_CCL,
        Rule.R8,
        "Your institution owns or subscribes to this material but it is not reasonably "
        "available, so the copy is treated as made from your own collection (CONTU guideline 2) "
        "and supplied under CCL without counting.",
    )


def r9_window(case: Case) -> Decision | None:
    if not case.periodical:
        return None
    if _inside_window(case):
        case.corrected = case.facts.basis is Basis.OLDER_THAN_WINDOW
        return None
    years = case.settings.window_years
    return case.decision(
        Outcome.ACCEPT_CCL,
        Rule.R9,
        f"The issue dated {clean(case.request.publication_date)} is outside the {years}-year "
        "window, so the CONTU guidelines do not apply and the copy is supplied under CCL "
        "without counting.",
        corrected=case.facts.statement is Statement.CCG,
    )


def _inside_window(case: Case) -> bool:
    assert case.facts.publication is not None  # R1 rejected periodicals without a date
    return inside_window(case.facts.publication, case.local_date, case.settings)


def inside_window(publication: PublicationDate, local_date: date, settings: RuleSettings) -> bool:
    """Whether an issue so dated is inside the window of a request made on `local_date` (R9,
    docs/copyright.md section 2)."""
    years = settings.window_years
    if settings.date_mode is DateMode.CALENDAR_YEARS:
        return publication.year > local_date.year - years
    # "published ... within five years prior to the date of the request": an issue dated
    # exactly five years earlier is inside (guideline 1(a)).
    return publication.latest >= window_cutoff(local_date, years)


def r10_r11_count(case: Case) -> Decision:
    counted_ids = _counted_prior_ids(case)
    copy_number = len(counted_ids) + 1
    limit, rule = _limit_and_rule(case)
    doubt = key_doubt(case.subject, case.doubt) if case.periodical else None
    if copy_number <= limit and doubt is not None:
        decision = case.decision(
            Outcome.NEEDS_PERMISSION,
            rule,
            f"This would be your {_ordinal(copy_number)} copy from {case.title}{_period(case)}, "
            f"but {doubt}, so staff confirm which title this is before the copy is counted.",
            copy_number=copy_number,
            counted_ids=counted_ids,
        )
        return replace(decision, flags=(*decision.flags, Flag.KEY_TO_CONFIRM))
    if copy_number <= limit:
        return case.decision(
            Outcome.ACCEPT_CCG,
            rule,
            f"This is your {_ordinal(copy_number)} copy from {case.title}{_period(case)}; "
            f"the guidelines allow {limit} {_per(case)}.",
            counted=True,
            copy_number=copy_number,
            counted_ids=counted_ids,
            corrected=case.facts.statement is Statement.CCL,
        )
    return case.decision(
        Outcome.NEEDS_PERMISSION,
        rule,
        f"This would be your {_ordinal(copy_number)} copy from {case.title}{_period(case)}; "
        f"a {_ordinal(copy_number)} {PERMISSION_OR_STAFF}{_fair_use_note(case)}.",
        copy_number=copy_number,
        counted_ids=counted_ids,
    )


def _lifetime(case: Case) -> bool:
    return not case.periodical and case.settings.nonperiodical_scope is NonperiodicalScope.TERM


def _limit_and_rule(case: Case) -> tuple[int, Rule]:
    if case.periodical:
        return case.settings.periodical_limit, Rule.R10
    return case.settings.nonperiodical_limit, Rule.R11


def _period(case: Case) -> str:
    return "" if _lifetime(case) else f" in {case.year}"


def _per(case: Case) -> str:
    if _lifetime(case):
        return "per work while it is in copyright"
    return f"per {'title' if case.periodical else 'work'} per year"


def _fair_use_note(case: Case) -> str:
    return ", and your fair-use note goes to staff" if case.facts.basis is Basis.FAIR_USE else ""


def _counted_prior_ids(case: Case) -> tuple[str, ...]:
    year = None if _lifetime(case) else case.year
    accept_ccg = Outcome.ACCEPT_CCG
    return tuple(
        [
            prior.id
            for prior, prior_year in case.holding_same_key()
            if prior.counted is True
            and canonical(Outcome, prior.outcome) is accept_ccg
            and is_copy(prior.service)
            and (year is None or prior_year == year)
        ]
    )


def _ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th') }"
