"""The title authority in the database: staff changes, and the stored keys that follow them.

Keys of authority groups are `ISSN-GROUP:<pk>` / `ISBN-GROUP:<pk>`. Keys follow the authority as it
is now (docs/copyright.md section 1): each record stores its key only as a cache of that derivation,
so counting stays one indexed query. Every change staff make to the authority (an identifier added,
changed or removed, groups merged or split) happens inside `with changing(...)`, which brings the
stored keys of the records it affects up to date on exit, in the same transaction. Decisions
already taken are never rewritten.

A submission reads the authority (`deciding.read_authority`) before it takes its lock, so each
reading carries the authority's version, read in the same statement, and every staff change takes
the authority lock exclusively and increments the version before it re-keys (docs/copyright.md
section 1, "A staff change that meets a submission").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q

from copyright_rules.configuration import NonperiodicalScope
from copyright_rules.deciding import authority_of, version_row
from copyright_rules.facts import RequestFacts, Service, WorkKind
from copyright_rules.keys import (
    Authority,
    Identifier,
    IdentifierKind,
    KeyResult,
    citation_key,
)
from copyright_rules.models import (
    AUTHORITY_LOCK_ID,
    AuthorityVersion,
    Record,
    RecordIdentifier,
    TitleGroup,
    TitleIdentifier,
)
from copyright_rules.retention import copyright_today


def identifiers_of(groups: Iterable[TitleGroup | int]) -> set[Identifier]:
    pks = [group if isinstance(group, int) else group.pk for group in groups]
    rows = TitleIdentifier.objects.filter(group_id__in=pks).values_list("kind", "value")
    return {(IdentifierKind(kind), value) for kind, value in rows}


def _stored(identifiers: Iterable[TitleIdentifier]) -> set[Identifier]:
    """The (kind, value) of these identifier rows as the database holds them now."""
    pks = [identifier.pk for identifier in identifiers if identifier.pk is not None]
    rows = TitleIdentifier.objects.filter(pk__in=pks).values_list("kind", "value")
    return {(IdentifierKind(kind), value) for kind, value in rows}


@dataclass
class AuthorityChange:
    """What a change of the title authority touched: the identifiers whose records are re-keyed
    when the change ends (`changing`), and, once it has, how many records changed key."""

    touched: set[Identifier] = field(default_factory=set)
    rekeyed: int = 0

    def touch(self, identifiers: Iterable[Identifier]) -> None:
        """Also re-key the records citing these identifiers (ones the change added elsewhere)."""
        self.touched.update((IdentifierKind(kind), value) for kind, value in identifiers)


@contextmanager
def changing(
    groups: Iterable[TitleGroup] = (), identifiers: Iterable[TitleIdentifier] = ()
) -> Iterator[AuthorityChange]:
    """The one way to change the title authority (docs/copyright.md section 1, "Keys follow
    the authority as it is now"): inside one transaction, the body changes `groups` and
    `identifiers` (add, edit, delete, merge, split), and on exit the stored keys of the records
    citing an identifier they held before or hold after are re-derived (`rekey_records`), under
    the authority's lock, before the transaction commits. An identifier the body touches
    elsewhere is added with `change.touch(...)`. An exception rolls the change back whole."""
    groups, identifiers = list(groups), list(identifiers)
    group_pks = [group.pk for group in groups if group.pk is not None]
    with transaction.atomic():
        change = AuthorityChange(identifiers_of(group_pks) | _stored(identifiers))
        yield change
        change.touch(identifiers_of([*group_pks, *(g.pk for g in groups if g.pk is not None)]))
        change.touch(_stored(identifiers))
        change.rekeyed = rekey_records(change.touched)


def merge_title_groups(target: TitleGroup, others: Iterable[TitleGroup]) -> TitleGroup:
    """Move every identifier of `others` into `target`, delete the emptied groups, and bring the
    stored keys of the records citing any of them up to date."""
    other_pks = [group.pk for group in others if group.pk != target.pk]
    if any(group.kind != target.kind for group in TitleGroup.objects.filter(pk__in=other_pks)):
        raise ValueError("only groups of one kind (periodicals or works) can be merged")
    with changing([target]):
        TitleIdentifier.objects.filter(group_id__in=other_pks).update(group=target)
        TitleGroup.objects.filter(pk__in=other_pks).delete()
    return target


def split_title_identifiers(identifiers: Iterable[TitleIdentifier], *, name: str) -> TitleGroup:
    """Move the given identifiers of one group into a new group called `name`; records citing
    them count under the new group from now on, the others under the old one."""
    chosen = list(identifiers)
    groups = {identifier.group_id for identifier in chosen}
    if len(groups) != 1:
        raise ValueError("choose identifiers of exactly one group to split off")
    source = TitleGroup.objects.get(pk=groups.pop())
    if len(chosen) == source.identifiers.count():
        raise ValueError("splitting off every identifier would leave an empty group")
    with changing([source]):
        group = TitleGroup.objects.create(name=name, kind=source.kind, note=f"Split from {source}.")
        TitleIdentifier.objects.filter(pk__in=[i.pk for i in chosen]).update(group=group)
    return group


def rekey_records(changed: Collection[Identifier]) -> int:
    """Re-derive, with the authority as it now is in this transaction, the stored key of every
    record that cites one of `changed` and can still be counted or evaluated again
    (docs/copyright.md section 10, ruling 8): the current and previous years, every year in
    which a request of one of the keys concerned is not final, and every year for works
    counted over their whole term. Takes the authority lock and increments
    the version first (`lock_authority_for_change`), so no submission counts between the change
    and the update, and none that read the authority before the change counts under its old key.
    Returns how many records changed key. Call it inside the transaction that changed the
    authority."""
    if not changed:
        return 0
    lock_authority_for_change()
    records = _affected_records(changed)
    if not records:
        return 0
    authority = _authority_for(records)
    moves: dict[tuple[str, str], list[int]] = defaultdict(list)
    for record in records:
        key = _current_key(record, authority)
        if key.key is not None and key.key != record.title_key:
            moves[(key.key, key.source.value)].append(record.pk)
    for (key_value, source), pks in moves.items():
        Record.objects.filter(pk__in=pks).update(title_key=key_value, key_source=source)
    return sum(len(pks) for pks in moves.values())


def lock_authority_for_change() -> None:
    """Before re-keying (docs/copyright.md section 1, "A staff change that meets a submission"):
    on PostgreSQL, take the authority lock exclusively, which waits for every transaction that
    counted under a key it derived (each holds the lock shared until it ends) and keeps new counts
    waiting until this transaction ends; then increment the version, so a submission that read
    the authority before the change sees, once it holds its lock, that it must read it again. On
    SQLite the IMMEDIATE transaction already excludes every other writer."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("change the authority and re-key in one transaction.atomic()")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUTHORITY_LOCK_ID])
    if not version_row().update(version=F("version") + 1):
        AuthorityVersion.objects.create(pk=AuthorityVersion.ONLY, version=1)


def _affected_records(changed: Collection[Identifier]) -> list[Record]:
    """Ruling 8: the records citing `changed` of the years in which they can still count or be
    evaluated again. The keys concerned are those the citing records have now; the records
    that will share a new key with them cite a changed identifier too."""
    if not changed:
        return []
    citing = Record.objects.filter(
        pk__in=RecordIdentifier.objects.filter(_any_of(changed)).values("record_id"),
        service=Service.COPY,
    )
    keys = citing.values("title_key")
    open_years = (
        Record.objects.filter(title_key__in=keys)
        .exclude(status__in=Record.FINAL_STATUSES)
        .values("year")
    )
    this_year = copyright_today().year
    live = Q(year__gte=this_year - 1) | Q(year__in=open_years)
    if settings.COPYRIGHT_NONPERIODICAL_SCOPE == NonperiodicalScope.TERM:
        live |= Q(work_kind=WorkKind.NON_PERIODICAL)
    return list(citing.filter(live).prefetch_related("identifiers"))


def _authority_for(records: list[Record]) -> Authority:
    cited = {(i.kind, i.value) for record in records for i in record.identifiers.all()}
    return authority_of(TitleIdentifier.objects.filter(_any_of(cited)))


def _any_of(identifiers: Iterable[tuple[str, str]]) -> Q:
    """Rows whose (kind, value) is one of `identifiers`, one IN list per kind."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, value in identifiers:
        by_kind[kind].append(value)
    lookup = Q()
    for kind, values in by_kind.items():
        lookup |= Q(kind=kind, value__in=values)
    return lookup


def _current_key(record: Record, authority: Authority) -> KeyResult:
    """The record's key by the one derivation the rules decide with (ruling 2)."""
    citation = {**(record.citation or {}), "work_kind": record.work_kind or None}
    facts = RequestFacts.from_citation(
        citation, created_at=record.created_at, service=record.service
    )
    return citation_key(
        facts.work_kind, facts.title, facts.author, facts.issns, facts.isbns, authority
    )
