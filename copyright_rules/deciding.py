"""Deciding a request: the rule settings, what the rules read of the database, and the pure rules
applied to it (`rules.decide_subject`). Writes nothing.

What is read: the part of the title authority the request's identifiers touch and the titles
its cited title is compared with, each reading with the authority's version in one statement
(docs/copyright.md section 1; staff changes are in `authority`), then the priors, under the lock
of (institution, key, year) when the decision is stored (section 6).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from typing import Any

from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.dispatch import receiver
from django.utils import timezone

from copyright_rules.configuration import NonperiodicalScope, RuleSettings
from copyright_rules.facts import Decision as RuleDecision
from copyright_rules.facts import PriorRequest, RequestFacts, clean, is_copy
from copyright_rules.keys import (
    EMPTY_AUTHORITY,
    ISSN_GROUP_PREFIX,
    Authority,
    Identifier,
    IdentifierKind,
    cited_identifiers,
)
from copyright_rules.models import (
    AUTHORITY_LOCK_ID,
    AuthorityVersion,
    Record,
    RecordIdentifier,
    TitleIdentifier,
)
from copyright_rules.rules import (
    KeyDoubt,
    KnownTitle,
    Subject,
    decide_subject,
    describe,
    local_date_and_year,
)
from registration.models import Institution

# In the order `copyright_rules_locked_priors` returns them, after the authority's version.
_PRIOR_FIELDS = ("pk", "status", "outcome", "counted", "year", "title_key", "work_kind", "citation")


_HOLDING = list(Record.HOLDING_STATUSES)


class AuthorityChanged(Exception):
    """Staff changed the title authority between its reading and the locked count: the key may
    no longer be the authority's (docs/copyright.md section 1, "A staff change that meets a
    submission")."""


@lru_cache(maxsize=1)
def rule_settings() -> RuleSettings:
    """The docs/copyright.md section 2 settings, from the `COPYRIGHT_*` Django settings: built
    once, and checked when the application starts (`checks.rule_settings_valid`)."""
    s = django_settings
    return RuleSettings(
        time_zone=s.COPYRIGHT_TIME_ZONE,
        periodical_limit=s.COPYRIGHT_PERIODICAL_LIMIT,
        nonperiodical_limit=s.COPYRIGHT_NONPERIODICAL_LIMIT,
        nonperiodical_scope=NonperiodicalScope(s.COPYRIGHT_NONPERIODICAL_SCOPE),
        window_years=s.COPYRIGHT_WINDOW_YEARS,
        date_mode=s.COPYRIGHT_DATE_MODE,
        max_future_years=s.COPYRIGHT_MAX_FUTURE_YEARS,
        one_article_per_issue=s.COPYRIGHT_ONE_ARTICLE_PER_ISSUE,
        small_part_max_fraction=s.COPYRIGHT_SMALL_PART_MAX_FRACTION,
    )


def latest_plausible_year() -> int:
    """The latest issue year rule R1 takes for a periodical copy requested now: this year in the
    copyright time zone plus `COPYRIGHT_MAX_FUTURE_YEARS` (docs/copyright.md section 2). The copy
    forms check it next to the date field, before the rules would return the request."""
    settings = rule_settings()
    _, year = local_date_and_year(timezone.now(), settings.time_zone)
    return year + settings.max_future_years


@receiver(setting_changed)
def _rule_settings_changed(*, setting: str, **kwargs: object) -> None:
    """A test overriding a `COPYRIGHT_*` setting gets the settings it set."""
    if setting.startswith("COPYRIGHT_"):
        rule_settings.cache_clear()


@dataclass(frozen=True)
class AuthorityReading:
    """What a request's evaluation read of the authority, in one statement: the part the request
    touches, the known titles when they were read with it, and the authority's version (None when
    nothing was read: the key then does not depend on the authority)."""

    authority: Authority
    known_titles: list[KnownTitle] | None = None
    version: int | None = None


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


# One SELECT per identifier cited, joined by UNION ALL (the table is TitleIdentifier's); a cited
# ISSN also brings the titles of its journal, to check the cited title against them (ruling 6).
_CITED = (
    "SELECT group_id, kind, value FROM copyright_rules_titleidentifier "
    "WHERE kind = %s AND value = %s"
)
_TITLES_OF_GROUP = (
    "SELECT group_id, kind, value FROM copyright_rules_titleidentifier WHERE kind = %s AND "
    "group_id IN (SELECT group_id FROM copyright_rules_titleidentifier "
    "WHERE kind = %s AND value = %s)"
)


def read_authority(
    request: RequestFacts, institution_id: int, year: int, exclude_pk: int | None = None
) -> AuthorityReading:
    """The part of the title authority a copy's identifiers touch, with the authority's version:
    one query, or none. For a periodical cited by its title alone (the only citation whose key
    may be a bare title), the known titles it is compared with come in the same query; otherwise
    they are read only if the key turns out to be a bare title.

    Written in SQL, one SELECT per cited identifier, because every submission runs it: the ORM
    spent more time building it than the database answering it, and as one WHERE with ORs
    PostgreSQL read every title of the authority to find those of the cited ISSNs' groups."""
    cited: tuple[Identifier, ...] = ()
    if is_copy(request.service):
        cited = cited_identifiers(request.work_kind, request.title, request.issns, request.isbns)
    if not cited:
        return AuthorityReading(EMPTY_AUTHORITY)
    bare_title = cited[0][1] if [kind for kind, _ in cited] == [IdentifierKind.TITLE] else None
    if bare_title is not None:
        sql, params = _known_titles_query(institution_id, year, exclude_pk).query.sql_with_params()
    else:
        selects: list[tuple[str, tuple[str, ...]]] = []
        for kind, value in cited:
            selects.append((_CITED, (kind.value, value)))
            if kind is IdentifierKind.ISSN:
                selects.append((_TITLES_OF_GROUP, (IdentifierKind.TITLE.value, kind.value, value)))
        sql = " UNION ALL ".join(select for select, _ in selects)
        params = tuple(param for _, more in selects for param in more)
    with connection.cursor() as cursor:
        cursor.execute(_WITH_VERSION.format(sql), params)
        rows = cursor.fetchall()
    version = int(rows[0][-1])
    # A row found never has a NULL first column: such a row is the one of nothing found.
    found = [row[:-1] for row in rows if row[0] is not None]
    if bare_title is None:
        return AuthorityReading(Authority.of_rows(found), version=version)
    by_title = {value: key for value, key, authority in found if authority and value == bare_title}
    known = [(value, key) for value, key, _ in found]
    return AuthorityReading(Authority(by_title=by_title), known, version)


def version_row() -> QuerySet[AuthorityVersion]:
    return AuthorityVersion.objects.filter(pk=AuthorityVersion.ONLY).order_by()


def authority_of(identifiers: QuerySet[TitleIdentifier]) -> Authority:
    return Authority.of_rows(identifiers.values_list("group_id", "kind", "value"))


def known_titles(
    institution_id: int, year: int, *, exclude_pk: int | None = None
) -> list[KnownTitle]:
    """Every title of the authority with its group's key, and the titles the institution cited
    in `year` and the year before with their keys, the record `exclude_pk` left out: what a
    copy's cited title is compared with (ruling 6), in one query."""
    rows = _known_titles_query(institution_id, year, exclude_pk)
    return [(value, key) for value, key, _ in rows]


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


def load_priors(
    institution_id: int,
    title_key: str,
    year: int | None,
    *,
    lock: bool = False,
    exclude_pk: int | None = None,
    authority_version: int | None = None,
) -> list[PriorRequest]:
    """The prior requests that can count or block: one query on the stored key and year.

    With `lock`, every count-then-insert for (institution, key, year) is serialised until the
    transaction ends. On PostgreSQL the advisory lock and the count are one round trip: the
    `copyright_rules_locked_priors` function (migration 0007) locks, then selects what
    `Record.objects.priors_for` selects, after the authority's version as it is under the lock;
    raises AuthorityChanged if that is not `authority_version`, the version the key was derived
    with (None: the key did not come from the authority). SQLite needs no lock of its own: its
    IMMEDIATE transactions take the database write lock at BEGIN."""
    database = transaction.get_connection()
    if not (lock and database.vendor == "postgresql"):
        rows = Record.objects.priors_for(institution_id, title_key, year).values(*_PRIOR_FIELDS)
        return [_prior(row) for row in rows if row["pk"] != exclude_pk]
    # The lock of (institution, key, year) is a 64-bit hash of the triple (a collision only
    # serialises two unrelated titles). PostgreSQL refuses FOR UPDATE with aggregates, and the
    # count may be zero rows, so no row lock could stand in for it.
    name = f"copyright|{institution_id}|{title_key}|{'term' if year is None else year}"
    lock_id = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), signed=True)
    with database.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM copyright_rules_locked_priors(%s, %s, %s, %s, %s, %s)",
            [AUTHORITY_LOCK_ID, lock_id, institution_id, title_key, year, _HOLDING],
        )
        (version, *_), *found = cursor.fetchall()
    if authority_version is not None and version != authority_version:
        raise AuthorityChanged(f"version {authority_version} read, {version} under the lock")
    rows = [dict(zip(_PRIOR_FIELDS, row[1:], strict=True)) for row in found]
    return [_prior(row) for row in rows if row["pk"] != exclude_pk]


def _prior(row: Mapping[str, Any]) -> PriorRequest:
    citation = row["citation"] or {}
    if isinstance(citation, str):  # jsonb arrives as text from the locked count
        citation = json.loads(citation)
    return PriorRequest(
        id=str(row["pk"]),
        status=row["status"],
        outcome=row["outcome"],
        counted=row["counted"],
        year=row["year"],
        key=row["title_key"],
        work_kind=row["work_kind"] or None,
        publication_date=citation.get("publication_date"),
        volume=citation.get("volume"),
        issue=citation.get("issue"),
        article=citation.get("article"),
        patron_ref=citation.get("patron_ref"),
    )


def evaluate(
    request: RequestFacts,
    *,
    institution_id: int,
    lock: bool,
    exclude_pk: int | None = None,
    key_confirmed: bool = False,
) -> tuple[RuleDecision, Subject]:
    """Describe the request once (date, year, key), load its priors by that key, decide. A
    copy about to be counted whose cited title puts its key in doubt is held (docs/copyright.md
    section 10, ruling 6): the titles it is compared with are read only then, unless they came
    with the authority, and so is whether staff confirmed the key for the institution."""
    rules = rule_settings()
    when = local_date_and_year(request.created_at, rules.time_zone)
    for reading_again in (False, True):
        reading = read_authority(request, institution_id, when[1], exclude_pk)
        subject = describe(request, rules, reading.authority, when)
        if subject.key.key is None:
            priors: Sequence[PriorRequest] = ()
            break
        try:
            priors = load_priors(
                institution_id,
                subject.key.key,
                subject.counting_year,
                lock=lock,
                exclude_pk=exclude_pk,
                authority_version=reading.version,
            )
            break
        except AuthorityChanged:
            # The locked count already holds the authority lock (shared) until the transaction
            # ends, so no staff change can commit now: the second reading is the last one.
            if reading_again:
                raise
    # Ruling 6's comparison, read from the database only when the rules ask for it.
    titles: Callable[[], list[KnownTitle]]
    if reading.known_titles is None:
        titles = partial(known_titles, institution_id, subject.year, exclude_pk=exclude_pk)
    else:
        titles = reading.known_titles.copy
    confirmed = partial(_key_confirmed, institution_id, subject.key.key, key_confirmed)
    doubt = KeyDoubt(titles, confirmed)
    return decide_subject(subject, priors, rules, doubt), subject


def _key_confirmed(institution_id: int, title_key: str | None, confirmed: bool) -> bool:
    """Whether staff confirmed the key for the institution (ruling 6), unless already known."""
    return confirmed or (
        Record.objects.filter(
            institution_id=institution_id, title_key=title_key, key_confirmed_by__isnull=False
        ).exists()
    )


def as_entered_by(request: RequestFacts, acting_user: User | None) -> RequestFacts:
    """A reference the library typed is not yet a recorded permission (docs/copyright.md
    section 5): the rules see it as entered, pending until staff confirm it."""
    reference = clean(request.permission_reference)
    if reference is None or not permission_needs_confirmation(acting_user):
        return request
    return replace(request, permission_reference=None, permission_reference_entered=reference)


def precheck(
    institution: Institution, request: RequestFacts, *, acting_user: User | None = None
) -> RuleDecision:
    """What the decision would be if the copy request were submitted now: reads only, no lock.

    For the live pre-check on the copy form; the real decision is taken again at submission,
    with the same reading of a permission reference the library typed."""
    decision, _ = evaluate(
        as_entered_by(request, acting_user), institution_id=institution.pk, lock=False
    )
    return decision


def permission_needs_confirmation(acting_user: User | None) -> bool:
    """Whether a permission reference entered by `acting_user` waits for staff to confirm it."""
    confirm = django_settings.COPYRIGHT_CONFIRM_LIBRARY_PERMISSION
    return bool(confirm) and not (acting_user is not None and acting_user.is_staff)
