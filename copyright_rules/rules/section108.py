"""The limits of section 108 itself: purpose (R4), excluded material (R5), amount (R6) and one
article per issue (R7) (docs/copyright.md section 4, items 6 to 9)."""

from __future__ import annotations

from copyright_rules.facts import (
    Decision,
    Extent,
    Material,
    Outcome,
    PriorRequest,
    Purpose,
    Rule,
    WorkKind,
    clean,
)
from copyright_rules.normalize import normalize_title
from copyright_rules.reading import (
    canonical,
    is_copy,
)
from copyright_rules.rules.case import PERMISSION_OR_STAFF, Case

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
    too_much = _TOO_MUCH.get(case.facts.extent) or _pages_too_many(case)
    if too_much is None:
        return None
    return case.decision(
        Outcome.NEEDS_PERMISSION,
        Rule.R6,
        f"The request asks for {too_much}, more than section 108(d) allows, "
        f"so it {PERMISSION_OR_STAFF}.",
    )


def _pages_too_many(case: Case) -> str | None:
    # Clarification 10: only non-periodicals with both page counts; a non-positive total is no
    # usable count, so it does not match either.
    pages, total = case.request.pages_requested, case.request.total_pages
    if case.periodical or pages is None or total is None or total <= 0:
        return None
    limit = case.settings.small_part_max_fraction
    if pages / total <= limit:
        return None
    return f"{pages} of {total} pages ({pages / total:.1%}, above {limit:.0%})"


def r7_one_article_per_issue(case: Case) -> Decision | None:
    patron, article = clean(case.request.patron_ref), clean(case.request.article)
    if not (case.settings.one_article_per_issue and case.periodical and patron and article):
        return None
    issue = _issue_id(case.request.volume, case.request.issue, case.request.publication_date)
    for prior, year in case.holding_same_key():
        if year == case.year and _other_article(prior, patron, article, issue):
            return case.decision(
                Outcome.NEEDS_PERMISSION,
                Rule.R7,
                f"Patron {patron} already has a different article from this issue of "
                f"{case.title} in {case.year} (request {prior.id}); a second article from one "
                f"issue {PERMISSION_OR_STAFF} (section 108(d), 108(g)(1)).",
            )
    return None


def _issue_id(volume: str | None, issue: str | None, published: str | None) -> tuple[object, ...]:
    # Clarification 11: numbering when either part is given, else the date as given; a numbered
    # and an unnumbered item never match because the tuples have different tags.
    volume, issue = clean(volume), clean(issue)
    if volume is not None or issue is not None:
        return ("numbered", volume, issue)
    return ("dated", clean(published))


def _other_article(
    prior: PriorRequest, patron: str, article: str, issue: tuple[object, ...]
) -> bool:
    """Clarification 11: a periodical copy for the same patron and issue, another article;
    articles compared after the normalization of titles (ruling 7)."""
    prior_article = clean(prior.article)
    return (
        canonical(WorkKind, prior.work_kind) is WorkKind.PERIODICAL
        and is_copy(prior.service)
        and clean(prior.patron_ref) == patron
        and prior_article is not None
        and normalize_title(prior_article) != normalize_title(article)
        and _issue_id(prior.volume, prior.issue, prior.publication_date) == issue
    )
