"""What the copyright models share: a CHECK constraint naming a field's allowed values."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q


def in_choices(field: str, values: Iterable[str], *, blank: bool = False) -> Q:
    """The field holds one of `values` (an engine enum, docs/copyright.md), or "" with `blank`."""
    allowed = [str(value) for value in values] + ([""] if blank else [])
    return Q(**{f"{field}__in": allowed})
