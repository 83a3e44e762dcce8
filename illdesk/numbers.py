"""Numbers read from input (forms, query strings): ASCII digits only, range-checked before they
reach the database. `str.isdigit()` accepts "²" (which `int()` refuses) and "٣" (which `int()`
reads), and a number past a column's range is a database error, not a field error. The form
fields the apps' forms take numbers and hidden ids with refuse the same way."""

from __future__ import annotations

import re
from typing import Any

from django import forms

ASCII_DIGITS = re.compile(r"[0-9]+", re.ASCII)
# The smallest integer column input goes into: PostgreSQL's `integer` (Django's IntegerField).
INTEGER_MAX = 2_147_483_647
# Primary keys are `bigint` (DEFAULT_AUTO_FIELD).
BIGINT_MAX = 9_223_372_036_854_775_807


def parse_number(text: str, *, minimum: int = 0, maximum: int = INTEGER_MAX) -> int | None:
    """The whole number `text` spells in ASCII digits, if within [minimum, maximum]; else None."""
    text = text.strip()
    if not ASCII_DIGITS.fullmatch(text) or len(text) > len(str(maximum)):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


class AsciiInput(forms.Field):
    """Refuses text with a character outside ASCII before the field reads it: `int()` and
    `Decimal()` read "٣" and other non-ASCII digits. First among a field class's bases; the
    error is the field's own message (`refused`) for a value it cannot read."""

    refused = "invalid"

    # Any: what the field class after this one in the bases reads and returns.
    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and not value.isascii():
            raise forms.ValidationError(self.error_messages[self.refused], code=self.refused)
        return super().to_python(value)


class AsciiIntegerField(AsciiInput, forms.IntegerField):
    """An integer typed in ASCII digits, within the range of an `integer` column."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_value", INTEGER_MAX)
        super().__init__(**kwargs)


class AsciiDecimalField(AsciiInput, forms.DecimalField):
    """A decimal number typed in ASCII digits."""


class AsciiModelChoiceField(AsciiInput, forms.ModelChoiceField):
    """A choice of a row by its key, typed in ASCII digits (a hidden field holding an id)."""

    refused = "invalid_choice"
