"""Deciding a request: the rule settings, the authority and the priors read (under the lock of
(institution, key, year) when the decision is stored: docs/copyright.md section 6), and the pure
rules applied to them (`rules.decide_subject`). Writes nothing."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from functools import partial
from typing import Any

from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.db import transaction

from copyright_rules.authority_reading import (
    AuthorityReading,
    known_titles,
    load_authority_and_known_titles,
)
from copyright_rules.configuration import NonperiodicalScope, RuleSettings
from copyright_rules.facts import Decision as RuleDecision
from copyright_rules.facts import (
    PriorRequest,
    RequestFacts,
    StaffDetermination,
    clean,
)
from copyright_rules.models import (
    AUTHORITY_LOCK_ID,
    Record,
    title_year_lock_id,
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


def rule_settings() -> RuleSettings:
    """The docs/copyright.md section 2 settings, from the `COPYRIGHT_*` Django settings."""
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


def _determination(record: Record) -> StaffDetermination | None:
    if not record.determination_kind:
        return None
    return StaffDetermination(kind=record.determination_kind, note=record.determination_note)


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
    connection = transaction.get_connection()
    if lock and connection.vendor == "postgresql":
        version, rows = _locked_priors(institution_id, title_key, year)
        if authority_version is not None and version != authority_version:
            raise AuthorityChanged(f"version {authority_version} read, {version} under the lock")
    else:
        rows = list(
            Record.objects.priors_for(institution_id, title_key, year).values(*_PRIOR_FIELDS)
        )
    return [_prior(row) for row in rows if row["pk"] != exclude_pk]


def _locked_priors(
    institution_id: int, title_key: str, year: int | None
) -> tuple[int, list[dict[str, Any]]]:
    """The authority's version and the priors' rows, as the locked count returns them."""
    lock_id = title_year_lock_id(institution_id, title_key, year)
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(
            "SELECT * FROM copyright_rules_locked_priors(%s, %s, %s, %s, %s, %s)",
            [AUTHORITY_LOCK_ID, lock_id, institution_id, title_key, year, _HOLDING],
        )
        (version, *_), *found = cursor.fetchall()
    rows = [dict(zip(_PRIOR_FIELDS, row[1:], strict=True)) for row in found]
    for row in rows:
        if isinstance(row["citation"], str):  # jsonb arrives as text, as JSONField reads it
            row["citation"] = json.loads(row["citation"])
    return version, rows


def _prior(row: Mapping[str, Any]) -> PriorRequest:
    citation = row["citation"] or {}
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
    count = partial(_read_and_count, request, rules, when, institution_id, lock, exclude_pk)
    try:
        reading, subject, priors = count()
    except AuthorityChanged:
        # The locked count already holds the authority lock (shared) until the transaction
        # ends, so no staff change can commit now: this second reading is the last one.
        reading, subject, priors = count()
    doubt = _key_doubt(reading, subject, institution_id, exclude_pk, key_confirmed=key_confirmed)
    return decide_subject(subject, priors, rules, doubt), subject


def _read_and_count(
    request: RequestFacts,
    rules: RuleSettings,
    when: tuple[date, int],
    institution_id: int,
    lock: bool,
    exclude_pk: int | None,
) -> tuple[AuthorityReading, Subject, Sequence[PriorRequest]]:
    reading = load_authority_and_known_titles(request, institution_id, when[1], exclude_pk)
    subject = describe(request, rules, reading.authority, when)
    if subject.key.key is None:
        return reading, subject, ()
    priors = load_priors(
        institution_id,
        subject.key.key,
        subject.counting_year,
        lock=lock,
        exclude_pk=exclude_pk,
        authority_version=reading.version,
    )
    return reading, subject, priors


def _key_doubt(
    reading: AuthorityReading,
    subject: Subject,
    institution_id: int,
    exclude_pk: int | None,
    *,
    key_confirmed: bool,
) -> KeyDoubt:
    """Ruling 6's comparison, read from the database when the rules ask for it."""

    def titles() -> list[KnownTitle]:
        if reading.known_titles is not None:
            return reading.known_titles
        return known_titles(institution_id, subject.year, exclude_pk=exclude_pk)

    def confirmed() -> bool:
        if key_confirmed:
            return True
        return Record.objects.filter(
            institution_id=institution_id,
            title_key=subject.key.key,
            key_confirmed_by__isnull=False,
        ).exists()

    return KeyDoubt(titles, confirmed)


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


def facts_of(record: Record) -> RequestFacts:
    reference = record.permission_reference or None
    return RequestFacts.from_citation(
        record.citation,
        created_at=record.created_at,
        service=record.service,
        permission_reference=reference if record.permission_confirmed else None,
        permission_reference_entered=None if record.permission_confirmed else reference,
        staff_determination=_determination(record),
    )
