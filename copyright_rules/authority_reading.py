"""The title authority as an evaluation reads it (docs/copyright.md section 1): the part a
request's identifiers touch and the titles its cited title is compared with, each reading with
the authority's version, in one query. Staff changes are in `authority`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Cast, Concat

from copyright_rules.facts import RequestFacts, WorkKind, clean
from copyright_rules.keys import ISSN_GROUP_PREFIX, Authority, IdentifierKind
from copyright_rules.models import (
    AuthorityVersion,
    RecordIdentifier,
    TitleIdentifier,
)
from copyright_rules.normalize import normalize_isbn, normalize_issn, normalize_title
from copyright_rules.reading import canonical, is_copy
from copyright_rules.rules import KnownTitle


@dataclass(frozen=True)
class AuthorityReading:
    """What a request's evaluation read of the authority, in one statement: the part the request
    touches, the known titles when they were read with it, and the authority's version (None when
    nothing was read: the key then does not depend on the authority)."""

    authority: Authority
    known_titles: list[KnownTitle] | None = None
    version: int | None = None


def load_authority(request: RequestFacts) -> AuthorityReading:
    """The part of the title authority the cited identifiers touch, with the authority's
    version: one query, or none.

    Written in SQL, one SELECT per cited identifier, because every submission runs it: the ORM
    spent more time building it than the database answering it, and as one WHERE with ORs
    PostgreSQL read every title of the authority to find those of the cited ISSNs' groups."""
    lookups = _authority_lookups(request)
    if not lookups:
        return AuthorityReading(Authority())
    sql = " UNION ALL ".join(select for select, _ in lookups)
    found, version = _with_version(sql, [param for _, params in lookups for param in params])
    return AuthorityReading(_authority_of_rows(found), version=version)


def version_row() -> QuerySet[AuthorityVersion]:
    return AuthorityVersion.objects.filter(pk=AuthorityVersion.ONLY).order_by()


# The authority's version joined to every row a reading finds, so the two come from one
# statement, and one snapshot of the database (docs/copyright.md section 1, "A staff change
# that meets a submission"). When nothing is found, one row of NULLs still carries the version;
# without the version's row (a database never changed since it was emptied) it is 0, as in the
# locked count.
_WITH_VERSION = (
    "SELECT found.*, COALESCE(authority.version, 0) FROM (SELECT 1) AS one "
    "LEFT JOIN copyright_rules_authorityversion AS authority ON authority.id = 1 "
    "LEFT JOIN ({}) AS found ON 1 = 1"
)


def _with_version(select: str, params: Sequence[str | int]) -> tuple[list[tuple[Any, ...]], int]:
    """The rows `select` finds (its first column is never NULL), and the authority's version
    as it was when they were read."""
    with connection.cursor() as cursor:
        cursor.execute(_WITH_VERSION.format(select), params)
        rows = cursor.fetchall()
    return [row[:-1] for row in rows if row[0] is not None], int(rows[0][-1])


def authority_of(identifiers: QuerySet[TitleIdentifier]) -> Authority:
    return _authority_of_rows(identifiers.values_list("group_id", "kind", "value"))


def _authority_of_rows(rows: Iterable[tuple[int | str, str, str]]) -> Authority:
    issn_groups: dict[str, list[str]] = {}
    isbn_groups: dict[str, list[str]] = {}
    titles: dict[str, str] = {}
    for group_id, kind, value in rows:
        if kind == IdentifierKind.ISBN:
            isbn_groups.setdefault(str(group_id), []).append(value)
        else:
            members = issn_groups.setdefault(str(group_id), [])
            if kind == IdentifierKind.ISSN:
                members.append(value)
            else:
                titles[value] = str(group_id)
    return Authority(
        issn_groups=list(issn_groups.values()),
        issn_group_ids=list(issn_groups),
        title_groups=titles,
        isbn_groups=list(isbn_groups.values()),
        isbn_group_ids=list(isbn_groups),
    )


# One SELECT per identifier cited, joined by UNION ALL (the table is TitleIdentifier's).
_CITED = (
    "SELECT group_id, kind, value FROM copyright_rules_titleidentifier "
    "WHERE kind = %s AND value = %s"
)


_TITLES_OF_GROUP = (
    "SELECT group_id, kind, value FROM copyright_rules_titleidentifier WHERE kind = %s AND "
    "group_id IN (SELECT group_id FROM copyright_rules_titleidentifier "
    "WHERE kind = %s AND value = %s)"
)


_Lookup = tuple[str, tuple[str, ...]]


def _authority_lookups(request: RequestFacts) -> list[_Lookup]:
    """(SELECT, parameters) of each part of the authority the request's identifiers name."""
    if not is_copy(request.service):
        return []
    kind = canonical(WorkKind, request.work_kind)
    if kind is WorkKind.PERIODICAL:
        issns = dict.fromkeys(issn for issn in map(normalize_issn, request.issns) if issn)
        title = normalize_title(clean(request.title) or "")
        lookups = [lookup for issn in issns for lookup in _issn_lookups(issn)]
        return [*lookups, (_CITED, (IdentifierKind.TITLE.value, title))] if title else lookups
    if kind is WorkKind.NON_PERIODICAL:
        isbns = dict.fromkeys(isbn for isbn in map(normalize_isbn, request.isbns) if isbn)
        return [(_CITED, (IdentifierKind.ISBN.value, isbn)) for isbn in isbns]
    return []


def _issn_lookups(issn: str) -> list[_Lookup]:
    """The cited ISSN, and the titles of the journal it belongs to, to check the cited title
    against them (docs/copyright.md section 10, ruling 6)."""
    return [
        (_CITED, (IdentifierKind.ISSN.value, issn)),
        (_TITLES_OF_GROUP, (IdentifierKind.TITLE.value, IdentifierKind.ISSN.value, issn)),
    ]


def known_titles(
    institution_id: int, year: int, *, exclude_pk: int | None = None
) -> list[KnownTitle]:
    """Every title of the authority with its group's key, and the titles the institution cited
    in `year` and the year before with their keys, the record `exclude_pk` left out: what a
    copy's cited title is compared with (ruling 6), in one query."""
    rows = _known_titles_query(institution_id, year, exclude_pk)
    return [(value, key) for value, key, _ in rows]


def load_authority_and_known_titles(
    request: RequestFacts, institution_id: int, year: int, exclude_pk: int | None = None
) -> AuthorityReading:
    """The authority the request touches and, for a periodical cited by its title alone (the
    only citation whose key may be a bare title), the known titles it is compared with, in the
    same query (docs/copyright.md section 1), with the authority's version. Otherwise the
    authority alone: the known titles are then read only if the key turns out to be a bare
    title."""
    title = _bare_cited_title(request)
    if title is None:
        return load_authority(request)
    titles, params = _known_titles_query(institution_id, year, exclude_pk).query.sql_with_params()
    rows, version = _with_version(titles, params)
    cited = [
        (key.removeprefix(ISSN_GROUP_PREFIX), IdentifierKind.TITLE, value)
        for value, key, authority in rows
        if authority and value == title
    ]
    known = [(value, key) for value, key, _ in rows]
    return AuthorityReading(_authority_of_rows(cited), known, version)


def _bare_cited_title(request: RequestFacts) -> str | None:
    """The normalized title of a periodical copy cited without an ISSN, else None."""
    if not is_copy(request.service):
        return None
    if canonical(WorkKind, request.work_kind) is not WorkKind.PERIODICAL:
        return None
    if any(normalize_issn(issn) for issn in request.issns):
        return None
    return normalize_title(clean(request.title) or "") or None


def _known_titles_query(
    institution_id: int, year: int, exclude_pk: int | None
) -> QuerySet[TitleIdentifier, tuple[str, str, bool]]:
    """(title, key, True) of every authority title, and (title, key, False) of the titles the
    institution cited in `year` and the year before (normalized when recorded), in one query."""
    group_key = Concat(Value(ISSN_GROUP_PREFIX), Cast("group_id", output_field=CharField()))
    authority = (
        TitleIdentifier.objects.filter(kind=IdentifierKind.TITLE)
        .order_by()
        .values_list("value", group_key, Value(True))
    )
    own = RecordIdentifier.objects.filter(
        kind=IdentifierKind.TITLE,
        record__institution_id=institution_id,
        record__year__gte=year - 1,
        record__year__lte=year,
    )
    if exclude_pk is not None:
        own = own.exclude(record_id=exclude_pk)
    own_titles = own.order_by().values_list("value", "record__title_key", Value(False))
    return authority.union(own_titles)
