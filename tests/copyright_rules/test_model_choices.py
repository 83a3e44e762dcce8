"""The database's choices restate the rule engine's values with labels for staff: they must name
exactly the same values, or a stored row could hold what the rules do not know."""

from enum import StrEnum

import pytest
from django.db import models

from copyright_rules import facts, keys
from copyright_rules.models import (
    IdentifierKind,
    RecordBasis,
    RecordDeterminationKind,
    RecordOutcome,
    RecordStatement,
    RecordStatus,
    RecordWorkKind,
)


@pytest.mark.parametrize(
    ("choices", "rule_values"),
    [
        (RecordWorkKind, facts.WorkKind),
        (RecordStatus, facts.Status),
        (RecordOutcome, facts.Outcome),
        (RecordStatement, facts.Statement),
        (RecordBasis, facts.Basis),
        (RecordDeterminationKind, facts.DeterminationKind),
        (IdentifierKind, keys.IdentifierKind),
    ],
)
def test_model_choices_name_exactly_the_rule_engine_values(
    choices: type[models.TextChoices], rule_values: type[StrEnum]
) -> None:
    assert set(choices.values) == {member.value for member in rule_values}
