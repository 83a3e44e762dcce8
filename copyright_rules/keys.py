"""Title keys (periodicals) and work keys (non-periodicals): docs/copyright.md section 1, and
clarifications 2-5 and 8 of its section 9.

CONTU guideline 1(a) counts copies "with respect to any given periodical (as opposed to any given
issue)", and 1(b) "from any given work": the key decides which requests are the same periodical
or work. Pure Python, no Django.

Key strings:

- `ISSN-GROUP:<group id>` / `ISBN-GROUP:<group id>`: a group of the title authority. The group id
  is the id the authority was built with (the database passes its primary keys), by default the
  group's position in the list. The key never depends on which member identifier was cited.
- `ISSN:NNNN-NNNC`: the first valid cited ISSN, when none is in the authority (step 3).
- `TITLE:<normalized title>`: step 4.
- `ISBN:<ISBN-13>`: the first valid cited ISBN, when none is in the authority.
- `WORK:<normalized title>|<normalized first author>`.

An item of the office's collections (call number, reproduction number, digital id) never forms a
key (docs/copyright.md section 10, ruling 2): a reproduction order is keyed like any other copy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from disarm import skeleton_key
from rapidfuzz import fuzz, process

from copyright_rules.normalize import (
    CACHE_SIZE,
    normalize_author,
    normalize_isbn,
    normalize_issn,
    normalize_title,
)
from copyright_rules.reading import canonical

from .facts import WorkKind, clean

ISSN_GROUP_PREFIX = "ISSN-GROUP:"


ISBN_GROUP_PREFIX = "ISBN-GROUP:"


ISSN_PREFIX = "ISSN:"


TITLE_PREFIX = "TITLE:"


ISBN_PREFIX = "ISBN:"


WORK_PREFIX = "WORK:"


# Caches keyed by an Authority hold it alive; the application builds a small one per request,
# so these stay small enough that retained authorities cannot add up to much memory.
_KEY_CACHE_SIZE = 4096


_Normalizer = Callable[[str], "str | None"]


class KeySource(StrEnum):
    ISSN_GROUP = "issn_group"
    TITLE_GROUP = "title_group"
    ISSN = "issn"
    TITLE = "title"
    ISBN_GROUP = "isbn_group"
    ISBN = "isbn"
    WORK = "work"
    NONE = "none"


UNVERIFIED_SOURCES: frozenset[KeySource] = frozenset({KeySource.ISSN, KeySource.TITLE})


class IdentifierKind(StrEnum):
    """The identifiers a title authority group lists and a citation cites."""

    ISSN = "issn"
    ISBN = "isbn"
    TITLE = "title"


IDENTIFIER_KIND_LABELS: dict[IdentifierKind, str] = {
    IdentifierKind.ISSN: "ISSN",
    IdentifierKind.ISBN: "ISBN-13",
    IdentifierKind.TITLE: "Normalized title",
}


Identifier = tuple[IdentifierKind, str]


def _group_ids(groups: Sequence[object], ids: Sequence[str] | None) -> tuple[str, ...]:
    if ids is None:
        return tuple(str(index) for index in range(len(groups)))
    if len(ids) != len(groups) or len(set(ids)) != len(ids):
        raise ValueError("group ids must be unique, one per group")
    return tuple(str(group_id) for group_id in ids)


def _index_members(
    groups: Sequence[Sequence[str]], keys: Sequence[str], normalize: _Normalizer
) -> dict[str, str]:
    # An identifier listed in two groups belongs to the first; invalid ones are skipped, as
    # invalid citations are, so one bad authority row cannot stop every decision.
    index: dict[str, str] = {}
    for members, key in zip(groups, keys, strict=True):
        for member in members:
            normalized = normalize(member)
            if normalized is not None:
                index.setdefault(normalized, key)
    return index


def _title_group_key(group: int | str, keys: list[str], by_id: dict[str, str]) -> str | None:
    """An int is a position in `issn_groups` (the vector format); a string is a group id."""
    if isinstance(group, int):
        return keys[group] if 0 <= group < len(keys) else None
    return by_id.get(group)


@dataclass(frozen=True, slots=True, eq=False)
class Authority:
    """The staff-maintained title authority (a vector's `authority`, docs/copyright.md 8).

    `issn_groups` and `isbn_groups` list the identifiers of one title or one work; `title_groups`
    maps an already normalized title to an ISSN group, by index or by group id. Compared by
    identity, so it can be part of a cache key.
    """

    issn_groups: Sequence[Sequence[str]] = ()
    title_groups: Mapping[str, int | str] = field(default_factory=dict)
    isbn_groups: Sequence[Sequence[str]] = ()
    issn_group_ids: Sequence[str] | None = None
    isbn_group_ids: Sequence[str] | None = None
    _by_issn: dict[str, str] = field(init=False, repr=False)
    _by_title: dict[str, str] = field(init=False, repr=False)
    _by_isbn: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        issn_ids = _group_ids(self.issn_groups, self.issn_group_ids)
        isbn_ids = _group_ids(self.isbn_groups, self.isbn_group_ids)
        issn_keys = [ISSN_GROUP_PREFIX + group_id for group_id in issn_ids]
        isbn_keys = [ISBN_GROUP_PREFIX + group_id for group_id in isbn_ids]
        object.__setattr__(
            self, "_by_issn", _index_members(self.issn_groups, issn_keys, normalize_issn)
        )
        object.__setattr__(
            self, "_by_isbn", _index_members(self.isbn_groups, isbn_keys, normalize_isbn)
        )
        object.__setattr__(self, "_by_title", self._title_index(issn_ids, issn_keys))

    def _title_index(self, ids: tuple[str, ...], keys: list[str]) -> dict[str, str]:
        by_id = dict(zip(ids, keys, strict=True))
        index: dict[str, str] = {}
        for title, group in self.title_groups.items():
            key = _title_group_key(group, keys, by_id)
            if key is None:
                raise ValueError(f"title {title!r} names an unknown ISSN group {group!r}")
            index[title] = key
        return index

    def issn_group_key(self, issn: str) -> str | None:
        return self._by_issn.get(issn)

    def title_group_key(self, normalized_title: str) -> str | None:
        return self._by_title.get(normalized_title)

    def isbn_group_key(self, isbn13: str) -> str | None:
        return self._by_isbn.get(isbn13)

    def title_keys(self) -> list[tuple[str, str]]:
        """Every title the authority lists, with the key of its journal's group."""
        return list(self._by_title.items())


EMPTY_AUTHORITY = Authority()


@dataclass(frozen=True, slots=True)
class KeyResult:
    key: str | None
    source: KeySource
    invalid_issns: tuple[str, ...] = ()
    invalid_isbns: tuple[str, ...] = ()

    @property
    def unverified(self) -> bool:
        """Clarification 9: a key from step 3 or 4 is flagged for staff."""
        return self.source in UNVERIFIED_SOURCES


def _split_valid(
    values: tuple[str, ...], normalize: _Normalizer
) -> tuple[list[str], tuple[str, ...]]:
    valid: list[str] = []
    invalid: list[str] = []
    for value in values:
        normalized = normalize(value)
        if normalized is None:
            invalid.append(value)
        else:
            valid.append(normalized)
    return valid, tuple(invalid)


def periodical_key(
    title: str | None, issns: Sequence[str], authority: Authority = EMPTY_AUTHORITY
) -> KeyResult:
    """The title key, in the order of docs/copyright.md section 1; clarification 3: cited ISSNs
    are tried in order."""
    return _periodical_key(clean(title) or "", tuple(issns), authority)


@lru_cache(maxsize=_KEY_CACHE_SIZE)
def _periodical_key(title: str, issns: tuple[str, ...], authority: Authority) -> KeyResult:
    valid, invalid = _split_valid(issns, normalize_issn)
    for issn in valid:
        group_key = authority.issn_group_key(issn)
        if group_key is not None:
            return KeyResult(group_key, KeySource.ISSN_GROUP, invalid)
    normalized = normalize_title(title)
    group_key = authority.title_group_key(normalized) if normalized else None
    if group_key is not None:
        return KeyResult(group_key, KeySource.TITLE_GROUP, invalid)
    if valid:
        return KeyResult(ISSN_PREFIX + valid[0], KeySource.ISSN, invalid)
    if normalized:
        return KeyResult(TITLE_PREFIX + normalized, KeySource.TITLE, invalid)
    return KeyResult(None, KeySource.NONE, invalid)


def work_key(
    title: str | None,
    author: str | Sequence[str] | None,
    isbns: Sequence[str],
    authority: Authority = EMPTY_AUTHORITY,
) -> KeyResult:
    """The work key: an authority ISBN group, else `ISBN:`, else `WORK:title|author`.

    A work needs an identifier or a title: an author alone does not name a work.
    """
    return _work_key(clean(title) or "", normalize_author(author), tuple(isbns), authority)


@lru_cache(maxsize=_KEY_CACHE_SIZE)
def _work_key(title: str, author: str, isbns: tuple[str, ...], authority: Authority) -> KeyResult:
    valid, invalid = _split_valid(isbns, normalize_isbn)
    for isbn13 in valid:
        group_key = authority.isbn_group_key(isbn13)
        if group_key is not None:
            return KeyResult(group_key, KeySource.ISBN_GROUP, invalid_isbns=invalid)
    if valid:
        return KeyResult(ISBN_PREFIX + valid[0], KeySource.ISBN, invalid_isbns=invalid)
    normalized = normalize_title(title)
    if normalized:
        return KeyResult(
            f"{WORK_PREFIX}{normalized}|{author}", KeySource.WORK, invalid_isbns=invalid
        )
    return KeyResult(None, KeySource.NONE, invalid_isbns=invalid)


@lru_cache(maxsize=_KEY_CACHE_SIZE)
def citation_key(
    work_kind: str | None,
    title: str | None,
    author: str | tuple[str, ...] | None,
    issns: tuple[str, ...],
    isbns: tuple[str, ...],
    authority: Authority = EMPTY_AUTHORITY,
) -> KeyResult:
    """The title key of a periodical, the work key of anything else; no key without a kind.

    Cached (the rules call it for every prior), so the arguments must be hashable: tuples, as
    `RequestFacts` and `PriorRequest` hold them.
    """
    kind = canonical(WorkKind, work_kind)
    if kind is WorkKind.PERIODICAL:
        return periodical_key(title, issns, authority)
    if kind is WorkKind.NON_PERIODICAL:
        return work_key(title, author, isbns, authority)
    return KeyResult(None, KeySource.NONE)


def cited_identifiers(
    work_kind: str | None, title: str | None, issns: Sequence[str], isbns: Sequence[str]
) -> tuple[Identifier, ...]:
    """What a citation's key can depend on, normalized as the authority stores it: a change of
    the authority touching none of these cannot change the key (docs/copyright.md section 1)."""
    kind = canonical(WorkKind, work_kind)
    if kind is WorkKind.PERIODICAL:
        normalized = normalize_title(clean(title) or "")
        found = [(IdentifierKind.ISSN, issn) for issn in map(normalize_issn, issns) if issn]
        titles = [(IdentifierKind.TITLE, normalized)] if normalized else []
        return tuple(dict.fromkeys([*found, *titles]))
    if kind is WorkKind.NON_PERIODICAL:
        found = [(IdentifierKind.ISBN, isbn) for isbn in map(normalize_isbn, isbns) if isbn]
        return tuple(dict.fromkeys(found))
    return ()


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
