"""What the rules read of a request, worked out once per evaluation (docs/copyright.md section
1, and section 10, ruling 6): its local date and year, its values read and its key (`Subject`),
whether its cited title puts the key in doubt, and the `Case` each rule of section 4 reads. With
the date arithmetic of the window and of retention (sections 2 and 7). Pure Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import MINYEAR, date, datetime, tzinfo
from functools import lru_cache

from disarm import skeleton_key
from rapidfuzz import fuzz, process

from copyright_rules.configuration import DateMode, NonperiodicalScope, RuleSettings, zone
from copyright_rules.facts import (
    Decision,
    Flag,
    Outcome,
    ParsedFacts,
    PriorRequest,
    PublicationDate,
    RequestFacts,
    Rule,
    WorkKind,
    canonical,
    clean,
    is_copy,
    is_loan,
    parse_facts,
)
from copyright_rules.keys import (
    CACHE_SIZE,
    EMPTY_AUTHORITY,
    Authority,
    KeyResult,
    KeySource,
    citation_key,
    normalize_title,
)
from copyright_rules.vocabulary import HOLDING_SLOT, SUPPLIED, Status

DEFAULT_SETTINGS = RuleSettings()
_NO_KEY = KeyResult(None, KeySource.NONE)


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
def local_year(created_at: datetime, time_zone: str) -> int:
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


def inside_window(publication: PublicationDate, local_date: date, settings: RuleSettings) -> bool:
    """Whether an issue so dated is inside the window of a request made on `local_date` (R9,
    docs/copyright.md section 2)."""
    years = settings.window_years
    if settings.date_mode is DateMode.CALENDAR_YEARS:
        return publication.year > local_date.year - years
    # "published ... within five years prior to the date of the request": an issue dated
    # exactly five years earlier is inside (guideline 1(a)).
    return publication.latest >= window_cutoff(local_date, years)


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
    # The year whose priors count; None when every year does: a non-periodical counted over its
    # whole term (COPYRIGHT_NONPERIODICAL_SCOPE).
    counting_year: int | None


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
        return Subject(request, authority, local_date, year, None, _NO_KEY, year)
    facts = parse_facts(request)
    key = citation_key(
        request.work_kind, request.title, request.author, request.issns, request.isbns, authority
    )
    lifetime = (
        facts.kind is WorkKind.NON_PERIODICAL
        and settings.nonperiodical_scope is NonperiodicalScope.TERM
    )
    return Subject(request, authority, local_date, year, facts, key, None if lifetime else year)


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
        known = list(subject.authority.by_title.items())
        for prior in priors:
            title = clean(prior.title)
            if (
                title is None
                or prior.institution not in (None, subject.request.institution)
                or canonical(WorkKind, prior.work_kind) is not WorkKind.PERIODICAL
                or not subject.year - 1 <= prior_year_of(prior, settings.time_zone) <= subject.year
            ):
                continue
            key = prior_key(prior, subject.authority)
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
    return f"the title {title!r} {how_titles_match(title, matches[0])}"


def how_titles_match(title: str, other: str) -> str:
    """How the cited title matches `other` (normalized), in the library's words (ruling 6):
    the normalized form itself would read as a misspelling of what the library typed."""
    normalized = normalize_title(title)
    if other == normalized:
        return "is spelled the same as a title counted separately"
    if title_skeleton(other) == title_skeleton(normalized):
        return "looks the same as a title counted separately (some letters are of another alphabet)"
    if is_abbreviation(normalized, other):
        if len(normalized) < len(other):
            return "may be an abbreviation of a title counted separately"
        return "may be the full form of an abbreviated title counted separately"
    return "is spelled much like a title counted separately"


def prior_key(prior: PriorRequest, authority: Authority) -> str | None:
    if prior.key is not None:
        return prior.key
    return citation_key(
        prior.work_kind, prior.title, prior.author, prior.issns, prior.isbns, authority
    ).key


def prior_year_of(prior: PriorRequest, time_zone: str) -> int:
    if prior.year is not None:
        return prior.year
    assert prior.created_at is not None  # PriorRequest guarantees one of the two
    return local_year(prior.created_at, time_zone)


# Ruling 6: a similarity ratio (rapidfuzz, 0-100) of at least this makes two titles match:
# "natur" and "nature" score 91, "nature" and "science" 31.
MATCH_SCORE = 85.0


# Ruling 6: skipped when comparing an abbreviation with the title it abbreviates.
_ARTICLES_AND_CONJUNCTIONS = frozenset({"the", "a", "an", "and", "or", "nor", "but"})


@lru_cache(maxsize=CACHE_SIZE)
def title_skeleton(normalized: str) -> str:
    """The Unicode confusable skeleton (UTS #39) of a normalized title: a Cyrillic `а` in
    "Nаture" has the skeleton of the Latin `a`."""
    return str(skeleton_key(normalized, digit_policy="tr39"))


@lru_cache(maxsize=CACHE_SIZE)
def _significant_words(normalized: str) -> tuple[str, ...]:
    return tuple(word for word in normalized.split() if word not in _ARTICLES_AND_CONJUNCTIONS)


def is_abbreviation(one: str, other: str) -> bool:
    """Ruling 6: each word of the shorter normalized title, in order, is a prefix of the
    corresponding significant word of the other (`coll res libr` of `college and research
    libraries`); articles and conjunctions are skipped."""
    shorter, longer = sorted((_significant_words(one), _significant_words(other)), key=len)
    if not shorter:
        return False
    return all(word.startswith(part) for part, word in zip(shorter, longer, strict=False))


def matching_titles(title: str | None, known: Iterable[str]) -> list[str]:
    """The known titles (normalized with `normalize_title`) that the cited title matches
    (docs/copyright.md section 10, ruling 6): equal, equal confusable skeletons, an
    abbreviation of one by the other, or a similarity ratio of at least MATCH_SCORE."""
    normalized = normalize_title(clean(title) or "")
    if not normalized:
        return []
    candidates = list(dict.fromkeys(known))
    close = {
        match
        for match, _, _ in process.extract(
            normalized, candidates, scorer=fuzz.ratio, score_cutoff=MATCH_SCORE, limit=None
        )
    }
    return [
        other
        for other in candidates
        if other in close
        or other == normalized
        or title_skeleton(other) == title_skeleton(normalized)
        or is_abbreviation(normalized, other)
    ]


def issue_id(volume: str | None, issue: str | None, published: str | None) -> tuple[object, ...]:
    """The issue a citation names, as R7 compares issues (clarification 11): its numbering when
    either part is given, else the date as given; a numbered and an unnumbered item never match
    because the tuples have different tags."""
    volume, issue = clean(volume), clean(issue)
    if volume is not None or issue is not None:
        return ("numbered", volume, issue)
    return ("dated", clean(published))


def other_article(
    prior: PriorRequest, patron: str, article: str, issue: tuple[object, ...]
) -> bool:
    """Whether `prior` is, for R7, a periodical copy for the same patron and issue of another
    article (clarification 11); articles compared after the normalization of titles (ruling 7)."""
    prior_article = clean(prior.article)
    return (
        canonical(WorkKind, prior.work_kind) is WorkKind.PERIODICAL
        and is_copy(prior.service)
        and clean(prior.patron_ref) == patron
        and prior_article is not None
        and normalize_title(prior_article) != normalize_title(article)
        and issue_id(prior.volume, prior.issue, prior.publication_date) == issue
    )


# What a copy beyond the guidelines needs; the rules of several groups say it.
PERMISSION_OR_STAFF = "needs copyright permission or a staff determination"


@dataclass(slots=True)
class Case:
    """What each rule reads: the request described, its priors, the settings and what ruling 6
    compares its title with."""

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
    title: str  # as the explanations name it
    corrected: bool = False  # R9 found an `older_than_window` basis on a recent article
    _holding: list[tuple[PriorRequest, int]] | None = None

    def holding_same_key(self) -> list[tuple[PriorRequest, int]]:
        """The institution's priors holding a slot under this key, with their year.

        R7 and R10/R11 look only at these, so each prior's key and year are computed once.
        """
        if self._holding is None:
            self._holding = [
                (prior, prior_year_of(prior, self.settings.time_zone))
                for prior in self.priors
                if canonical(Status, prior.status) in HOLDING_SLOT
                and prior.institution in (None, self.request.institution)
                and prior_key(prior, self.authority) == self.key.key
            ]
        return self._holding

    def repeated_article(self) -> frozenset[Status]:
        """The statuses of the institution's earlier requests this year for the same article of
        this holding, none when it has none (docs/copyright.md section 4, "Reproduction
        orders"): the priors already loaded for the key and year hold their article titles, so
        this costs no query."""
        article = normalize_title(clean(self.request.article) or "")
        if not article:
            return frozenset()
        return frozenset(
            status
            for prior, year in self.holding_same_key()
            if year == self.year and normalize_title(clean(prior.article) or "") == article
            if (status := canonical(Status, prior.status)) is not None
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
        """The decision of the rule that decides, with the flags every rule's decision carries
        (docs/copyright.md section 3) before the rule's own `flags`."""
        found = []
        if self.periodical and self.key.unverified:
            found.append(Flag.UNVERIFIED_TITLE_KEY)
        if corrected or self.corrected:
            found.append(Flag.STATEMENT_CORRECTED)
        repeated = self.repeated_article() if self.facts.holding else frozenset()
        if repeated:
            found.append(Flag.REPEATED_ARTICLE)
            # Received once an earlier one was sent; until then only ordered.
            done = "received" if repeated & SUPPLIED else "ordered"
            explanation += f" Your institution already {done} this article in {self.year}."
        return Decision(
            outcome=outcome,
            rule=rule,
            counted=counted,
            copy_number=copy_number,
            title_key=self.key.key,
            counted_ids=counted_ids,
            flags=(*found, *flags),
            explanation=explanation,
            year=self.year,
        )
