"""What a request is about, worked out once per evaluation: its date, year and key, and whether
its cited title puts the key in doubt (docs/copyright.md section 1 and section 10, ruling 6)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from copyright_rules.configuration import NonperiodicalScope, RuleSettings
from copyright_rules.facts import (
    PriorRequest,
    RequestFacts,
    WorkKind,
    clean,
)
from copyright_rules.keys import (
    EMPTY_AUTHORITY,
    Authority,
    KeyResult,
    KeySource,
    citation_key,
    matching_titles,
)
from copyright_rules.normalize import normalize_title
from copyright_rules.reading import (
    ParsedFacts,
    canonical,
    is_loan,
    parse_facts,
)
from copyright_rules.rules.dates import local_date_and_year, local_year

DEFAULT_SETTINGS = RuleSettings()
_NO_KEY = KeyResult(None, KeySource.NONE)


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
    return f"the title {title!r} matches {matches[0]!r}, which is counted apart"


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
