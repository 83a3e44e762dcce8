"""New rows that point to each other, in one INSERT statement on PostgreSQL (illdesk/inserts.py)."""

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from copyright_rules.models import TitleGroup, TitleIdentifier
from illdesk.inserts import New, insert_together
from registration.models import OutboxMessage

pytestmark = pytest.mark.django_db


def a_group(name: str) -> tuple[TitleGroup, TitleIdentifier, TitleIdentifier]:
    group = TitleGroup(name=name)
    issn = TitleIdentifier(group=group, kind="issn", value=f"{name} issn")
    title = TitleIdentifier(group=group, kind="title", value=f"{name} title")
    return group, issn, title


def test_rows_get_their_ids_and_point_to_the_rows_written_before_them() -> None:
    group, issn, title = a_group("nature")

    with transaction.atomic():
        insert_together(group, issn, title)

    assert TitleGroup.objects.get(pk=group.pk).name == "nature"
    stored = TitleIdentifier.objects.filter(group=group).order_by("pk")
    assert list(stored.values_list("pk", "value")) == [
        (issn.pk, "nature issn"),
        (title.pk, "nature title"),
    ]
    assert (issn.group_id, issn._state.adding) == (group.pk, False)


@pytest.mark.postgres_only
def test_on_postgres_they_are_one_statement() -> None:
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        insert_together(*a_group("nature"))

    assert len(queries) == 1


def test_a_column_named_in_ids_takes_an_earlier_row_id() -> None:
    group, *_ = a_group("science")
    message = OutboxMessage(email="request-received")

    with transaction.atomic():
        insert_together(group, New(message, ids={"target_id": group}))

    assert OutboxMessage.objects.get(pk=message.pk).target_id == group.pk


def test_each_call_writes_its_own_values() -> None:
    # The statement is compiled once per kind of row; the values are the instance's own.
    for name in ("cell", "lancet"):
        with transaction.atomic():
            insert_together(*a_group(name))

    rows = TitleIdentifier.objects.values_list("group__name", "value")
    assert sorted(rows) == [
        ("cell", "cell issn"),
        ("cell", "cell title"),
        ("lancet", "lancet issn"),
        ("lancet", "lancet title"),
    ]


@pytest.mark.postgres_only
def test_an_expression_as_a_value_is_refused() -> None:
    group = TitleGroup(name=F("note"))

    with pytest.raises(TypeError), transaction.atomic():
        insert_together(group)


def test_a_row_pointing_to_an_unsaved_row_not_written_with_it_is_refused() -> None:
    _, issn, _ = a_group("nature")

    with pytest.raises(ValueError, match="group_id"), transaction.atomic():
        insert_together(issn)
