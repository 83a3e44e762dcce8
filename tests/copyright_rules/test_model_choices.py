"""The copyright vocabulary is written once (docs/copyright.md section 3): one label map beside
each engine enum (`facts.py`, `keys.py`), naming every member, and the models pass that map as
their choices, so a stored row can hold only what the rules know, labelled the same everywhere."""

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import pytest
from django.db.models import Field

from copyright_rules import facts, keys
from copyright_rules.models import (
    Decision,
    Record,
    RecordIdentifier,
    RecordStatusChange,
    TitleIdentifier,
)
from requests_app.forms import DeterminationForm

LABELS: list[tuple[type[StrEnum], Mapping[Any, str]]] = [
    (facts.Service, facts.SERVICE_LABELS),
    (facts.WorkKind, facts.WORK_KIND_LABELS),
    (facts.Statement, facts.STATEMENT_LABELS),
    (facts.Basis, facts.BASIS_LABELS),
    (facts.Status, facts.STATUS_LABELS),
    (facts.Outcome, facts.OUTCOME_LABELS),
    (facts.Flag, facts.FLAG_LABELS),
    (facts.DeterminationKind, facts.DETERMINATION_LABELS),
    (keys.IdentifierKind, keys.IDENTIFIER_KIND_LABELS),
]


@pytest.mark.parametrize(("enum", "labels"), LABELS, ids=[enum.__name__ for enum, _ in LABELS])
def test_each_engine_enum_has_one_label_for_each_member(
    enum: type[StrEnum], labels: Mapping[Any, str]
) -> None:
    assert list(labels) == list(enum)
    assert all(label.strip() for label in labels.values())


FIELDS: list[tuple[Field, Mapping[Any, str]]] = [
    (Record._meta.get_field("service"), facts.SERVICE_LABELS),
    (Record._meta.get_field("work_kind"), facts.WORK_KIND_LABELS),
    (Record._meta.get_field("statement"), facts.STATEMENT_LABELS),
    (Record._meta.get_field("basis"), facts.BASIS_LABELS),
    (Record._meta.get_field("status"), facts.STATUS_LABELS),
    (Record._meta.get_field("outcome"), facts.OUTCOME_LABELS),
    (Record._meta.get_field("determination_kind"), facts.DETERMINATION_LABELS),
    (Decision._meta.get_field("outcome"), facts.OUTCOME_LABELS),
    (RecordStatusChange._meta.get_field("from_status"), facts.STATUS_LABELS),
    (RecordStatusChange._meta.get_field("to_status"), facts.STATUS_LABELS),
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
        "fair_use": facts.DETERMINATION_LABELS[facts.DeterminationKind.FAIR_USE],
        "s108e": facts.DETERMINATION_LABELS[facts.DeterminationKind.S108E],
    }


def test_the_clearance_queue_tags_a_held_request_with_the_engine_label() -> None:
    pending = Record(permission_reference="CCC 9931", permission_confirmed=False)

    assert pending.waiting_for is facts.Flag.PERMISSION_TO_CONFIRM
    assert pending.waiting_for_label == facts.FLAG_LABELS[facts.Flag.PERMISSION_TO_CONFIRM]
