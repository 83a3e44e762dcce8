"""The copyright rules: one pure function, `decide` (docs/copyright.md sections 3, 4 and 9), and
the retention dates of guideline 4 (docs/copyright.md section 7). No Django, no database: the
application and the conformance runner call the same function.

Institutions: `decide` ignores a prior request whose `institution` differs from the request's, so
one institution's requests can never affect another's (CONTU guideline 1 counts per "requesting
entity"). A prior without an institution has been filtered by the caller (the database loads only
the institution's own); a request without one matches only such priors, never every institution's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import MINYEAR, date, datetime, tzinfo
from functools import lru_cache

from copyright_rules.configuration import DateMode, NonperiodicalScope, RuleSettings, zone
from copyright_rules.reading import (
    ParsedFacts,
    PublicationDate,
    canonical,
    is_copy,
    is_loan,
    parse_facts,
)

from .facts import (
    HOLDING_SLOT,
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
    Status,
    WorkKind,
    clean,
)
from .keys import (
    EMPTY_AUTHORITY,
    Authority,
    KeyResult,
    KeySource,
    citation_key,
    matching_titles,
    normalize_title,
)

DEFAULT_SETTINGS = RuleSettings()
_NO_KEY = KeyResult(None, KeySource.NONE)
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
_PERMISSION_OR_STAFF = "needs copyright permission or a staff determination"
_ORDER_OUTSIDE_108 = {
    Purpose.RESEARCH: "This order does not rely on section 108, and the rights in the item are "
    "not established",
    Purpose.OTHER: "This order is for a use other than private study, scholarship or research, "
    "which section 108 does not cover",
}


# --- dates -----------------------------------------------------------------------------------


def local_date_and_year(created_at: datetime, time_zone: str | tzinfo) -> tuple[date, int]:
    """The request's local date and its year Y in the copyright time zone (docs/copyright.md 1)."""
    tz = zone(time_zone) if isinstance(time_zone, str) else time_zone
    local = created_at.astimezone(tz).date()
    return local, local.year


def retention_dates(created_at: datetime, time_zone: str | tzinfo) -> tuple[date, date]:
    """Guideline 4: keep records "until the end of the third complete calendar year after the end
    of the calendar year" of the request, so 31 Dec (Y+3), and purge from 1 Jan (Y+4)."""
    _, year = local_date_and_year(created_at, time_zone)
    return retention_of_year(year)


def retention_of_year(year: int) -> tuple[date, date]:
    """The retain-until and purge dates of a request of year Y (docs/copyright.md section 7)."""
    return date(year + 3, 12, 31), date(year + 4, 1, 1)


@lru_cache(maxsize=65536)
def _local_year(created_at: datetime, time_zone: str) -> int:
    return created_at.astimezone(zone(time_zone)).year


def window_cutoff(local_date: date, years: int) -> date:
    """The local request date minus `years` calendar years; 29 Feb becomes 28 Feb
    (docs/copyright.md section 2)."""
    year = local_date.year - years
    if year < MINYEAR:
        return date.min
    try:
        return local_date.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


# --- what a request is about: computed once per evaluation ----------------------------------


@dataclass(frozen=True, slots=True)
class Subject:
    """A request's local date and year, its values read, and its title or work key under the
    authority as it is now (docs/copyright.md section 1). The application computes it once per
    submission: it finds the priors by `key` and `counting_year`, decides with it, and stores
    its date, year and key on the record."""

    request: RequestFacts
    authority: Authority
    local_date: date
    year: int
    facts: ParsedFacts | None  # None for a loan: the guidelines do not read it
    key: KeyResult
    lifetime: bool  # a non-periodical counted over its whole term (COPYRIGHT_NONPERIODICAL_SCOPE)

    @property
    def counting_year(self) -> int | None:
        """The year whose priors count, None when every year does."""
        return None if self.lifetime else self.year


def describe(
    request: RequestFacts,
    settings: RuleSettings = DEFAULT_SETTINGS,
    authority: Authority = EMPTY_AUTHORITY,
    when: tuple[date, int] | None = None,
) -> Subject:
    """The request as the rules see it: its local date and year (`when`, if the caller needed
    them first), its parsed facts and its key, each worked out once."""
    local_date, year = when or local_date_and_year(request.created_at, settings.time_zone)
    if is_loan(request.service):
        return Subject(request, authority, local_date, year, None, _NO_KEY, lifetime=False)
    facts = parse_facts(request)
    key = request_key(request, authority)
    lifetime = (
        facts.kind is WorkKind.NON_PERIODICAL
        and settings.nonperiodical_scope is NonperiodicalScope.TERM
    )
    return Subject(request, authority, local_date, year, facts, key, lifetime)


def request_key(request: RequestFacts, authority: Authority) -> KeyResult:
    """The title or work key of a copy request: the one derivation used when deciding, when
    re-keying after a change of the authority and when evaluating again (docs/copyright.md
    section 10, ruling 2). An item of the office's collections named by the request never forms
    a key."""
    return citation_key(
        request.work_kind, request.title, request.author, request.issns, request.isbns, authority
    )


# (normalized title, key): a title the cited title is compared with, and the key it is under.
KnownTitle = tuple[str, str]


def _no_confirmation() -> bool:
    return False


@dataclass(frozen=True, slots=True)
class KeyDoubt:
    """What ruling 6 compares the title of a copy about to be counted with (docs/copyright.md
    section 10): `titles`, the authority's titles and those the institution cited in Y and Y-1,
    each with its key; `confirmed`, whether staff confirmed the request's key for the
    institution. Both are called only when a copy would be counted under a key that can be in
    doubt, so the application reads them from the database only then."""

    titles: Callable[[], Iterable[KnownTitle]]
    confirmed: Callable[[], bool] = _no_confirmation


def doubt_from_history(
    subject: Subject, priors: Sequence[PriorRequest], settings: RuleSettings
) -> KeyDoubt:
    """Ruling 6 from what a vector gives: the authority's titles, and the titles of the
    institution's periodical priors of Y and Y-1 with their derived keys."""

    def titles() -> list[KnownTitle]:
        known = [(title, key) for title, key in subject.authority.title_keys()]
        for prior in priors:
            title = clean(prior.title)
            if (
                title is None
                or prior.institution not in (None, subject.request.institution)
                or canonical(WorkKind, prior.work_kind) is not WorkKind.PERIODICAL
                or not subject.year - 1 <= _prior_year(prior, settings.time_zone) <= subject.year
            ):
                continue
            key = _prior_key(prior, subject.authority)
            if key is not None:
                known.append((title, key))
        return known

    return KeyDoubt(titles)


def key_doubt(subject: Subject, doubt: KeyDoubt) -> str | None:
    """Why a periodical copy's key may not be the journal the library meant, or None
    (docs/copyright.md section 10, ruling 6): its key did not come from an ISSN found in the
    authority, and its title matches a title under another key. Staff then confirm the key, so
    no variant spelling of a journal can start a fresh count."""
    key, title = subject.key, clean(subject.request.title)
    if key.key is None or title is None or key.source is KeySource.ISSN_GROUP:
        return None
    by_title: dict[str, set[str]] = {}
    for known, known_key in doubt.titles():
        if known_key != key.key:
            by_title.setdefault(normalize_title(known), set()).add(known_key)
    matches = matching_titles(title, by_title)
    if not matches or doubt.confirmed():
        return None
    return f"the title {title!r} matches {matches[0]!r}, which is counted apart"


# --- the case being decided ------------------------------------------------------------------


@dataclass(slots=True)
class _Case:
    request: RequestFacts
    settings: RuleSettings
    authority: Authority
    local_date: date
    year: int
    facts: ParsedFacts
    key: KeyResult
    priors: Sequence[PriorRequest]
    periodical: bool
    doubt: KeyDoubt
    subject: Subject
    corrected: bool = False  # R9 found an `older_than_window` basis on a recent article
    _holding: list[tuple[PriorRequest, int]] | None = None

    def holding_same_key(self) -> list[tuple[PriorRequest, int]]:
        """The institution's priors holding a slot under this key, with their year.

        R7 and R10/R11 look only at these, so each prior's key and year are computed once.
        """
        if self._holding is None:
            self._holding = [
                (prior, _prior_year(prior, self.settings.time_zone))
                for prior in self.priors
                if canonical(Status, prior.status) in HOLDING_SLOT
                and prior.institution in (None, self.request.institution)
                and _prior_key(prior, self.authority) == self.key.key
            ]
        return self._holding

    @property
    def title(self) -> str:
        return clean(self.request.title) or "this title"

    def flags(self, *, corrected: bool = False) -> tuple[Flag, ...]:
        flags = []
        if self.periodical and self.key.unverified:
            flags.append(Flag.UNVERIFIED_TITLE_KEY)
        if corrected or self.corrected:
            flags.append(Flag.STATEMENT_CORRECTED)
        if self.repeated_article():
            flags.append(Flag.REPEATED_ARTICLE)
        return tuple(flags)

    def repeated_article(self) -> bool:
        """A reproduction order of an article the institution already has from this holding
        this year (docs/copyright.md section 5): the priors already loaded for the key and year
        hold their article titles, so this costs no query."""
        article = normalize_title(clean(self.request.article) or "")
        if not (self.request.holding and article):
            return False
        return any(
            year == self.year and normalize_title(clean(prior.article) or "") == article
            for prior, year in self.holding_same_key()
        )

    def decision(
        self,
        outcome: Outcome,
        rule: Rule,
        explanation: str,
        *,
        counted: bool = False,
        copy_number: int | None = None,
        counted_ids: tuple[str, ...] = (),
        corrected: bool = False,
        flags: tuple[Flag, ...] = (),
    ) -> Decision:
        flags = (*self.flags(corrected=corrected), *flags)
        if Flag.REPEATED_ARTICLE in flags:
            explanation += f" Your institution already received this article in {self.year}."
        return Decision(
            outcome=outcome,
            rule=rule,
            counted=counted,
            copy_number=copy_number,
            title_key=self.key.key,
            counted_ids=counted_ids,
            flags=flags,
            explanation=explanation,
            year=self.year,
        )


def _prior_key(prior: PriorRequest, authority: Authority) -> str | None:
    if prior.key is not None:
        return prior.key
    return citation_key(
        prior.work_kind, prior.title, prior.author, prior.issns, prior.isbns, authority
    ).key


def _prior_year(prior: PriorRequest, time_zone: str) -> int:
    if prior.year is not None:
        return prior.year
    assert prior.created_at is not None  # PriorRequest guarantees one of the two
    return _local_year(prior.created_at, time_zone)


# --- the rules, in the order of docs/copyright.md section 4: the first that decides wins ------

_RuleFn = Callable[[_Case], "Decision | None"]


def _r1_completeness(case: _Case) -> Decision | None:
    reason = _missing_fact(case)
    if reason is None:
        return None
    return case.decision(
        Outcome.REJECT_INCOMPLETE,
        Rule.R1,
        f"This request is returned because {reason}; please correct it and resubmit.",
    )


def _missing_fact(case: _Case) -> str | None:
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


def _o1_staff_determination(case: _Case) -> Decision | None:
    determination = case.facts.determination
    if determination is None:
        return None
    return case.decision(
        Outcome.ACCEPT_CCL,
        Rule.O1,
        f"Staff recorded {determination}, so the copy is supplied under CCL "
        "and does not count toward the limit.",
    )


def _r2_permission(case: _Case) -> Decision | None:
    reference = clean(case.request.permission_reference)
    if reference is None:
        return None
    return case.decision(
        Outcome.ACCEPT_CCG,
        Rule.R2,
        f"Permission {reference} is recorded, so the copy is supplied under CCG "
        "without using one of the guideline copies.",
    )


def _r2_permission_to_confirm(case: _Case) -> Decision | None:
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


def _r3_public_domain(case: _Case) -> Decision | None:
    if case.facts.basis is not Basis.PUBLIC_DOMAIN and not case.facts.public_domain_found:
        return None
    who = "Staff found the material" if case.facts.public_domain_found else "The material is"
    return case.decision(
        Outcome.ACCEPT_CCL,
        Rule.R3,
        f"{who} in the public domain, so the copy is supplied under CCL and not counted.",
    )


def _o2_rights_review(case: _Case) -> Decision | None:
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


def _r4_purpose(case: _Case) -> Decision | None:
    if case.facts.purpose is Purpose.RESEARCH:
        return None
    return case.decision(
        Outcome.REFUSE,
        Rule.R4,
        "Section 108(d)(1) allows copies only for private study, scholarship or research, "
        "so this request is refused.",
    )


def _r5_material(case: _Case) -> Decision | None:
    excluded = _EXCLUDED_MATERIAL.get(case.facts.material)
    if excluded is None:
        return None
    return case.decision(
        Outcome.REFUSE,
        Rule.R5,
        f"Section 108(i) excludes {excluded} from library copying, so this request is refused.",
    )


def _r6_amount(case: _Case) -> Decision | None:
    too_much = _TOO_MUCH.get(case.facts.extent) or _pages_too_many(case)
    if too_much is None:
        return None
    return case.decision(
        Outcome.NEEDS_PERMISSION,
        Rule.R6,
        f"The request asks for {too_much}, more than section 108(d) allows, "
        f"so it {_PERMISSION_OR_STAFF}.",
    )


def _pages_too_many(case: _Case) -> str | None:
    # Clarification 10: only non-periodicals with both page counts; a non-positive total is no
    # usable count, so it does not match either.
    pages, total = case.request.pages_requested, case.request.total_pages
    if case.periodical or pages is None or total is None or total <= 0:
        return None
    limit = case.settings.small_part_max_fraction
    if pages / total <= limit:
        return None
    return f"{pages} of {total} pages ({pages / total:.1%}, above {limit:.0%})"


def _r7_one_article_per_issue(case: _Case) -> Decision | None:
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
                f"issue {_PERMISSION_OR_STAFF} (section 108(d), 108(g)(1)).",
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


def _r8_own_copy(case: _Case) -> Decision | None:
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


def _r9_window(case: _Case) -> Decision | None:
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


def _inside_window(case: _Case) -> bool:
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


def _r10_r11_count(case: _Case) -> Decision:
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
        f"a {_ordinal(copy_number)} {_PERMISSION_OR_STAFF}{_fair_use_note(case)}.",
        copy_number=copy_number,
        counted_ids=counted_ids,
    )


def _lifetime(case: _Case) -> bool:
    return not case.periodical and case.settings.nonperiodical_scope is NonperiodicalScope.TERM


def _limit_and_rule(case: _Case) -> tuple[int, Rule]:
    if case.periodical:
        return case.settings.periodical_limit, Rule.R10
    return case.settings.nonperiodical_limit, Rule.R11


def _period(case: _Case) -> str:
    return "" if _lifetime(case) else f" in {case.year}"


def _per(case: _Case) -> str:
    if _lifetime(case):
        return "per work while it is in copyright"
    return f"per {'title' if case.periodical else 'work'} per year"


def _fair_use_note(case: _Case) -> str:
    return ", and your fair-use note goes to staff" if case.facts.basis is Basis.FAIR_USE else ""


def _counted_prior_ids(case: _Case) -> tuple[str, ...]:
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


_RULES: tuple[_RuleFn, ...] = (
    _r1_completeness,
    _o1_staff_determination,
    _r2_permission,
    _r2_permission_to_confirm,
    _r3_public_domain,
    _o2_rights_review,
    _r4_purpose,
    _r5_material,
    _r6_amount,
    _r7_one_article_per_issue,
    _r8_own_copy,
    _r9_window,
    _r10_r11_count,
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
    case = _Case(
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
