"""The copyright vocabulary is written once (docs/copyright.md section 3): one label map beside
each engine enum (`vocabulary.py`, `keys.py`), naming every member, and the models pass that map as
their choices, so a stored row can hold only what the rules know, labelled the same everywhere."""

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import pytest
from django.db.models import Field

from copyright_rules import keys, vocabulary
from copyright_rules.models import (
    Decision,
    Record,
    RecordIdentifier,
    RecordStatusChange,
    TitleIdentifier,
)
from requests_app.forms import DeterminationForm

LABELS: list[tuple[type[StrEnum], Mapping[Any, str]]] = [
    (vocabulary.Service, vocabulary.SERVICE_LABELS),
    (vocabulary.WorkKind, vocabulary.WORK_KIND_LABELS),
    (vocabulary.Statement, vocabulary.STATEMENT_LABELS),
    (vocabulary.Basis, vocabulary.BASIS_LABELS),
    (vocabulary.Status, vocabulary.STATUS_LABELS),
    (vocabulary.Outcome, vocabulary.OUTCOME_LABELS),
    (vocabulary.Flag, vocabulary.FLAG_LABELS),
    (vocabulary.DeterminationKind, vocabulary.DETERMINATION_LABELS),
    (keys.IdentifierKind, keys.IDENTIFIER_KIND_LABELS),
]


@pytest.mark.parametrize(("enum", "labels"), LABELS, ids=[enum.__name__ for enum, _ in LABELS])
def test_each_engine_enum_has_one_label_for_each_member(
    enum: type[StrEnum], labels: Mapping[Any, str]
) -> None:
    assert list(labels) == list(enum)
    assert all(label.strip() for label in labels.values())


FIELDS: list[tuple[Field, Mapping[Any, str]]] = [
    (Record._meta.get_field("service"), vocabulary.SERVICE_LABELS),
    (Record._meta.get_field("work_kind"), vocabulary.WORK_KIND_LABELS),
    (Record._meta.get_field("statement"), vocabulary.STATEMENT_LABELS),
    (Record._meta.get_field("basis"), vocabulary.BASIS_LABELS),
    (Record._meta.get_field("status"), vocabulary.STATUS_LABELS),
    (Record._meta.get_field("outcome"), vocabulary.OUTCOME_LABELS),
    (Record._meta.get_field("determination_kind"), vocabulary.DETERMINATION_LABELS),
    (Decision._meta.get_field("outcome"), vocabulary.OUTCOME_LABELS),
    (RecordStatusChange._meta.get_field("from_status"), vocabulary.STATUS_LABELS),
    (RecordStatusChange._meta.get_field("to_status"), vocabulary.STATUS_LABELS),
    (RecordIdentifier._meta.get_field("kind"), keys.IDENTIFIER_KIND_LABELS),
    (TitleIdentifier._meta.get_field("kind"), keys.IDENTIFIER_KIND_LABELS),
]


@pytest.mark.parametrize(
    ("field", "labels"), FIELDS, ids=[f"{f.model.__name__}.{f.name}" for f, _ in FIELDS]
)
def test_the_models_choices_are_the_engine_labels(field: Field, labels: Mapping[Any, str]) -> None:
    assert dict(field.choices or []) == dict(labels)


@pytest.mark.django_db
def test_a_record_shows_its_values_with_the_engine_labels() -> None:
    record = Record(service="copy", status="awaiting_clearance", outcome="NEEDS_PERMISSION")
    shown = (
        record.get_service_display(),
        record.get_status_display(),
        record.get_outcome_display(),
    )

    assert shown == ("Copy", "Awaiting copyright clearance", "Needs permission")
    assert dict(DeterminationForm.base_fields["kind"].choices) == {  # type: ignore[attr-defined]
        "fair_use": vocabulary.DETERMINATION_LABELS[vocabulary.DeterminationKind.FAIR_USE],
        "s108e": vocabulary.DETERMINATION_LABELS[vocabulary.DeterminationKind.S108E],
    }


def test_the_clearance_queue_tags_a_held_request_with_the_engine_label() -> None:
    pending = Record(permission_reference="CCC 9931", permission_confirmed=False)

    assert pending.waiting_for is vocabulary.Flag.PERMISSION_TO_CONFIRM
    assert (
        pending.waiting_for_label == vocabulary.FLAG_LABELS[vocabulary.Flag.PERMISSION_TO_CONFIRM]
    )
