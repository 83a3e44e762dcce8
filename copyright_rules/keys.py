"""Identifiers, titles and the keys built from them: docs/copyright.md section 1, clarifications
2-5 and 8 of its section 9, and ruling 7 of its section 10. Pure Python, no Django.

Normalized as the rules compare them: ISSNs and ISBNs checked by their check digit, titles and
authors lower-cased without punctuation. CONTU guideline 1(a) counts copies "with respect to any
given periodical (as opposed to any given issue)", and 1(b) "from any given work": the key
decides which requests are the same periodical or work.

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

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from stdnum import isbn as stdnum_isbn
from stdnum import issn as stdnum_issn

from copyright_rules.facts import WorkKind, canonical, clean

CACHE_SIZE = 65536


# Clarification 2: only hyphens are removed. U+2010/U+2011 are hyphens too (pasted from PDFs);
# dashes and spaces are not, so `0028 0836` and `ISSN 0028-0836` stay invalid, stricter than stdnum.
_HYPHENS = str.maketrans("", "", "-\u2010\u2011")


_ISSN_SHAPE = re.compile(r"[0-9]{7}[0-9X]", re.ASCII)


_ISBN_SEPARATORS = str.maketrans("", "", "-\u2010\u2011 ")


_ISBN_SHAPE = re.compile(r"[0-9]{9}[0-9X]|[0-9]{13}", re.ASCII)


_APOSTROPHES = frozenset("'\u2019\u02bc")


# Ruling 7: quotation marks used as apostrophes are apostrophes. Read before NFKC, which turns
# U+00B4 into a space and a combining accent.
_AS_APOSTROPHE = str.maketrans(dict.fromkeys("\u2018\u201b\u0060\u00b4", "'"))


_LEADING_ARTICLES = ("the ", "a ", "an ")


@lru_cache(maxsize=CACHE_SIZE)
def normalize_issn(value: str) -> str | None:
    """`NNNN-NNNC` with an upper-case X, or None when the input is not a valid ISSN (ISO 3297)."""
    compact = value.strip().translate(_HYPHENS).upper()
    if not _ISSN_SHAPE.fullmatch(compact) or not stdnum_issn.is_valid(compact):
        return None
    return f"{compact[:4]}-{compact[4:]}"


@lru_cache(maxsize=CACHE_SIZE)
def normalize_isbn(value: str) -> str | None:
    """The ISBN-13 (digits only), or None: a wrong check digit is never repaired (clarif. 2)."""
    compact = value.strip().translate(_ISBN_SEPARATORS).upper()
    if not _ISBN_SHAPE.fullmatch(compact) or not stdnum_isbn.is_valid(compact):
        return None
    return stdnum_isbn.to_isbn13(compact)


class _PunctuationTable(dict[int, str | None]):
    """A `str.translate` table filled on first sight of each character (clarification 5).

    Apostrophes are deleted (`Children's` -> `childrens`); other Unicode punctuation (P*) becomes
    a space; everything else, symbols (S*) included, is kept.
    """

    def __missing__(self, codepoint: int) -> str | None:
        char = chr(codepoint)
        if char in _APOSTROPHES:
            result: str | None = None
        elif unicodedata.category(char).startswith("P"):
            result = " "
        else:
            result = char
        self[codepoint] = result
        return result


_PUNCTUATION = _PunctuationTable()


def _normalize_text(value: str) -> str:
    # Ruling 7: format characters (Cf: U+200B, U+00AD, U+2060...) are removed.
    value = "".join(
        char for char in value.translate(_AS_APOSTROPHE) if unicodedata.category(char) != "Cf"
    )
    text = unicodedata.normalize("NFKC", value).casefold()
    # Clarification 4: `&` becomes ` and ` before punctuation (it is Po) and whitespace handling.
    text = text.replace("&", " and ").translate(_PUNCTUATION)
    return " ".join(text.split())


@lru_cache(maxsize=CACHE_SIZE)
def normalize_title(value: str) -> str:
    """docs/copyright.md section 1: format characters removed, NFKC, casefold, `&` -> and,
    punctuation removed (quotation marks used as apostrophes deleted), one leading article
    removed."""
    text = _normalize_text(value)
    for article in _LEADING_ARTICLES:
        if text.startswith(article):
            return text[len(article) :]
    return text


def first_author(author: str | Sequence[str] | None) -> str:
    """Clarification 8: the text before the first `;`, or the first item of a list."""
    if author is None:
        return ""
    if isinstance(author, str):
        return author.split(";", 1)[0]
    return author[0] if author else ""


@lru_cache(maxsize=CACHE_SIZE)
def _normalize_author_text(value: str) -> str:
    return _normalize_text(value)


def normalize_author(author: str | Sequence[str] | None) -> str:
    """Normalized like a title, but a leading `A.` is an initial, not an article (clarif. 8)."""
    return _normalize_author_text(first_author(author))


ISSN_GROUP_PREFIX = "ISSN-GROUP:"
ISBN_GROUP_PREFIX = "ISBN-GROUP:"
ISSN_PREFIX = "ISSN:"
TITLE_PREFIX = "TITLE:"
ISBN_PREFIX = "ISBN:"
WORK_PREFIX = "WORK:"


# The key cache holds the authorities it was called with alive; the application reads a small
# one per request, so it stays small enough that retained authorities add up to little memory.
_KEY_CACHE_SIZE = 4096


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


@dataclass(frozen=True, slots=True, eq=False)
class Authority:
    """The staff-maintained title authority as the keys read it (docs/copyright.md section 1):
    each normalized ISSN, title and ISBN-13 it lists, with the key of its group. The database
    gives the rows a request's identifiers touch (`of_rows`), a vector its groups (`of_groups`).
    Compared by identity, so it can be part of a cache key."""

    by_issn: Mapping[str, str] = field(default_factory=dict)
    by_title: Mapping[str, str] = field(default_factory=dict)
    by_isbn: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of_rows(cls, rows: Iterable[tuple[object, str, str]]) -> Authority:
        """From (group id, kind, value) rows, values normalized as `TitleIdentifier` stores
        them; an identifier listed in two groups belongs to the first."""
        index: dict[str, dict[str, str]] = {kind: {} for kind in IdentifierKind}
        for group_id, kind, value in rows:
            prefix = ISBN_GROUP_PREFIX if kind == IdentifierKind.ISBN else ISSN_GROUP_PREFIX
            index[kind].setdefault(value, f"{prefix}{group_id}")
        return cls(
            index[IdentifierKind.ISSN], index[IdentifierKind.TITLE], index[IdentifierKind.ISBN]
        )

    @classmethod
    def of_groups(
        cls,
        issn_groups: Sequence[Sequence[str]] = (),
        title_groups: Mapping[str, int | str] | None = None,
        isbn_groups: Sequence[Sequence[str]] = (),
        *,
        issn_group_ids: Sequence[str] | None = None,
        isbn_group_ids: Sequence[str] | None = None,
    ) -> Authority:
        """A vector's `authority` (docs/copyright.md section 8): `issn_groups` and `isbn_groups`
        list the identifiers of one title or one work, each group's id its position unless
        given; `title_groups` maps an already normalized title to an ISSN group, by position or
        by id. Invalid identifiers are skipped, as invalid citations are, so one bad authority
        row cannot stop every decision."""
        issn_ids = _group_ids(issn_groups, issn_group_ids)
        rows: list[tuple[object, str, str]] = [
            (group_id, IdentifierKind.ISSN, issn)
            for group_id, members in zip(issn_ids, issn_groups, strict=True)
            for issn in map(normalize_issn, members)
            if issn
        ]
        for title, group in (title_groups or {}).items():
            in_range = isinstance(group, int) and 0 <= group < len(issn_ids)
            group_id = issn_ids[group] if isinstance(group, int) and in_range else group
            if group_id not in issn_ids:
                raise ValueError(f"title {title!r} names an unknown ISSN group {group!r}")
            rows.append((group_id, IdentifierKind.TITLE, title))
        isbn_ids = _group_ids(isbn_groups, isbn_group_ids)
        rows += [
            (group_id, IdentifierKind.ISBN, isbn)
            for group_id, members in zip(isbn_ids, isbn_groups, strict=True)
            for isbn in map(normalize_isbn, members)
            if isbn
        ]
        return cls.of_rows(rows)


def _group_ids(groups: Sequence[object], ids: Sequence[str] | None) -> tuple[str, ...]:
    if ids is None:
        return tuple(str(index) for index in range(len(groups)))
    if len(ids) != len(groups) or len(set(ids)) != len(ids):
        raise ValueError("group ids must be unique, one per group")
    return tuple(str(group_id) for group_id in ids)


EMPTY_AUTHORITY = Authority()


@dataclass(frozen=True, slots=True)
class KeyResult:
    key: str | None
    source: KeySource

    @property
    def unverified(self) -> bool:
        """Clarification 9: a key from step 3 or 4 is flagged for staff."""
        return self.source in UNVERIFIED_SOURCES


def periodical_key(
    title: str | None, issns: Sequence[str], authority: Authority = EMPTY_AUTHORITY
) -> KeyResult:
    """The title key, in the order of docs/copyright.md section 1; clarification 3: cited ISSNs
    are tried in order."""
    valid = [issn for issn in map(normalize_issn, issns) if issn]
    for issn in valid:
        if issn in authority.by_issn:
            return KeyResult(authority.by_issn[issn], KeySource.ISSN_GROUP)
    normalized = normalize_title(clean(title) or "")
    if normalized and normalized in authority.by_title:
        return KeyResult(authority.by_title[normalized], KeySource.TITLE_GROUP)
    if valid:
        return KeyResult(ISSN_PREFIX + valid[0], KeySource.ISSN)
    if normalized:
        return KeyResult(TITLE_PREFIX + normalized, KeySource.TITLE)
    return KeyResult(None, KeySource.NONE)


def work_key(
    title: str | None,
    author: str | Sequence[str] | None,
    isbns: Sequence[str],
    authority: Authority = EMPTY_AUTHORITY,
) -> KeyResult:
    """The work key: an authority ISBN group, else `ISBN:`, else `WORK:title|author`.

    A work needs an identifier or a title: an author alone does not name a work.
    """
    valid = [isbn13 for isbn13 in map(normalize_isbn, isbns) if isbn13]
    for isbn13 in valid:
        if isbn13 in authority.by_isbn:
            return KeyResult(authority.by_isbn[isbn13], KeySource.ISBN_GROUP)
    if valid:
        return KeyResult(ISBN_PREFIX + valid[0], KeySource.ISBN)
    normalized = normalize_title(clean(title) or "")
    if normalized:
        return KeyResult(f"{WORK_PREFIX}{normalized}|{normalize_author(author)}", KeySource.WORK)
    return KeyResult(None, KeySource.NONE)


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
