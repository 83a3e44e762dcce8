"""The rules of docs/copyright.md section 4, one function each, in its order, and `decide`,
which runs them on a request's `Case`: the first that decides wins. Pure Python, no Django, no
database: the application and the conformance runner call the same function.

The groups of section 4: completeness, staff determinations, permissions and public domain (R1,
O1, R2, R3, O2), the limits of section 108 itself (R4 to R7), and own copy, the five-year window
and the rule of five (R8 to R11).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from copyright_rules.configuration import RuleSettings
from copyright_rules.facts import (
    Basis,
    Decision,
    Extent,
    Flag,
    Material,
    Outcome,
    PriorRequest,
    Purpose,
    RequestFacts,
    Rights,
    Rule,
    Statement,
    WorkKind,
    canonical,
    clean,
    is_copy,
)
from copyright_rules.keys import EMPTY_AUTHORITY, Authority
from copyright_rules.rules.case import (
    DEFAULT_SETTINGS,
    PERMISSION_OR_STAFF,
    Case,
    KeyDoubt,
    Subject,
    describe,
    doubt_from_history,
    inside_window,
    issue_id,
    key_doubt,
    other_article,
)

# Why a reproduction order outside section 108 waits for the rights review (rule O2).
_ORDER_OUTSIDE_108 = {
    Purpose.RESEARCH: "This order does not rely on section 108, and the rights in the item are "
    "not established",
    Purpose.OTHER: "This order is for a use other than private study, scholarship or research, "
    "which section 108 does not cover",
}
# 17 U.S.C. 108(i): music, pictorial/graphic/sculptural and non-news audiovisual works are excluded.
_EXCLUDED_MATERIAL = {
    Material.MUSIC: "musical works",
    Material.PICTORIAL: "pictorial, graphic and sculptural works",
    Material.AUDIOVISUAL: "audiovisual works other than news",
}
# 17 U.S.C. 108(d)/(e): one article per issue, or a small part of any other work.
_TOO_MUCH = {
    Extent.MULTIPLE_ARTICLES: "more than one article from one issue",
    Extent.ENTIRE_ISSUE: "an entire issue",
    Extent.ENTIRE_WORK: "an entire work",
}


# Completeness, staff determinations, permissions, public domain (section 4, items 2 to 5)
def r1_completeness(case: Case) -> Decision | None:
    facts, publication = case.facts, case.facts.publication
    latest_plausible = case.year + case.settings.max_future_years
    if facts.problem is not None:
        reason = facts.problem
    elif case.key.key is None:
        ids = "ISSN" if case.periodical else "ISBN"
        reason = (
            f"the {'periodical' if case.periodical else 'work'} has no title and no valid {ids}"
        )
    elif not case.periodical:
        return None  # CONTU guideline 1(b) has no age window, so no date is needed
    elif publication is None:
        reason = "the publication date is missing or not in the form YYYY, YYYY-MM or YYYY-MM-DD"
    elif publication.year > latest_plausible:
        reason = (
            f"the publication year {publication.year} is later than {latest_plausible}, "
            "which looks like a citation error"
        )
    else:
        return None
    return case.decision(
        Outcome.REJECT_INCOMPLETE,
        Rule.R1,
        f"This request is returned because {reason}; please correct it and resubmit.",
    )


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


# The limits of section 108 itself (section 4, items 6 to 9)
def r4_purpose(case: Case) -> Decision | None:
    if case.facts.purpose is Purpose.RESEARCH:
        return None
    return case.decision(
        Outcome.REFUSE,
        Rule.R4,
        "Section 108(d)(1) allows copies only for private study, scholarship or research, "
        "so this request is refused.",
    )


def r5_material(case: Case) -> Decision | None:
    excluded = _EXCLUDED_MATERIAL.get(case.facts.material)
    if excluded is None:
        return None
    return case.decision(
        Outcome.REFUSE,
        Rule.R5,
        f"Section 108(i) excludes {excluded} from library copying, so this request is refused.",
    )


def r6_amount(case: Case) -> Decision | None:
    too_much = _TOO_MUCH.get(case.facts.extent)
    # Clarification 10: pages count only for non-periodicals with both page counts; a
    # non-positive total is no usable count, so it does not match either.
    pages, total = case.request.pages_requested, case.request.total_pages
    limit = case.settings.small_part_max_fraction
    share = pages / total if pages is not None and total is not None and total > 0 else None
    if too_much is None and not case.periodical and share is not None and share > limit:
        too_much = f"{pages} of {total} pages ({share:.1%}, above {limit:.0%})"
    if too_much is None:
        return None
    return case.decision(
        Outcome.NEEDS_PERMISSION,
        Rule.R6,
        f"The request asks for {too_much}, more than section 108(d) allows, "
        f"so it {PERMISSION_OR_STAFF}.",
    )


def r7_one_article_per_issue(case: Case) -> Decision | None:
    patron, article = clean(case.request.patron_ref), clean(case.request.article)
    if not (case.settings.one_article_per_issue and case.periodical and patron and article):
        return None
    issue = issue_id(case.request.volume, case.request.issue, case.request.publication_date)
    for prior, year in case.holding_same_key():
        if year == case.year and other_article(prior, patron, article, issue):
            return case.decision(
                Outcome.NEEDS_PERMISSION,
                Rule.R7,
                f"Patron {patron} already has a different article from this issue of "
                f"{case.title} in {case.year} (request {prior.id}); a second article from one "
                f"issue {PERMISSION_OR_STAFF} (section 108(d), 108(g)(1)).",
            )
    return None


# Own copy, the five-year window and the rule of five (section 4, items 10 to 13)
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
    assert case.facts.publication is not None  # R1 rejected periodicals without a date
    if inside_window(case.facts.publication, case.local_date, case.settings):
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


def r10_r11_count(case: Case) -> Decision:
    """The rule of five: guideline 1(a) for a periodical (R10), 1(b) for another work (R11),
    per year or, for a work under the `term` scope, over its whole term."""
    lifetime = case.subject.counting_year is None
    counted_ids = tuple(
        prior.id
        for prior, prior_year in case.holding_same_key()
        if prior.counted is True
        and canonical(Outcome, prior.outcome) is Outcome.ACCEPT_CCG
        and is_copy(prior.service)
        and (lifetime or prior_year == case.year)
    )
    copy_number = len(counted_ids) + 1
    nth = _ordinal(copy_number)
    if case.periodical:
        limit, rule, per = case.settings.periodical_limit, Rule.R10, "per title per year"
    else:
        limit, rule = case.settings.nonperiodical_limit, Rule.R11
        per = "per work while it is in copyright" if lifetime else "per work per year"
    copy = f"your {nth} copy from {case.title}{'' if lifetime else f' in {case.year}'}"
    doubt = key_doubt(case.subject, case.doubt) if case.periodical else None
    if copy_number <= limit and doubt is not None:
        return case.decision(
            Outcome.NEEDS_PERMISSION,
            rule,
            f"This would be {copy}, but {doubt}, so staff confirm which title this is before "
            "the copy is counted.",
            copy_number=copy_number,
            counted_ids=counted_ids,
            flags=(Flag.KEY_TO_CONFIRM,),
        )
    if copy_number <= limit:
        return case.decision(
            Outcome.ACCEPT_CCG,
            rule,
            f"This is {copy}; the guidelines allow {limit} {per}.",
            counted=True,
            copy_number=copy_number,
            counted_ids=counted_ids,
            corrected=case.facts.statement is Statement.CCL,
        )
    fair_use = (
        ", and your fair-use note goes to staff" if case.facts.basis is Basis.FAIR_USE else ""
    )
    return case.decision(
        Outcome.NEEDS_PERMISSION,
        rule,
        f"This would be {copy}; a {nth} {PERMISSION_OR_STAFF}{fair_use}.",
        copy_number=copy_number,
        counted_ids=counted_ids,
    )


def _ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th') }"


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
    case = Case(
        request=subject.request,
        settings=settings,
        authority=subject.authority,
        local_date=subject.local_date,
        year=subject.year,
        facts=facts,
        key=subject.key,
        priors=prior,
        periodical=facts.kind is WorkKind.PERIODICAL,
        doubt=doubt or doubt_from_history(subject, prior, settings),
        subject=subject,
        title=clean(subject.request.title) or "this title",
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
