"""The copyright admin through admin_client: authority merge and split, records, legal hold."""

from typing import Any

import pytest
from django.contrib import admin
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from copyright_rules import services
from copyright_rules.models import Record, TitleGroup, TitleIdentifier
from registration.models import Institution
from tests.copyright_rules.factories import (
    article,
    at,
    decide_and_record,
    make_institution,
    request_of,
    title_group,
)

pytestmark = pytest.mark.django_db
NO_INLINES = {
    "decisions-TOTAL_FORMS": "0",
    "decisions-INITIAL_FORMS": "0",
    "status_changes-TOTAL_FORMS": "0",
    "status_changes-INITIAL_FORMS": "0",
}


def submit(institution: Institution, **overrides: Any) -> Record:
    with transaction.atomic():
        record, _ = decide_and_record(
            institution, request_of(article(**overrides), service="copy", created_at=at(2024, 7))
        )
    return record


def test_merging_groups_moves_identifiers_into_the_oldest(admin_client: Client) -> None:
    print_group = title_group("Science (print)", ("issn", "0036-8075"))
    online_group = title_group("Science (online)", ("issn", "1095-9203"))

    admin_client.post(
        reverse("admin:copyright_rules_titlegroup_changelist"),
        {"action": "merge_groups", "_selected_action": [print_group.pk, online_group.pk]},
    )

    assert set(print_group.identifiers.values_list("value", flat=True)) == {
        "0036-8075",
        "1095-9203",
    }
    assert not TitleGroup.objects.filter(pk=online_group.pk).exists()


def test_merging_a_journal_with_a_book_is_refused(admin_client: Client) -> None:
    journal = title_group("Nature", ("issn", "0028-0836"))
    book = title_group("Algorithms", ("isbn", "9780262033848"), kind="work")

    response = admin_client.post(
        reverse("admin:copyright_rules_titlegroup_changelist"),
        {"action": "merge_groups", "_selected_action": [journal.pk, book.pk]},
        follow=True,
    )

    assert "groups of one kind" in response.content.decode()
    assert TitleGroup.objects.count() == 2


def test_splitting_identifiers_creates_a_new_group(admin_client: Client) -> None:
    group = title_group("Lancet", ("issn", "0140-6736"), ("issn", "1474-547X"))
    online = TitleIdentifier.objects.get(value="1474-547X")

    admin_client.post(
        reverse("admin:copyright_rules_titleidentifier_changelist"),
        {"action": "split_off", "_selected_action": [online.pk]},
    )

    online.refresh_from_db()
    assert online.group_id != group.pk
    assert online.group.name == "Lancet (split)"
    assert list(group.identifiers.values_list("value", flat=True)) == ["0140-6736"]


def test_an_identifier_is_stored_normalized(admin_client: Client) -> None:
    group = title_group("Science")

    admin_client.post(
        reverse("admin:copyright_rules_titleidentifier_add"),
        {"group": group.pk, "kind": "issn", "value": " 00368075 "},
    )

    assert list(group.identifiers.values_list("value", flat=True)) == ["0036-8075"]


def test_a_new_group_stores_its_inline_identifiers_normalized(admin_client: Client) -> None:
    admin_client.post(
        reverse("admin:copyright_rules_titlegroup_add"),
        {
            "name": "Journal of the American Chemical Society",
            "kind": "periodical",
            "identifiers-TOTAL_FORMS": "2",
            "identifiers-INITIAL_FORMS": "0",
            "identifiers-0-kind": "issn",
            "identifiers-0-value": "0002-7863",
            "identifiers-1-kind": "title",
            "identifiers-1-value": "J. Am. Chem. Soc.",
        },
    )

    group = TitleGroup.objects.get()
    assert sorted(group.identifiers.values_list("kind", "value")) == [
        ("issn", "0002-7863"),
        ("title", "j am chem soc"),
    ]


def test_an_invalid_issn_is_refused_next_to_the_field(admin_client: Client) -> None:
    group = title_group("Science")

    response = admin_client.post(
        reverse("admin:copyright_rules_titleidentifier_add"),
        {"group": group.pk, "kind": "issn", "value": "0036-8076"},
    )

    assert response.status_code == 200
    assert "Not a valid ISSN" in response.content.decode()
    assert not TitleIdentifier.objects.exists()


def test_an_isbn_cannot_join_a_periodical_group(admin_client: Client) -> None:
    group = title_group("Science")

    response = admin_client.post(
        reverse("admin:copyright_rules_titleidentifier_add"),
        {"group": group.pk, "kind": "isbn", "value": "9780262033848"},
    )

    assert "cannot have this kind" in response.content.decode()
    assert not TitleIdentifier.objects.exists()


def test_record_list_queries_do_not_grow_with_records(admin_client: Client) -> None:
    url = reverse("admin:copyright_rules_record_changelist")
    submit(make_institution())
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for _ in range(5):
        submit(make_institution())

    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)

    assert response.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_record_page_shows_decisions_and_status_history(admin_client: Client) -> None:
    record = submit(make_institution())
    services.set_record_status(record, Record.Status.IN_PROCESS, note="Pulled from the stacks")

    response = admin_client.get(reverse("admin:copyright_rules_record_change", args=[record.pk]))

    page = response.content.decode()
    assert "This is your 1st copy from Nature in 2024" in page
    assert "Pulled from the stacks" in page


def test_staff_set_a_legal_hold_with_a_reason(admin_client: Client) -> None:
    record = submit(make_institution())

    admin_client.post(
        reverse("admin:copyright_rules_record_change", args=[record.pk]),
        {"legal_hold": "on", "legal_hold_reason": "Litigation hold 2025-17", **NO_INLINES},
    )

    record.refresh_from_db()
    assert (record.legal_hold, record.legal_hold_reason) == (True, "Litigation hold 2025-17")


def test_setting_a_legal_hold_never_overwrites_a_status_changed_meanwhile(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = submit(make_institution())
    real_save_model = admin.site._registry[Record].save_model

    def workflow_moves_first(*args: Any) -> None:
        services.set_record_status(Record.objects.get(pk=record.pk), Record.Status.SHIPPED)
        real_save_model(*args)

    monkeypatch.setattr(admin.site._registry[Record], "save_model", workflow_moves_first)
    admin_client.post(
        reverse("admin:copyright_rules_record_change", args=[record.pk]),
        {"legal_hold": "on", "legal_hold_reason": "Audit", **NO_INLINES},
    )

    record.refresh_from_db()
    assert (record.status, record.legal_hold) == ("shipped", True)


def test_a_legal_hold_without_a_reason_is_refused(admin_client: Client) -> None:
    record = submit(make_institution())

    response = admin_client.post(
        reverse("admin:copyright_rules_record_change", args=[record.pk]),
        {"legal_hold": "on", "legal_hold_reason": " ", **NO_INLINES},
    )

    record.refresh_from_db()
    assert "Give the reason for the legal hold." in response.content.decode()
    assert record.legal_hold is False


def test_staff_cannot_edit_the_record_itself(admin_client: Client) -> None:
    record = submit(make_institution())

    admin_client.post(
        reverse("admin:copyright_rules_record_change", args=[record.pk]),
        {"status": "cancelled", "title_key": "ISSN:0000-0000", **NO_INLINES},
    )

    record.refresh_from_db()
    assert (record.status, record.title_key) == ("accepted", "ISSN:0028-0836")


def test_records_cannot_be_deleted_in_the_admin(admin_client: Client) -> None:
    record = submit(make_institution())

    response = admin_client.post(
        reverse("admin:copyright_rules_record_delete", args=[record.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Record.objects.filter(pk=record.pk).exists()


def test_unverified_title_keys_can_be_listed(admin_client: Client) -> None:
    title_group("Nature", ("issn", "0028-0836"))
    institution = make_institution()
    submit(institution)
    submit(institution, title="Obscure Quarterly", issns=[])

    response = admin_client.get(
        reverse("admin:copyright_rules_record_changelist"), {"key": "unverified"}
    )

    page = response.content.decode()
    assert "TITLE:obscure quarterly" in page
    assert "ISSN-GROUP:" not in page


def test_decisions_are_read_only_in_the_admin(admin_client: Client) -> None:
    record = submit(make_institution())
    decision = record.decisions.get()

    response = admin_client.post(
        reverse("admin:copyright_rules_decision_change", args=[decision.pk]),
        {"outcome": "REFUSE"},
    )

    decision.refresh_from_db()
    assert response.status_code == 403
    assert decision.outcome == "ACCEPT_CCG"
