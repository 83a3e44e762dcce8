"""Keys follow the title authority as it is now (docs/copyright.md section 1): when staff change
the authority, later counts include every prior whose identifiers now share the key, while the
decisions already taken stay as they were."""

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from copyright_rules.authority import changing
from copyright_rules.models import Decision, Record, TitleGroup, TitleIdentifier
from registration.models import Institution
from tests.copyright_rules.factories import (
    article,
    decide_and_record,
    make_institution,
    request_of,
    title_group,
)

pytestmark = pytest.mark.django_db
PRINT, ONLINE = "0028-0836", "1476-4687"  # Nature's two ISSNs
LAST_YEAR = str(timezone.now().year - 1)


def submit(institution: Institution, issn: str, number: int) -> tuple[Record, Decision]:
    facts: dict[str, Any] = article(
        issns=[issn], article=f"Article {number}", publication_date=LAST_YEAR
    )
    with transaction.atomic():
        return decide_and_record(institution, request_of(facts))


def copies(institution: Institution, issn: str, count: int, start: int = 0) -> list[Record]:
    return [submit(institution, issn, start + n)[0] for n in range(count)]


def test_a_lone_issn_grouped_by_staff_counts_its_earlier_copies(admin_client: Client) -> None:
    institution = make_institution()
    group = title_group("Nature", ("issn", ONLINE))
    earlier = copies(institution, PRINT, 5)
    assert {record.title_key for record in earlier} == {f"ISSN:{PRINT}"}

    admin_client.post(
        reverse("admin:copyright_rules_titleidentifier_add"),
        {"group": group.pk, "kind": "issn", "value": PRINT},
    )
    _, sixth = submit(institution, ONLINE, 6)

    assert (sixth.outcome, sixth.copy_number) == ("NEEDS_PERMISSION", 6)
    assert sorted(sixth.counted_record_ids) == sorted(record.pk for record in earlier)


def test_merging_groups_counts_the_copies_of_the_merged_group(admin_client: Client) -> None:
    institution = make_institution()
    online = title_group("Nature (online)", ("issn", ONLINE))  # the older group survives
    printed = title_group("Nature (print)", ("issn", PRINT))
    copies(institution, PRINT, 5)

    admin_client.post(
        reverse("admin:copyright_rules_titlegroup_changelist"),
        {"action": "merge_groups", "_selected_action": [online.pk, printed.pk]},
    )
    _, sixth = submit(institution, ONLINE, 6)

    assert not TitleGroup.objects.filter(pk=printed.pk).exists()
    assert (sixth.outcome, sixth.copy_number) == ("NEEDS_PERMISSION", 6)


def test_a_split_counts_each_part_on_its_own(admin_client: Client) -> None:
    institution = make_institution()
    group = title_group("Nature", ("issn", PRINT), ("issn", ONLINE))
    copies(institution, PRINT, 3)
    copies(institution, ONLINE, 2, start=3)
    online = TitleIdentifier.objects.get(value=ONLINE)

    admin_client.post(
        reverse("admin:copyright_rules_titleidentifier_changelist"),
        {"action": "split_off", "_selected_action": [online.pk]},
    )
    _, printed_copy = submit(institution, PRINT, 10)
    _, online_copy = submit(institution, ONLINE, 11)
    online.refresh_from_db()

    assert (printed_copy.outcome, printed_copy.copy_number) == ("ACCEPT_CCG", 4)
    assert (online_copy.outcome, online_copy.copy_number) == ("ACCEPT_CCG", 3)
    assert printed_copy.title_key == f"ISSN-GROUP:{group.pk}"
    assert online_copy.title_key == f"ISSN-GROUP:{online.group_id}"


def test_removing_an_identifier_returns_its_records_to_their_own_key(
    admin_client: Client,
) -> None:
    institution = make_institution()
    title_group("Nature", ("issn", PRINT), ("issn", ONLINE))
    earlier = copies(institution, PRINT, 2)
    printed = TitleIdentifier.objects.get(value=PRINT)

    admin_client.post(
        reverse("admin:copyright_rules_titleidentifier_delete", args=[printed.pk]), {"post": "yes"}
    )

    assert {Record.objects.get(pk=r.pk).title_key for r in earlier} == {f"ISSN:{PRINT}"}


def test_deleting_a_group_with_the_delete_action_re_keys_its_records(admin_client: Client) -> None:
    # The admin's delete action runs outside a transaction of its own: the deletion and the
    # re-keying must still commit together.
    institution = make_institution()
    group = title_group("Nature", ("issn", PRINT), ("issn", ONLINE))
    earlier = copies(institution, PRINT, 2)

    admin_client.post(
        reverse("admin:copyright_rules_titlegroup_changelist"),
        {"action": "delete_selected", "_selected_action": [group.pk], "post": "yes"},
    )

    assert not TitleGroup.objects.exists()
    assert {Record.objects.get(pk=r.pk).title_key for r in earlier} == {f"ISSN:{PRINT}"}


def test_decisions_already_taken_keep_the_key_they_were_taken_with() -> None:
    institution = make_institution()
    group = title_group("Nature", ("issn", ONLINE))
    record, decision = submit(institution, PRINT, 1)

    with changing([group]):
        TitleIdentifier.objects.create(group=group, kind="issn", value=PRINT)

    record.refresh_from_db()
    assert record.title_key == f"ISSN-GROUP:{group.pk}"
    assert Decision.objects.get(pk=decision.pk).title_key == f"ISSN:{PRINT}"
