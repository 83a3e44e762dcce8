"""Completeness, staff determinations, permissions and public domain: rules R1, O1, R2, R3 and
O2 (docs/copyright.md section 4, items 2 to 5)."""

from __future__ import annotations

from copyright_rules.facts import (
    Basis,
    Decision,
    Flag,
    Outcome,
    Purpose,
    Rights,
    Rule,
    clean,
)
from copyright_rules.rules.case import Case

# Why a reproduction order outside section 108 waits for the rights review (rule O2).
_ORDER_OUTSIDE_108 = {
    Purpose.RESEARCH: "This order does not rely on section 108, and the rights in the item are "
    "not established",
    Purpose.OTHER: "This order is for a use other than private study, scholarship or research, "
    "which section 108 does not cover",
}


def r1_completeness(case: Case) -> Decision | None:
    reason = _missing_fact(case)
    if reason is None:
        return None
    return case.decision(
        Outcome.REJECT_INCOMPLETE,
        Rule.R1,
        f"This request is returned because {reason}; please correct it and resubmit.",
    )


def _missing_fact(case: Case) -> str | None:
    facts, settings = case.facts, case.settings
    if facts.problem is not None:
        return facts.problem
    if case.key.key is None:
        ids = "ISSN" if case.periodical else "ISBN"
        return f"the {'periodical' if case.periodical else 'work'} has no title and no valid {ids}"
    if not case.periodical:
        return None  # CONTU guideline 1(b) has no age window, so no date is needed
    if facts.publication is None:
        return "the publication date is missing or not in the form YYYY, YYYY-MM or YYYY-MM-DD"
    latest_plausible = case.year + settings.max_future_years
    if facts.publication.year > latest_plausible:
        return (
            f"the publication year {facts.publication.year} is later than {latest_plausible}, "
            "which looks like a citation error"
        )
    return None


def o1_staff_determination(case: Case) -> Decision | None:
    determination = case.facts.determination
    if determination is None:
        return None
    return case.decision(
        Outcome.ACCEPT_CCL,
        Rule.O1,
        f"Staff recorded {determination}, so the copy is supplied under CCL "
        "and does not count toward the limit.",
    )


def r2_permission(case: Case) -> Decision | None:
    reference = clean(case.request.permission_reference)
    if reference is None:
        return None
    return case.decision(
        Outcome.ACCEPT_CCG,
        Rule.R2,
        f"Permission {reference} is recorded, so the copy is supplied under CCG "
        "without using one of the guideline copies.",
    )


def r2_permission_to_confirm(case: Case) -> Decision | None:
    """docs/copyright.md section 5: a reference the institution entered is not yet a
    recorded permission. The request waits for staff to confirm it, uncounted; R4 and R5 do not
    refuse it meanwhile, and confirming it decides by R2."""
    reference = clean(case.request.permission_reference_entered)
    if reference is None:
        return None
    return case.decision(
        Outcome.NEEDS_PERMISSION,
        Rule.R2,
        f"Your permission reference {reference} waits for office staff to confirm it; until "
        "then the request is held, and it never counts toward the guideline limits.",
        flags=(Flag.PERMISSION_TO_CONFIRM,),
    )


def r3_public_domain(case: Case) -> Decision | None:
    if case.facts.basis is not Basis.PUBLIC_DOMAIN and not case.facts.public_domain_found:
        return None
    who = "Staff found the material" if case.facts.public_domain_found else "The material is"
    return case.decision(
        Outcome.ACCEPT_CCL,
        Rule.R3,
        f"{who} in the public domain, so the copy is supplied under CCL and not counted.",
    )


def o2_rights_review(case: Case) -> Decision | None:
    """docs/copyright.md section 4, "Reproduction orders": an order that does not rely on
    section 108 for private study is no section 108 copy, so R4 and R5 never refuse
    it: its rights wait for staff to review them."""
    rights = case.facts.rights
    if rights is None:
        return None
    if rights is Rights.SECTION_108 and case.facts.purpose is Purpose.RESEARCH:
        return None
    return case.decision(
        Outcome.NEEDS_PERMISSION,
        Rule.O2,
        f"{_ORDER_OUTSIDE_108[case.facts.purpose]}, so the office reviews the rights in the "
        "item before it sends a price quote.",
        flags=(Flag.RIGHTS_TO_REVIEW,),
    )
