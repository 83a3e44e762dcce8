"""Every change of the title authority re-keys the records it touches (docs/copyright.md section
1, "Keys follow the authority as it is now"): each admin path goes through `authority.changing`,
which re-derives the stored keys on exit, in the change's own transaction."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from copyright_rules import authority, deciding
from copyright_rules.keys import IdentifierKind
from copyright_rules.models import AuthorityVersion, Record, TitleGroup, TitleIdentifier
from registration.models import Institution
from tests.copyright_rules.factories import (
    article,
    decide_and_record,
    make_institution,
    request_of,
    title_group,
)

pytestmark = pytest.mark.django_db
PRINT, ONLINE, SCIENCE = "0028-0836", "1476-4687", "0036-8075"
LAST_YEAR = str(timezone.now().year - 1)


def copies(institution: Institution, count: int = 2) -> list[Record]:
    records = []
    for number in range(count):
        facts = article(issns=[PRINT], article=f"Article {number}", publication_date=LAST_YEAR)
        with transaction.atomic():
            records.append(decide_and_record(institution, request_of(facts))[0])
    return records


def keys(records: list[Record]) -> set[str]:
    return set(
        Record.objects.filter(pk__in=[r.pk for r in records]).values_list("title_key", flat=True)
    )


def inline(*identifiers: tuple[str, str], existing: int = 0) -> dict[str, Any]:
    """The title group form's identifier rows, as the admin posts them."""
    data: dict[str, Any] = {
        "identifiers-TOTAL_FORMS": str(len(identifiers)),
        "identifiers-INITIAL_FORMS": str(existing),
        "identifiers-MIN_NUM_FORMS": "0",
        "identifiers-MAX_NUM_FORMS": "1000",
    }
    for n, (kind, value) in enumerate(identifiers):
        data[f"identifiers-{n}-kind"] = kind
        data[f"identifiers-{n}-value"] = value
    return data


def add_a_group(client: Client) -> None:
    data = {"name": "Nature", "kind": "periodical", "note": "", **inline(("issn", PRINT))}
    client.post(reverse("admin:copyright_rules_titlegroup_add"), data)


def add_to_a_group(client: Client) -> None:
    group = TitleGroup.objects.get()
    online = TitleIdentifier.objects.get(value=ONLINE)
    data = {
        "name": group.name,
        "kind": group.kind,
        "note": "",
        **inline(("issn", ONLINE), ("issn", PRINT), existing=1),
        "identifiers-0-id": online.pk,
        "identifiers-0-group": group.pk,
    }
    client.post(reverse("admin:copyright_rules_titlegroup_change", args=[group.pk]), data)


def delete_the_group(client: Client) -> None:
    group = TitleGroup.objects.get()
    client.post(
        reverse("admin:copyright_rules_titlegroup_delete", args=[group.pk]), {"post": "yes"}
    )


def delete_the_group_with_the_action(client: Client) -> None:
    client.post(
        reverse("admin:copyright_rules_titlegroup_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [TitleGroup.objects.get().pk],
            "post": "yes",
        },
    )


def change_the_identifier(client: Client) -> None:
    printed = TitleIdentifier.objects.get(value=PRINT)
    client.post(
        reverse("admin:copyright_rules_titleidentifier_change", args=[printed.pk]),
        {"group": printed.group_id, "kind": "issn", "value": SCIENCE},
    )


def delete_the_identifier_with_the_action(client: Client) -> None:
    printed = TitleIdentifier.objects.get(value=PRINT)
    client.post(
        reverse("admin:copyright_rules_titleidentifier_changelist"),
        {"action": "delete_selected", "_selected_action": [printed.pk], "post": "yes"},
    )


def group_key() -> str:
    return f"ISSN-GROUP:{TitleGroup.objects.get().pk}"


def own_key() -> str:
    return f"ISSN:{PRINT}"


# (what the authority holds before, the admin change, the key the records have after)
CHANGES: list[tuple[tuple[tuple[str, str], ...], Callable[[Client], None], Callable[[], str]]] = [
    ((), add_a_group, group_key),
    ((("issn", ONLINE),), add_to_a_group, group_key),
    ((("issn", ONLINE), ("issn", PRINT)), delete_the_group, own_key),
    ((("issn", ONLINE), ("issn", PRINT)), delete_the_group_with_the_action, own_key),
    ((("issn", ONLINE), ("issn", PRINT)), change_the_identifier, own_key),
    ((("issn", ONLINE), ("issn", PRINT)), delete_the_identifier_with_the_action, own_key),
]


@pytest.mark.parametrize(
    ("before", "change", "key_after"), CHANGES, ids=[change.__name__ for _, change, _ in CHANGES]
)
def test_each_admin_change_of_the_authority_re_keys_the_records_it_touches(
    admin_client: Client,
    before: tuple[tuple[str, str], ...],
    change: Callable[[Client], None],
    key_after: Callable[[], str],
) -> None:
    if before:
        title_group("Nature", *before)
    records = copies(make_institution())
    key_before = keys(records)

    change(admin_client)

    assert keys(records) == {key_after()} != key_before


def test_changing_re_keys_on_exit_what_the_body_touched() -> None:
    group = title_group("Nature", ("issn", ONLINE))
    records = copies(make_institution())

    with authority.changing() as change:
        TitleIdentifier.objects.create(group=group, kind="issn", value=PRINT)
        change.touch([(IdentifierKind.ISSN, PRINT)])
        assert keys(records) == {own_key()}  # not yet: on exit

    assert change.rekeyed == 2
    assert keys(records) == {group_key()}


def test_a_change_that_fails_changes_neither_the_authority_nor_a_key() -> None:
    group = title_group("Nature", ("issn", ONLINE), ("issn", PRINT))
    records = copies(make_institution())

    with pytest.raises(RuntimeError), authority.changing([group]):
        TitleIdentifier.objects.filter(value=PRINT).delete()
        raise RuntimeError("staff change interrupted")

    assert TitleIdentifier.objects.filter(value=PRINT).exists()
    assert keys(records) == {group_key()}


@pytest.mark.parametrize(
    ("cited", "found"),
    [
        ({"issns": [ONLINE]}, {ONLINE, "nature"}),  # an ISSN of the authority, and its titles
        ({"issns": [SCIENCE], "title": "Science"}, set()),  # nothing found: the version comes
        ({"issns": [], "title": "Nature"}, {"nature"}),  # a bare title, with the known titles
    ],
)
def test_a_reading_of_the_authority_carries_its_version_in_the_same_query(
    django_assert_num_queries: Any, cited: dict[str, Any], found: set[str]
) -> None:
    title_group("Nature", ("issn", ONLINE), ("title", "nature"))
    for _ in range(2):
        with authority.changing() as change:
            change.touch([(IdentifierKind.ISSN, PRINT)])
    request = request_of(article(**cited))
    institution = make_institution()

    with django_assert_num_queries(1):
        reading = deciding.read_authority(request, institution.pk, 2026)

    assert reading.version == AuthorityVersion.objects.get().version == 2
    assert {*reading.authority.by_issn, *reading.authority.by_title} == found


def test_a_reading_without_the_version_row_reads_version_zero() -> None:
    title_group("Nature", ("issn", ONLINE))
    AuthorityVersion.objects.all().delete()

    request = request_of(article(issns=[ONLINE]))

    reading = deciding.read_authority(request, make_institution().pk, 2026)

    assert (reading.version, list(reading.authority.by_issn)) == (0, [ONLINE])
