"""Numbers read from input (forms, query strings): ASCII digits only, range-checked before they
reach the database. `str.isdigit()` accepts "²" (which `int()` refuses) and "٣" (which `int()`
reads), and a number past a column's range is a database error, not a field error."""

from __future__ import annotations

import re

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
