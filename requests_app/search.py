"""Finding requests from one search box: the staff desk's and the library's own list's
(docs/desk.md, "Search").

Identifiers are normalised into `Request.search_keys` (" KEY1 KEY2 ", upper-case letters and
digits only), so an ISSN is found with or without its hyphen and an ISBN-10 finds the ISBN-13 it
was stored as. Words (titles, author) go into `Request.search_text` without their accents, and a
query's words are folded the same way, so "pamatky" finds "Památky" on either database. On
PostgreSQL full-text GIN
indexes serve both, the keys as tokens (migrations 0003 and 0006); on SQLite
the same filters run as plain LIKE scans. Results are ranked: the request number, then identifier
matches, then requests of a matching institution, then word matches, at most `limit` in all."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from contextlib import suppress

from anyascii import anyascii
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet
from stdnum import isbn
from stdnum.exceptions import ValidationError as StdnumError

from requests_app.models import Request

# The request fields whose values are identifiers: each is normalised into `search_keys`.
IDENTIFIER_FIELDS = (
    "issn",
    "isbn",
    "oclc_number",
    "lccn",
    "call_number",
    "shelf_call_number",
    "reproduction_number",
    "digital_id",
    "patron_ref",
    "doi",
    "pmid",
)
# The request fields whose words are searched (`search_text`).
TEXT_FIELDS = ("title", "article_title", "author")

MIN_KEY_LENGTH = 3  # shorter keys match too much to be an identifier (and defeat trigrams)
_NOT_KEY = re.compile(r"[^0-9A-Z]")
_URL_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:|pmid:|\(ocolc\))", re.I)
_OCLC = re.compile(r"^(?:OCOLC|OCM|OCN|ON)?0*([1-9][0-9]*)$")
_REQUEST_NUMBER = re.compile(r"^#?([0-9]{1,18})$")


def keys_of(value: str, *, oclc: bool = True) -> set[str]:
    """The keys one identifier is found by: itself as stored and searched (upper case, letters
    and digits only), an ISBN in both its forms, and (`oclc`) an OCLC number without its prefix
    and leading zeros."""
    main = _NOT_KEY.sub("", _URL_PREFIX.sub("", value.strip()).upper())
    if not main:
        return set()
    found = {main}
    number = _OCLC.match(main) if oclc else None
    if number:
        found.add(number[1])
    if isbn.is_valid(main):
        found.add(isbn.compact(isbn.to_isbn13(main)))
        with suppress(StdnumError):  # a 979 ISBN-13 has no ISBN-10
            found.add(isbn.compact(isbn.to_isbn10(main)))
    return found


def words_of(text: str) -> str:
    """Words as stored and searched: lower case, each letter folded to ASCII (accents dropped,
    "ł" to "l", "ß" to "ss"), one space apart. The same on PostgreSQL and SQLite, so a query
    typed without accents finds a title written with them and the other way round."""
    return " ".join(anyascii(text).lower().split())


def columns(fields: Mapping[str, object]) -> dict[str, str]:
    """The search columns of a request with these field values (for create and update)."""
    keys: set[str] = set()
    for name in IDENTIFIER_FIELDS:
        keys |= keys_of(str(fields.get(name) or ""), oclc=name == "oclc_number")
    words = " ".join(str(fields.get(name) or "") for name in TEXT_FIELDS)
    return {
        "search_keys": f" {' '.join(sorted(keys))} " if keys else "",
        "search_text": words_of(words),
    }


def refresh(request: Request) -> dict[str, str]:
    """Recompute a request's search columns from its fields (after a staff change to them)."""
    values = columns({name: getattr(request, name) for name in (*IDENTIFIER_FIELDS, *TEXT_FIELDS)})
    for name, value in values.items():
        setattr(request, name, value)
    return values


def request_number(query: str) -> int | None:
    """The request number a query is, if it is one ("4411" or "#4411")."""
    number = _REQUEST_NUMBER.match(" ".join(query.split()))
    return int(number[1]) if number else None


def search(
    rows: QuerySet[Request], query: str, *, institutions: bool = True, limit: int = 50
) -> list[Request]:
    """The requests of `rows` that match `query`, best first, at most `limit`; `institutions`
    also finds the requests of an institution by its symbol or name (the desk's search)."""
    query = " ".join(query.split())[:200]
    if not query:
        return []
    found: dict[int, Request] = {}
    for matches in _ranked(rows, query, institutions=institutions):
        for item in matches[: limit - len(found)]:
            found.setdefault(item.pk, item)
        if len(found) >= limit:
            break
    return list(found.values())


def _ranked(rows: QuerySet[Request], query: str, *, institutions: bool) -> Iterable[list[Request]]:
    number = request_number(query)
    if number is not None:
        yield list(rows.filter(pk=number))
    wanted = {k for k in keys_of(query) if len(k) >= MIN_KEY_LENGTH}
    if wanted:
        yield _newest(rows, _by_keys(rows, wanted))
    matching = _institutions(query) if institutions else []
    if matching:
        by_institution = rows.filter(institution_id__in=matching)
        yield list(by_institution.order_by("-created_at", "-pk")[:50])
    named, words = _named_institutions(query) if institutions else ([], query)
    if named and words:
        # "vertebrate paleontology DLC": the words among the requests of the institution named.
        yield _by_words(rows.filter(institution_id__in=named), words)
    yield _by_words(rows, query)


# Identifier matches read at most this many candidates, newest first among them.
CANDIDATES = 500


def _by_keys(rows: QuerySet[Request], wanted: set[str]) -> QuerySet[Request]:
    """Requests holding a key that is, or begins with, one of `wanted`. PostgreSQL: each key is a
    token of `to_tsvector('simple', search_keys)`, found as a prefix in its GIN index (migration
    0006); SQLite: LIKE on the column."""
    if connection.vendor == "postgresql":
        # Keys are letters and digits only, so the raw query text cannot be malformed.
        text = " | ".join(f"{k.lower()}:*" for k in sorted(wanted))
        keys = SearchQuery(text, config="simple", search_type="raw")
        return rows.annotate(keys=KEYS_VECTOR).filter(keys=keys)
    match = Q()
    for k in wanted:
        match |= Q(search_keys__contains=f" {k}")
    return rows.filter(match)


def _newest(rows: QuerySet[Request], matches: QuerySet[Request]) -> list[Request]:
    """The 50 newest of the matches. Sorted here, not by the database: ORDER BY created_at with a
    LIMIT lets PostgreSQL walk the created_at index backwards through the whole table looking for
    a rare identifier instead of asking the identifier index (measured by `make bench`)."""
    found = list(matches.order_by().values_list("pk", "created_at")[:CANDIDATES])
    newest = [pk for pk, _ in sorted(found, key=lambda row: (row[1], row[0]), reverse=True)[:50]]
    return sorted(rows.filter(pk__in=newest), key=lambda item: newest.index(item.pk))


# At most this many institutions' requests are listed for a name that matches several.
INSTITUTIONS = 20


def _institutions(query: str) -> list[int]:
    """The institutions the query names (symbol, or part of the name), read first: a subquery that
    matches none would let PostgreSQL walk the whole created_at index looking for their requests
    (measured by `make bench`), while a list of ids is read through (institution, created_at)."""
    from registration.models import Institution

    same = Q(oclc_symbol__iexact=query)
    if len(query) >= MIN_KEY_LENGTH:
        same |= Q(name__icontains=query)
    return list(Institution.objects.filter(same).values_list("pk", flat=True)[:INSTITUTIONS])


def _named_institutions(query: str) -> tuple[list[int], str]:
    """The institutions whose symbol is one word of a query of several ("vertebrate paleontology
    DLC"), and the query's other words."""
    from registration.models import Institution

    words = query.split()
    if len(words) < 2:
        return [], query
    symbols = {word.upper() for word in words if _SYMBOL.fullmatch(word)}
    found = Institution.objects.filter(oclc_symbol__in=symbols).values_list("pk", "oclc_symbol")
    named = dict(found[:INSTITUTIONS])
    rest = " ".join(word for word in words if word.upper() not in named.values())
    return list(named), rest


_SYMBOL = re.compile(r"[A-Za-z0-9]{2,6}")  # as Institution.oclc_symbol allows


def _by_words(rows: QuerySet[Request], query: str) -> list[Request]:
    query = words_of(query)
    if not query:
        return []
    if connection.vendor == "postgresql":
        return _full_text(rows, query)
    words = query.split()
    match = Q()
    for word in words:
        match &= Q(search_text__contains=word)
    return list(rows.filter(match).order_by("-created_at", "-pk")[:50])


VECTOR = SearchVector("search_text", config="simple")


def word_matches(rows: QuerySet[Request], wanted: SearchQuery) -> QuerySet[Request]:
    """The requests whose words match, unordered (see `_full_text`)."""
    return rows.annotate(vector=VECTOR).filter(vector=wanted).order_by()


KEYS_VECTOR = SearchVector("search_keys", config="simple")


# Word matches are ranked among at most CANDIDATES of them; a word matching more than that is
# looked for among the RECENT newest requests first.
RECENT = 5000


def _full_text(rows: QuerySet[Request], query: str) -> list[Request]:
    """Words as PostgreSQL full text (the filter's expression is the index's, migration 0003), best
    ranked first among the newest matches. No query here both filters by words and orders by date:
    with a LIMIT, PostgreSQL would then walk the created_at index through the whole table for a
    rare word. Unordered, it reads a rare word from the word index and stops a common word's scan
    early (measured by `make bench`). If the matches are more than CANDIDATES, the newest RECENT
    requests are searched first, so a common word finds this month's requests."""
    wanted = SearchQuery(query, config="simple", search_type="websearch")
    matches = word_matches(rows, wanted)
    found = list(matches.values_list("pk", "created_at")[:CANDIDATES])
    if len(found) == CANDIDATES:
        # From the RECENT-th newest request on: one range of the created_at index.
        newest_first = Request.objects.order_by("-created_at").values_list("created_at", flat=True)
        since = newest_first[RECENT - 1 : RECENT].first()
        recent = matches.filter(created_at__gte=since) if since else matches
        # Ordered by date, but within that range: the walk stops after RECENT rows at most.
        in_range = recent.order_by("-created_at", "-pk").values_list("pk", "created_at")
        found = [*in_range[:CANDIDATES], *found]
    newest = sorted(set(found), key=lambda row: (row[1], row[0]), reverse=True)[:CANDIDATES]
    ranked = rows.filter(pk__in=[pk for pk, _ in newest]).annotate(rank=SearchRank(VECTOR, wanted))
    return list(ranked.order_by("-rank", "-created_at", "-pk")[:50])
