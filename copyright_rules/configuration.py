"""The settings the copyright rules read (docs/copyright.md section 2), as one frozen value.

Pure Python, like `facts.py`: the Django side fills `RuleSettings` from the `COPYRIGHT_*`
settings (`copyright_rules.services.rule_settings`), the conformance runner from a vector file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo


class DateMode(StrEnum):
    EXACT = "exact"
    CALENDAR_YEARS = "calendar_years"


class NonperiodicalScope(StrEnum):
    CALENDAR_YEAR = "calendar_year"
    TERM = "term"


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _check_count(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, not {value!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleSettings:
    """docs/copyright.md section 2; the Django side fills it from the `COPYRIGHT_*` settings."""

    time_zone: str = "America/New_York"
    periodical_limit: int = 5
    nonperiodical_limit: int = 5
    nonperiodical_scope: NonperiodicalScope = NonperiodicalScope.CALENDAR_YEAR
    window_years: int = 5
    date_mode: DateMode = DateMode.EXACT
    max_future_years: int = 1
    one_article_per_issue: bool = True
    small_part_max_fraction: float = 0.10

    def __post_init__(self) -> None:
        zone(self.time_zone)  # raises ZoneInfoNotFoundError for a misspelt zone
        for name in ("periodical_limit", "nonperiodical_limit", "window_years", "max_future_years"):
            _check_count(name, getattr(self, name))
        object.__setattr__(self, "date_mode", DateMode(self.date_mode))
        object.__setattr__(
            self, "nonperiodical_scope", NonperiodicalScope(self.nonperiodical_scope)
        )
        if not isinstance(self.one_article_per_issue, bool):
            raise ValueError("one_article_per_issue must be a boolean")
        if not 0 <= self.small_part_max_fraction <= 1:
            raise ValueError("small_part_max_fraction must be between 0 and 1")

    @classmethod
    def from_mapping(
        cls, values: Mapping[str, object], *, base: RuleSettings | None = None
    ) -> RuleSettings:
        """Override `base` (default: the defaults of docs/copyright.md section 2) by name.

        Names are the settings without the `COPYRIGHT_` prefix, in any case
        (`periodical_limit`, `COPYRIGHT_DATE_MODE`); an unknown name is an error, so a typo
        never silently leaves the default in force.
        """
        known = {f.name for f in dataclasses.fields(cls)}
        changes: dict[str, Any] = {}  # checked by __post_init__
        for raw_name, value in values.items():
            name = raw_name.lower().removeprefix("copyright_")
            if name not in known:
                raise ValueError(f"unknown copyright setting {raw_name!r}")
            changes[name] = value
        return dataclasses.replace(base or cls(), **changes)

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.time_zone)
