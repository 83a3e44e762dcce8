"""The title authority in the database: lookups for one request, and staff merge and split.

Keys of authority groups are `ISSN-GROUP:<pk>` / `ISBN-GROUP:<pk>`. A merge moves identifiers into
the surviving group, so only later evaluations see it: stored keys of past records stay as they
were, as SPEC section 1 requires ("a merge affects later evaluations only").
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from copyright_rules.facts import RequestFacts, WorkKind, canonical, clean, is_copy
from copyright_rules.keys import Authority, normalize_isbn, normalize_issn, normalize_title
from copyright_rules.models import TitleGroup, TitleIdentifier


def load_authority(request: RequestFacts) -> Authority:
    """The part of the title authority the cited identifiers touch: one query, or none."""
    lookup = _authority_lookup(request)
    if lookup is None:
        return Authority()
    rows = TitleIdentifier.objects.filter(lookup).values_list("group_id", "kind", "value")
    issn_groups: dict[str, list[str]] = {}
    isbn_groups: dict[str, list[str]] = {}
    titles: dict[str, str] = {}
    for group_id, kind, value in rows:
        if kind == TitleIdentifier.Kind.ISBN:
            isbn_groups.setdefault(str(group_id), []).append(value)
        else:
            members = issn_groups.setdefault(str(group_id), [])
            if kind == TitleIdentifier.Kind.ISSN:
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


def _authority_lookup(request: RequestFacts) -> Q | None:
    if not is_copy(request.service):
        return None
    kind = canonical(WorkKind, request.work_kind)
    if kind is WorkKind.PERIODICAL:
        issns = [issn for issn in map(normalize_issn, request.issns) if issn]
        lookup = Q(kind=TitleIdentifier.Kind.ISSN, value__in=issns) if issns else Q()
        title = normalize_title(clean(request.title) or "")
        if title:
            lookup |= Q(kind=TitleIdentifier.Kind.TITLE, value=title)
        return lookup or None
    if kind is WorkKind.NON_PERIODICAL:
        isbns = [isbn for isbn in map(normalize_isbn, request.isbns) if isbn]
        return Q(kind=TitleIdentifier.Kind.ISBN, value__in=isbns) if isbns else None
    return None


def merge_title_groups(target: TitleGroup, others: Iterable[TitleGroup]) -> TitleGroup:
    """Move every identifier of `others` into `target` and delete the emptied groups."""
    other_pks = [group.pk for group in others if group.pk != target.pk]
    if any(group.kind != target.kind for group in TitleGroup.objects.filter(pk__in=other_pks)):
        raise ValueError("only groups of one kind (periodicals or works) can be merged")
    with transaction.atomic():
        TitleIdentifier.objects.filter(group_id__in=other_pks).update(group=target)
        TitleGroup.objects.filter(pk__in=other_pks).delete()
    return target


def split_title_identifiers(identifiers: Iterable[TitleIdentifier], *, name: str) -> TitleGroup:
    """Move the given identifiers of one group into a new group called `name`."""
    chosen = list(identifiers)
    groups = {identifier.group_id for identifier in chosen}
    if len(groups) != 1:
        raise ValueError("choose identifiers of exactly one group to split off")
    source = TitleGroup.objects.get(pk=groups.pop())
    if len(chosen) == source.identifiers.count():
        raise ValueError("splitting off every identifier would leave an empty group")
    with transaction.atomic():
        group = TitleGroup.objects.create(name=name, kind=source.kind, note=f"Split from {source}.")
        TitleIdentifier.objects.filter(pk__in=[i.pk for i in chosen]).update(group=group)
    return group
