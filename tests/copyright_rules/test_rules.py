"""Every rule, setting and clarification of SPEC.md, as tables of pure decisions (no database)."""

from dataclasses import replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

from copyright_rules.configuration import RuleSettings
from copyright_rules.facts import (
    Decision,
    Flag,
    Outcome,
    PriorRequest,
    RequestFacts,
    Rule,
    StaffDetermination,
)
from copyright_rules.keys import Authority
from copyright_rules.rules import decide, local_date_and_year, retention_dates, window_cutoff
from copyright_rules.vocabulary import Status

NEW_YORK = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")
AUTHORITY = Authority.of_groups(
    issn_groups=[["0028-0836", "1476-4687"], ["0140-6736", "1474-547X"]],
    title_groups={"nature": 0, "lancet": 1},
    isbn_groups=[["9780262033848", "9780262533058"]],
)
UNVERIFIED = Flag.UNVERIFIED_TITLE_KEY
CORRECTED = Flag.STATEMENT_CORRECTED


def at(year: int, month: int = 9, day: int = 1, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=NEW_YORK)


def article(**changes: Any) -> RequestFacts:
    """A recent Nature article under CCG, requested on 1 Sep 2024 for patron p1."""
    facts: dict[str, Any] = {
        "institution": "AAA",
        "created_at": at(2024),
        "service": "copy",
        "work_kind": "periodical",
        "title": "Nature",
        "issns": ("0028-0836",),
        "publication_date": "2023-06",
        "volume": "618",
        "issue": "7964",
        "article": "pp. 300-306",
        "patron_ref": "p1",
        "statement": "CCG",
        "material": "text",
        "purpose": "research",
        "extent": "one_article",
    }
    return RequestFacts(**(facts | changes))


def chapter(**changes: Any) -> RequestFacts:
    """A chapter of Introduction to Algorithms (hardcover ISBN) under CCG."""
    facts: dict[str, Any] = {
        "work_kind": "non_periodical",
        "title": "Introduction to Algorithms",
        "issns": (),
        "isbns": ("9780262033848",),
        "author": "Cormen, Thomas H.",
        "publication_date": "2009",
        "volume": None,
        "issue": None,
        "article": "Chapter 22",
        "extent": "part",
        "pages_requested": 40,
        "total_pages": 1312,
    }
    return article(**(facts | changes))


def prior(number: int, **changes: Any) -> PriorRequest:
    """A filled, counted Nature copy of 2024 (another article, another patron)."""
    facts: dict[str, Any] = {
        "id": f"h{number}",
        "institution": "AAA",
        "created_at": at(2024, 1 + number % 8),
        "status": "filled",
        "outcome": "ACCEPT_CCG",
        "counted": True,
        "service": "copy",
        "work_kind": "periodical",
        "title": "Nature",
        "issns": ("0028-0836",),
        "publication_date": "2023-06",
        "volume": "618",
        "issue": str(7900 + number),
        "article": f"pp. {number}-{number + 5}",
        "patron_ref": f"p{100 + number}",
    }
    return PriorRequest(**(facts | changes))


def priors(count: int, **changes: Any) -> list[PriorRequest]:
    return [prior(number, **changes) for number in range(1, count + 1)]


def chapter_priors(count: int, year: int = 2024, **changes: Any) -> list[PriorRequest]:
    facts = {
        "work_kind": "non_periodical",
        "issns": (),
        "isbns": ("9780262033848",),
        "author": "Cormen, Thomas H.",
        "volume": None,
        "issue": None,
        "created_at": at(year, 3),
    }
    return [prior(number + year * 10, **(facts | changes)) for number in range(count)]


def run(
    request: RequestFacts, history: list[PriorRequest] | None = None, **settings: Any
) -> Decision:
    return decide(request, history or [], RuleSettings.from_mapping(settings), AUTHORITY)


def assert_decision(decision: Decision, **expect: Any) -> None:
    flags = expect.pop("flags", ())
    actual = {name: getattr(decision, name) for name in expect}
    assert actual == expect, decision.explanation
    assert set(flags) <= set(decision.flags)


def case(
    case_id: str,
    request: RequestFacts,
    history: list[PriorRequest] | None = None,
    settings: dict[str, Any] | None = None,
    **expect: Any,
) -> Any:
    return pytest.param(request, history or [], settings or {}, expect, id=case_id)


ACCEPT: dict[str, Any] = {"outcome": Outcome.ACCEPT_CCG, "counted": True}
HELD: dict[str, Any] = {"outcome": Outcome.NEEDS_PERMISSION, "counted": False}
CCL: dict[str, Any] = {"outcome": Outcome.ACCEPT_CCL, "counted": False}
REFUSED: dict[str, Any] = {"outcome": Outcome.REFUSE, "counted": False}
REJECTED: dict[str, Any] = {"outcome": Outcome.REJECT_INCOMPLETE, "rule": Rule.R1, "counted": False}
FAIR_USE: dict[str, Any] = {
    "statement": "CCL",
    "basis": "fair_use",
    "note": "one figure, for teaching",
}

CASES = [
    # R0 scope
    case(
        "r0-loan",
        article(service="loan", statement=None),
        rule=Rule.R0,
        outcome=Outcome.NOT_APPLICABLE,
        counted=False,
        title_key=None,
        flags=(),
    ),
    case("r0-loan-any-case", article(service=" Loan "), rule=Rule.R0),
    case("r0-loan-ignores-other-facts", article(service="loan", work_kind="bogus"), rule=Rule.R0),
    # R1 completeness, clarification 7 (statement input, unknown values)
    case("r1-no-statement", article(statement=None), **REJECTED),
    case("r1-blank-statement", article(statement="  "), **REJECTED),
    case("r1-unknown-statement", article(statement="CCX"), **REJECTED),
    case("r1-iso-prefix-ccg", article(statement="US-CCG"), rule=Rule.R10, **ACCEPT),
    case("r1-lower-case-iso-prefix", article(statement="us-ccg"), rule=Rule.R10, **ACCEPT),
    case("r1-iso-prefix-ccl", article(**FAIR_USE | {"statement": "US-CCL"}), rule=Rule.R10),
    case("r1-ccl-without-basis", article(statement="CCL"), **REJECTED),
    case("r1-ccl-unknown-basis", article(statement="CCL", basis="because"), **REJECTED),
    case("r1-fair-use-without-note", article(**FAIR_USE | {"note": None}), **REJECTED),
    case("r1-fair-use-blank-note", article(**FAIR_USE | {"note": " \t"}), **REJECTED),
    case("r1-no-service", article(service=None), **REJECTED),
    case("r1-unknown-service", article(service="photocopy"), **REJECTED),
    case("r1-copy-without-work-kind", article(work_kind=None), **REJECTED),
    case("r1-unknown-work-kind", article(work_kind="book"), **REJECTED),
    case("r1-unknown-material", article(material="sculpture"), **REJECTED),
    case("r1-unknown-purpose", article(purpose="teaching"), **REJECTED),
    case("r1-unknown-extent", article(extent="half"), **REJECTED),
    case("r1-no-title-key", article(title=None, issns=("1476-4688",)), **REJECTED, title_key=None),
    case("r1-no-date", article(publication_date=None), **REJECTED),
    case("r1-season", article(publication_date="Spring 2023"), **REJECTED),
    case("r1-range", article(publication_date="2022/2023"), **REJECTED),
    case("r1-month-13", article(publication_date="2023-13"), **REJECTED),
    case("r1-30-february", article(publication_date="2023-02-30"), **REJECTED),
    case("r1-two-years-ahead", article(publication_date="2026"), **REJECTED),
    case("r1-next-year-is-plausible", article(publication_date="2025-12"), rule=Rule.R10),
    case(
        "r1-max-future-zero",
        article(publication_date="2025-01"),
        [],
        {"max_future_years": 0},
        **REJECTED,
    ),
    case(
        "r1-max-future-two",
        article(publication_date="2026"),
        [],
        {"max_future_years": 2},
        rule=Rule.R10,
    ),
    case("r1-work-without-key", chapter(title=None, author="Someone", isbns=()), **REJECTED),
    case(
        "r1-rejected-periodical-keeps-unverified-flag",
        article(title="Nat. Genet.", issns=(), statement=None),
        **REJECTED,
        flags=(UNVERIFIED,),
    ),
    # clarification 15: non-periodical dates are not checked
    case("c15-chapter-without-date", chapter(publication_date=None), rule=Rule.R11, **ACCEPT),
    case("c15-chapter-odd-date", chapter(publication_date="c. 1990"), rule=Rule.R11),
    case("c15-chapter-old", chapter(publication_date="1950"), rule=Rule.R11, **ACCEPT),
    # O1 staff determination, clarification 6
    case(
        "o1-fair-use",
        article(staff_determination=StaffDetermination("fair_use", "teaching")),
        priors(5),
        rule=Rule.O1,
        **CCL,
    ),
    case(
        "o1-s108e",
        article(staff_determination=StaffDetermination("s108e", "not for sale")),
        priors(5),
        rule=Rule.O1,
        **CCL,
    ),
    case(
        "o1-without-note-is-ignored",
        article(staff_determination=StaffDetermination("fair_use", None)),
        priors(5),
        rule=Rule.R10,
        **HELD,
    ),
    case(
        "o1-blank-note-is-ignored",
        article(staff_determination=StaffDetermination("fair_use", "  ")),
        priors(5),
        rule=Rule.R10,
    ),
    case(
        "o1-unknown-kind-is-ignored",
        article(staff_determination=StaffDetermination("gut_feeling", "ok")),
        priors(5),
        rule=Rule.R10,
    ),
    case(
        "o1-before-r2",
        article(
            permission_reference="CCC 1", staff_determination=StaffDetermination("fair_use", "ok")
        ),
        rule=Rule.O1,
    ),
    case(
        "o1-before-r4",
        article(purpose="other", staff_determination=StaffDetermination("s108e", "ok")),
        rule=Rule.O1,
    ),
    # R2 permission
    case(
        "r2-permission",
        article(permission_reference="CCC 5723"),
        priors(5),
        rule=Rule.R2,
        outcome=Outcome.ACCEPT_CCG,
        counted=False,
        copy_number=None,
    ),
    case(
        "r2-blank-reference-is-absent",
        article(permission_reference=" "),
        priors(5),
        rule=Rule.R10,
        **HELD,
    ),
    case(
        "r2-before-r6", article(permission_reference="CCC 1", extent="entire_issue"), rule=Rule.R2
    ),
    case(
        "r2-before-r9", article(permission_reference="CCC 1", publication_date="2001"), rule=Rule.R2
    ),
    # R3 public domain, clarification 12
    case(
        "r3-public-domain",
        chapter(statement="CCL", basis="public_domain", isbns=()),
        rule=Rule.R3,
        **CCL,
    ),
    case("r3-basis-with-ccg-is-ignored", article(basis="public_domain"), rule=Rule.R10, **ACCEPT),
    case("c12-unknown-basis-with-ccg-is-ignored", article(basis="whatever"), rule=Rule.R10),
    # R4 purpose, clarification 10
    case("r4-other-purpose", article(purpose="other"), rule=Rule.R4, **REFUSED),
    case("r4-null-purpose-is-research", article(purpose=None), rule=Rule.R10, **ACCEPT),
    # R5 material
    case("r5-music", chapter(material="music"), rule=Rule.R5, **REFUSED),
    case("r5-pictorial", article(material="pictorial"), rule=Rule.R5, **REFUSED),
    case("r5-audiovisual", article(material="audiovisual"), rule=Rule.R5, **REFUSED),
    case("r5-news-audiovisual-allowed", article(material="audiovisual_news"), rule=Rule.R10),
    case("r5-null-material-is-text", article(material=None), rule=Rule.R10),
    case("r5-before-r6", article(material="music", extent="entire_issue"), rule=Rule.R5),
    # R6 amount, clarification 10
    case("r6-multiple-articles", article(extent="multiple_articles"), rule=Rule.R6, **HELD),
    case("r6-entire-issue", article(extent="entire_issue"), rule=Rule.R6, **HELD),
    case("r6-entire-work", chapter(extent="entire_work"), rule=Rule.R6, **HELD),
    case("r6-chapter-multiple-contributions", chapter(extent="multiple_articles"), rule=Rule.R6),
    case("r6-too-many-pages", chapter(pages_requested=200), rule=Rule.R6, **HELD),
    case("r6-just-under-fraction", chapter(pages_requested=131), rule=Rule.R11),
    case(
        "r6-exactly-fraction-is-not-above",
        chapter(pages_requested=100, total_pages=1000),
        rule=Rule.R11,
    ),
    case(
        "r6-fraction-setting",
        chapter(pages_requested=200),
        [],
        {"small_part_max_fraction": 0.2},
        rule=Rule.R11,
    ),
    case("r6-missing-total", chapter(pages_requested=900, total_pages=None), rule=Rule.R11),
    case("r6-missing-pages", chapter(pages_requested=None), rule=Rule.R11),
    case("r6-zero-total-is-no-count", chapter(pages_requested=5, total_pages=0), rule=Rule.R11),
    case(
        "r6-pages-ignored-for-periodicals",
        article(pages_requested=20, total_pages=30),
        rule=Rule.R10,
    ),
    case("r6-null-extent-is-part", chapter(extent=None), rule=Rule.R11),
    case(
        "r6-before-r7",
        article(extent="entire_issue"),
        [prior(1, patron_ref="p1", issue="7964")],
        rule=Rule.R6,
    ),
    # R7 one article per issue, clarification 11
    case(
        "r7-second-article",
        article(),
        [prior(1, patron_ref="p1", issue="7964")],
        rule=Rule.R7,
        **HELD,
    ),
    case(
        "r7-same-article-other-patron",
        article(),
        [prior(1, issue="7964", article="pp. 300-306")],
        rule=Rule.R10,
        copy_number=2,
    ),
    case(
        "r7-same-article-same-patron",
        article(),
        [prior(1, patron_ref="p1", issue="7964", article=" pp. 300-306 ")],
        rule=Rule.R10,
    ),
    case("r7-other-patron", article(), [prior(1, issue="7964")], rule=Rule.R10),
    case(
        "r7-patron-trimmed",
        article(patron_ref=" p1 "),
        [prior(1, patron_ref="p1", issue="7964")],
        rule=Rule.R7,
    ),
    case(
        "r7-cancelled-prior",
        article(),
        [prior(1, patron_ref="p1", issue="7964", status="cancelled")],
        rule=Rule.R10,
    ),
    case(
        "r7-prior-awaiting-clearance",
        article(),
        [
            prior(
                1,
                patron_ref="p1",
                issue="7964",
                status="awaiting_clearance",
                outcome="NEEDS_PERMISSION",
                counted=False,
            )
        ],
        rule=Rule.R10,
    ),
    case(
        "r7-filled-ccl-prior-holds-its-issue",
        article(),
        [prior(1, patron_ref="p1", issue="7964", outcome="ACCEPT_CCL", counted=False)],
        rule=Rule.R7,
    ),
    case(
        "r7-setting-off",
        article(),
        [prior(1, patron_ref="p1", issue="7964")],
        {"one_article_per_issue": False},
        rule=Rule.R10,
    ),
    case(
        "r7-no-patron",
        article(patron_ref=None),
        [prior(1, patron_ref=None, issue="7964")],
        rule=Rule.R10,
    ),
    case(
        "r7-blank-patron",
        article(patron_ref=" "),
        [prior(1, patron_ref=" ", issue="7964")],
        rule=Rule.R10,
    ),
    case(
        "r7-request-without-article",
        article(article=None),
        [prior(1, patron_ref="p1", issue="7964")],
        rule=Rule.R10,
    ),
    case(
        "r7-prior-without-article",
        article(),
        [prior(1, patron_ref="p1", issue="7964", article="")],
        rule=Rule.R10,
    ),
    case(
        "r7-prior-last-year",
        article(),
        [prior(1, patron_ref="p1", issue="7964", created_at=at(2023, 11))],
        rule=Rule.R10,
    ),
    case("r7-other-issue", article(), [prior(1, patron_ref="p1", issue="7965")], rule=Rule.R10),
    case(
        "r7-other-volume",
        article(),
        [prior(1, patron_ref="p1", issue="7964", volume="619")],
        rule=Rule.R10,
    ),
    case(
        "r7-volume-only", article(issue=None), [prior(1, patron_ref="p1", issue=None)], rule=Rule.R7
    ),
    case(
        "r7-dated-issue",
        article(volume=None, issue=None, publication_date="2024-03-02"),
        [prior(1, patron_ref="p1", volume=None, issue=None, publication_date="2024-03-02")],
        rule=Rule.R7,
    ),
    case(
        "r7-other-date",
        article(volume=None, issue=None, publication_date="2024-03-02"),
        [prior(1, patron_ref="p1", volume=None, issue=None, publication_date="2024-03-09")],
        rule=Rule.R10,
    ),
    case(
        "r7-numbered-vs-unnumbered",
        article(volume=None, issue=None),
        [prior(1, patron_ref="p1", volume="618", issue="7964")],
        rule=Rule.R10,
    ),
    case(
        "r7-other-title",
        article(),
        [prior(1, patron_ref="p1", issue="7964", issns=("0140-6736",), title="Lancet")],
        rule=Rule.R10,
    ),
    case(
        "r7-prior-chapter-ignored",
        article(),
        [prior(1, patron_ref="p1", issue="7964", work_kind="non_periodical", key="ISSN-GROUP:0")],
        rule=Rule.R10,
    ),
    case(
        "r7-other-institution",
        article(),
        [prior(1, patron_ref="p1", issue="7964", institution="BBB")],
        rule=Rule.R10,
    ),
    # R8 own copy, clarification 12
    case(
        "r8-own-copy-covers",
        article(statement="CCL", basis="own_copy", own_copy_covers_item=True),
        priors(5),
        rule=Rule.R8,
        **CCL,
    ),
    case(
        "r8-chapter-own-copy",
        chapter(statement="CCL", basis="own_copy", own_copy_covers_item=True),
        rule=Rule.R8,
    ),
    case(
        "r8-coverage-not-stated",
        article(statement="CCL", basis="own_copy"),
        rule=Rule.R10,
        **ACCEPT,
        flags=(CORRECTED,),
    ),
    case(
        "r8-coverage-denied",
        article(statement="CCL", basis="own_copy", own_copy_covers_item=False),
        priors(5),
        rule=Rule.R10,
        **HELD,
    ),
    case(
        "r8-basis-with-ccg-is-ignored",
        article(basis="own_copy", own_copy_covers_item=True),
        rule=Rule.R10,
    ),
    # R9 window, date modes, clarification 13
    case(
        "r9-old-ccg-corrected",
        article(publication_date="2010"),
        priors(5),
        rule=Rule.R9,
        **CCL,
        flags=(CORRECTED,),
    ),
    case(
        "r9-old-ccl-not-corrected",
        article(publication_date="2010", statement="CCL", basis="older_than_window"),
        rule=Rule.R9,
        flags=(),
    ),
    case(
        "r9-recent-older-than-window-corrected",
        article(statement="CCL", basis="older_than_window"),
        rule=Rule.R10,
        **ACCEPT,
        flags=(CORRECTED,),
    ),
    case(
        "c13-correction-stays-when-held",
        article(statement="CCL", basis="older_than_window"),
        priors(5),
        rule=Rule.R10,
        **HELD,
        flags=(CORRECTED,),
    ),
    case(
        "r9-exactly-five-years",
        article(created_at=at(2024, 3, 15), publication_date="2019-03-15"),
        rule=Rule.R10,
    ),
    case(
        "r9-five-years-and-a-day",
        article(created_at=at(2024, 3, 15), publication_date="2019-03-14"),
        rule=Rule.R9,
    ),
    case(
        "r9-leap-day-cutoff-is-28-february",
        article(created_at=at(2024, 2, 29), publication_date="2019-02-28"),
        rule=Rule.R10,
    ),
    case(
        "r9-leap-day-day-before",
        article(created_at=at(2024, 2, 29), publication_date="2019-02-27"),
        rule=Rule.R9,
    ),
    case(
        "r9-leap-day-into-leap-year",
        article(created_at=at(2024, 2, 29), publication_date="2020-02-28"),
        [],
        {"window_years": 4},
        rule=Rule.R9,
    ),
    case(
        "r9-local-date-decides",
        article(created_at=datetime(2024, 3, 16, 3, tzinfo=UTC), publication_date="2019-03-15"),
        rule=Rule.R10,
    ),
    case(
        "r9-local-date-utc",
        article(created_at=datetime(2024, 3, 16, 3, tzinfo=UTC), publication_date="2019-03-15"),
        [],
        {"time_zone": "UTC"},
        rule=Rule.R9,
    ),
    case("r9-year-only-y-minus-5-exact", article(publication_date="2019"), rule=Rule.R10),
    case("r9-year-only-y-minus-6", article(publication_date="2018"), rule=Rule.R9),
    case(
        "r9-month-latest-day",
        article(created_at=at(2024, 6, 30), publication_date="2019-06"),
        rule=Rule.R10,
    ),
    case(
        "r9-month-before-cutoff",
        article(created_at=at(2024, 7, 1), publication_date="2019-06"),
        rule=Rule.R9,
    ),
    case(
        "r9-calendar-years-y-minus-5",
        article(publication_date="2019"),
        [],
        {"date_mode": "calendar_years"},
        rule=Rule.R9,
    ),
    case(
        "r9-calendar-years-y-minus-4",
        article(publication_date="2020-01-01"),
        [],
        {"date_mode": "calendar_years"},
        rule=Rule.R10,
    ),
    case(
        "r9-window-years-setting",
        article(publication_date="2021-06"),
        [],
        {"window_years": 2},
        rule=Rule.R9,
    ),
    case("r9-issue-after-request", article(publication_date="2025-01"), rule=Rule.R10),
    # R10 rule of five
    case("r10-first", article(), rule=Rule.R10, **ACCEPT, copy_number=1, counted_ids=()),
    case(
        "r10-fifth",
        article(),
        priors(4),
        rule=Rule.R10,
        **ACCEPT,
        copy_number=5,
        counted_ids=("h1", "h2", "h3", "h4"),
    ),
    case("r10-sixth", article(), priors(5), rule=Rule.R10, **HELD, copy_number=6),
    case("r10-limit-six", article(), priors(5), {"periodical_limit": 6}, **ACCEPT, copy_number=6),
    case("r10-limit-zero", article(), [], {"periodical_limit": 0}, **HELD, copy_number=1),
    case(
        "r10-ccl-fair-use-counted-and-corrected",
        article(**FAIR_USE),
        priors(1),
        **ACCEPT,
        copy_number=2,
        flags=(CORRECTED,),
    ),
    case("r10-fair-use-held-not-corrected", article(**FAIR_USE), priors(5), **HELD, flags=()),
    case("r10-last-year-not-counted", article(), priors(5, created_at=at(2023, 10)), copy_number=1),
    case(
        "r10-precomputed-key-and-year",
        article(),
        priors(5, created_at=None, year=2024, key="ISSN-GROUP:0", issns=(), title=None),
        **HELD,
        copy_number=6,
    ),
    case(
        "r10-precomputed-other-year",
        article(),
        priors(5, created_at=None, year=2023, key="ISSN-GROUP:0"),
        copy_number=1,
    ),
    case("r10-precomputed-other-key", article(), priors(5, key="ISSN:0036-8075"), copy_number=1),
    case("r10-online-issn-same-group", article(issns=("1476-4687",)), priors(5), **HELD),
    case(
        "r10-other-title", article(), priors(5, title="Lancet", issns=("0140-6736",)), copy_number=1
    ),
    case(
        "r10-loan-priors-ignored",
        article(),
        priors(5, service="loan", counted=False, outcome="NOT_APPLICABLE"),
        copy_number=1,
    ),
    case(
        "r10-prior-year-in-settings-zone",
        article(created_at=at(2025, 3)),
        priors(5, created_at=datetime(2025, 1, 1, 4, 30, tzinfo=UTC)),
        copy_number=1,
    ),
    case(
        "r10-prior-year-in-utc",
        article(created_at=at(2025, 3)),
        priors(5, created_at=datetime(2025, 1, 1, 4, 30, tzinfo=UTC)),
        {"time_zone": "UTC"},
        copy_number=6,
    ),
    case(
        "c9-issn-key-flagged",
        article(title="Science", issns=("0036-8075",)),
        flags=(UNVERIFIED,),
        title_key="ISSN:0036-8075",
    ),
    case(
        "c9-title-key-flagged-when-held",
        article(title="Nat. Genet.", issns=()),
        priors(5, title="Nat Genet", issns=()),
        **HELD,
        flags=(UNVERIFIED,),
    ),
    case(
        "c9-flag-on-r9",
        article(title="Nat. Genet.", issns=(), publication_date="2001"),
        rule=Rule.R9,
        flags=(UNVERIFIED, CORRECTED),
    ),
    case("c9-authority-key-not-flagged", article(), flags=(), title_key="ISSN-GROUP:0"),
    case(
        "c9-never-for-chapters",
        chapter(isbns=()),
        flags=(),
        title_key="WORK:introduction to algorithms|cormen thomas h",
    ),
    # R11 non-periodicals and the nonperiodical scope
    case("r11-first", chapter(), rule=Rule.R11, **ACCEPT, copy_number=1),
    case(
        "r11-paperback-same-group",
        chapter(isbns=("9780262533058",)),
        chapter_priors(5),
        rule=Rule.R11,
        **HELD,
        copy_number=6,
    ),
    case(
        "r11-per-calendar-year",
        chapter(),
        chapter_priors(5, 2023) + chapter_priors(5, 2022),
        copy_number=1,
    ),
    case(
        "r11-limit-setting",
        chapter(),
        chapter_priors(5),
        {"nonperiodical_limit": 6},
        **ACCEPT,
        copy_number=6,
    ),
    case(
        "r11-term-counts-every-year",
        chapter(),
        chapter_priors(3, 2021) + chapter_priors(3, 2023),
        {"nonperiodical_scope": "term", "nonperiodical_limit": 6},
        **HELD,
        copy_number=7,
    ),
    case(
        "r11-term-under-limit",
        chapter(),
        chapter_priors(2, 2021) + chapter_priors(3, 2023),
        {"nonperiodical_scope": "term", "nonperiodical_limit": 6},
        **ACCEPT,
        copy_number=6,
    ),
    case(
        "c14-term-keeps-the-limit",
        chapter(),
        chapter_priors(5, 2020),
        {"nonperiodical_scope": "term"},
        **HELD,
        copy_number=6,
    ),
    case(
        "r11-term-does-not-touch-periodicals",
        article(),
        priors(5, created_at=at(2023)),
        {"nonperiodical_scope": "term"},
        copy_number=1,
    ),
    case(
        "r11-no-window-for-chapters",
        chapter(publication_date="1980"),
        chapter_priors(5),
        rule=Rule.R11,
        **HELD,
    ),
    case(
        "r11-ccl-corrected",
        chapter(statement="CCL", basis="older_than_window"),
        rule=Rule.R11,
        **ACCEPT,
        flags=(CORRECTED,),
    ),
]


@pytest.mark.parametrize(("request_facts", "history", "settings", "expect"), CASES)
def test_decision_table(
    request_facts: RequestFacts,
    history: list[PriorRequest],
    settings: dict[str, Any],
    expect: dict[str, Any],
) -> None:
    assert_decision(run(request_facts, history, **settings), **expect)


@pytest.mark.parametrize("status", list(Status))
def test_only_statuses_holding_a_slot_count(status: Status) -> None:
    holding = status in {Status.ACCEPTED, Status.IN_PROCESS, Status.SHIPPED, Status.FILLED}
    decision = run(article(), priors(5, status=status.value))
    assert decision.copy_number == (6 if holding else 1)


@pytest.mark.parametrize(
    ("outcome", "counted"),
    [
        ("ACCEPT_CCG", False),
        ("ACCEPT_CCL", False),
        ("ACCEPT_CCL", True),
        ("NEEDS_PERMISSION", False),
        ("REFUSE", False),
    ],
)
def test_only_counted_ccg_acceptances_count(outcome: str, counted: bool) -> None:
    decision = run(article(), priors(5, outcome=outcome, counted=counted))
    assert decision.copy_number == 1


def test_priors_of_another_institution_are_ignored() -> None:
    decision = run(article(), priors(5, institution="BBB") + [prior(9)])
    assert (decision.copy_number, decision.counted_ids) == (2, ("h9",))


def test_priors_without_institution_are_taken_as_already_filtered() -> None:
    assert run(article(), priors(5, institution=None)).outcome is Outcome.NEEDS_PERMISSION


@pytest.mark.parametrize(
    ("request_facts", "history", "explanation"),
    [
        (
            article(),
            priors(4),
            "This is your 5th copy from Nature in 2024; the guidelines allow 5 per title per year.",
        ),
        (
            article(),
            priors(5),
            "This would be your 6th copy from Nature in 2024; a 6th needs copyright permission or "
            "a staff determination.",
        ),
        (
            chapter(),
            [],
            "This is your 1st copy from Introduction to Algorithms in 2024; the guidelines allow 5 "
            "per work per year.",
        ),
        (
            article(service="loan"),
            [],
            "This is a loan, not a copy, so the copyright guidelines do not apply.",
        ),
    ],
)
def test_explanations_read_as_one_sentence(
    request_facts: RequestFacts, history: list[PriorRequest], explanation: str
) -> None:
    assert run(request_facts, history).explanation == explanation


def test_every_explanation_is_one_sentence() -> None:
    for param in CASES:
        request_facts, history, settings, _ = param.values
        explanation = run(request_facts, history, **settings).explanation
        assert explanation[0].isupper() and explanation.endswith("."), explanation
        sentence = explanation.replace(request_facts.title or "", "").replace("U.S.C.", "")
        assert ". " not in sentence[:-1] and "\n" not in sentence, explanation


def test_held_fair_use_request_mentions_the_note_for_staff() -> None:
    assert "fair-use note" in run(article(**FAIR_USE), priors(5)).explanation


def test_term_scope_explanation_has_no_year() -> None:
    settings = {"nonperiodical_scope": "term", "nonperiodical_limit": 6}
    explanation = run(chapter(), [], **settings).explanation
    assert explanation == (
        "This is your 1st copy from Introduction to Algorithms; the guidelines allow 6 per work "
        "while it is in copyright."
    )


@pytest.mark.parametrize("number", [11, 12, 13, 21, 22, 23, 101, 111])
def test_ordinals_in_explanations(number: int) -> None:
    expected = {
        11: "11th",
        12: "12th",
        13: "13th",
        21: "21st",
        22: "22nd",
        23: "23rd",
        101: "101st",
        111: "111th",
    }[number]
    decision = run(article(), priors(number - 1), periodical_limit=200)
    assert f"your {expected} copy" in decision.explanation


def test_decision_carries_the_local_year() -> None:
    new_years_eve = datetime(2025, 1, 1, 4, 30, tzinfo=UTC)
    assert run(article(created_at=new_years_eve)).year == 2024
    assert run(article(created_at=new_years_eve), time_zone="UTC").year == 2025


# --- settings --------------------------------------------------------------------------------


def test_settings_defaults_follow_the_spec() -> None:
    settings = RuleSettings()
    assert (settings.time_zone, settings.periodical_limit, settings.nonperiodical_limit) == (
        "America/New_York",
        5,
        5,
    )
    assert (settings.nonperiodical_scope, settings.window_years, settings.date_mode) == (
        "calendar_year",
        5,
        "exact",
    )
    assert (settings.max_future_years, settings.one_article_per_issue) == (1, True)
    assert settings.small_part_max_fraction == 0.10


@pytest.mark.parametrize(
    ("mapping", "field", "value"),
    [
        ({"periodical_limit": 6}, "periodical_limit", 6),
        ({"COPYRIGHT_PERIODICAL_LIMIT": 7}, "periodical_limit", 7),
        ({"date_mode": "calendar_years"}, "date_mode", "calendar_years"),
        ({"time_zone": "UTC"}, "time_zone", "UTC"),
        ({"nonperiodical_scope": "term"}, "nonperiodical_scope", "term"),
        ({"Small_Part_Max_Fraction": 0.25}, "small_part_max_fraction", 0.25),
    ],
)
def test_settings_from_mapping(mapping: dict[str, Any], field: str, value: object) -> None:
    assert getattr(RuleSettings.from_mapping(mapping), field) == value


def test_settings_from_mapping_keeps_the_base() -> None:
    base = RuleSettings(time_zone="Europe/Paris")
    settings = RuleSettings.from_mapping({"window_years": 3}, base=base)
    assert settings == replace(base, window_years=3)


@pytest.mark.parametrize(
    "mapping",
    [
        {"periodical_limt": 5},
        {"periodical_limit": -1},
        {"periodical_limit": True},
        {"window_years": "5"},
        {"date_mode": "fuzzy"},
        {"nonperiodical_scope": "lifetime"},
        {"small_part_max_fraction": 1.5},
        {"one_article_per_issue": "yes"},
    ],
)
def test_settings_reject_bad_values(mapping: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        RuleSettings.from_mapping(mapping)


def test_settings_reject_an_unknown_time_zone() -> None:
    with pytest.raises(ZoneInfoNotFoundError):
        RuleSettings(time_zone="America/Springfield")


# --- facts validation ------------------------------------------------------------------------


def test_naive_request_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        article(created_at=datetime(2024, 9, 1))  # noqa: DTZ001 - the point of the test


def test_prior_needs_a_time_or_a_year() -> None:
    with pytest.raises(ValueError, match="created_at or year"):
        prior(1, created_at=None)


# --- dates and retention (SPEC section 7) ----------------------------------------------------


@pytest.mark.parametrize(
    ("created_at", "time_zone", "expected"),
    [
        (at(2024, 1, 2, 9), "America/New_York", (date(2027, 12, 31), date(2028, 1, 1))),
        (
            datetime(2025, 1, 1, 4, 30, tzinfo=UTC),
            "America/New_York",
            (date(2027, 12, 31), date(2028, 1, 1)),
        ),
        (datetime(2025, 1, 1, 4, 30, tzinfo=UTC), "UTC", (date(2028, 12, 31), date(2029, 1, 1))),
        (at(2024, 12, 31, 23), "America/New_York", (date(2027, 12, 31), date(2028, 1, 1))),
        (
            datetime(2024, 12, 31, 20, tzinfo=UTC),
            "Pacific/Auckland",
            (date(2028, 12, 31), date(2029, 1, 1)),
        ),
    ],
)
def test_retention_dates(created_at: datetime, time_zone: str, expected: tuple[date, date]) -> None:
    assert retention_dates(created_at, time_zone) == expected


def test_local_date_and_year_accepts_a_zone_object() -> None:
    moment = datetime(2025, 1, 1, 4, 30, tzinfo=UTC)
    assert local_date_and_year(moment, NEW_YORK) == (date(2024, 12, 31), 2024)
    assert local_date_and_year(moment, "UTC") == (date(2025, 1, 1), 2025)


@pytest.mark.parametrize(
    ("local", "years", "cutoff"),
    [
        (date(2024, 3, 15), 5, date(2019, 3, 15)),
        (date(2024, 2, 29), 5, date(2019, 2, 28)),
        (date(2024, 2, 29), 4, date(2020, 2, 29)),
        (date(2024, 2, 29), 0, date(2024, 2, 29)),
        (date(3, 1, 1), 5, date.min),
    ],
)
def test_window_cutoff(local: date, years: int, cutoff: date) -> None:
    assert window_cutoff(local, years) == cutoff


def test_an_author_list_keys_a_work_by_its_first_author() -> None:
    decision = run(chapter(isbns=(), author=("Cormen, Thomas H.", "Leiserson, Charles E.")))
    assert decision.title_key == "WORK:introduction to algorithms|cormen thomas h"


# --- the boundary: values the rulebook reads as missing, and whose priors count --------------


@pytest.mark.parametrize("published", ["2019-00", "2023-06-00", "2023-00-15"])
def test_a_month_or_day_of_00_is_a_missing_date(published: str) -> None:
    decision = decide(article(publication_date=published), [], authority=AUTHORITY)

    assert (decision.outcome, decision.rule) == (Outcome.REJECT_INCOMPLETE, Rule.R1)


def test_a_request_without_an_institution_ignores_other_institutions_priors() -> None:
    others = priors(5, institution="BBB")

    decision = decide(article(institution=None), others, authority=AUTHORITY)

    assert (decision.outcome, decision.copy_number) == (Outcome.ACCEPT_CCG, 1)


def test_a_loan_prior_marked_counted_is_not_counted() -> None:
    history = [*priors(4), prior(9, service="loan")]

    decision = decide(article(), history, authority=AUTHORITY)

    assert (decision.outcome, decision.copy_number) == (Outcome.ACCEPT_CCG, 5)
    assert "h9" not in decision.counted_ids


def test_a_kind_in_another_case_is_the_same_kind_for_the_priors() -> None:
    history = priors(5, work_kind="Periodical", service="COPY")

    decision = decide(article(work_kind="Periodical"), history, authority=AUTHORITY)

    assert (decision.outcome, decision.copy_number) == (Outcome.NEEDS_PERMISSION, 6)
