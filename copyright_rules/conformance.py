"""Runs conformance vectors (docs/copyright.md section 8; section 9, clarification 16) through
`rules.decide`.

Pure: takes lines, returns results. The `copyright_conformance` management command prints them.
The `parse_*` functions also turn a form's facts dictionary (the vector keys) into rule facts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from copyright_rules.configuration import RuleSettings

from .facts import PriorRequest, RequestFacts, StaffDetermination
from .keys import Authority
from .rules import decide, retention_dates

_REQUEST_FIELDS = frozenset(RequestFacts.__dataclass_fields__) - {"staff_determination"}
# The rulebook derives a prior's year and key from its date and identifiers (docs/copyright.md
# section 1, "Keys follow the authority as it is now"): a vector may not set them.
_DERIVED_PRIOR_FIELDS = frozenset({"year", "key"})
_PRIOR_FIELDS = frozenset(PriorRequest.__dataclass_fields__) - _DERIVED_PRIOR_FIELDS
_LIST_FIELDS = ("issns", "isbns")
_NUMBER_FIELDS = ("pages_requested", "total_pages")
_FLAG_FIELDS = ("own_copy_covers_item", "counted")


class VectorError(ValueError):
    """A line that is not a valid vector."""


@dataclass(frozen=True, slots=True)
class VectorResult:
    line_number: int
    vector_id: str | None
    output: dict[str, object]
    passed: bool
    mismatches: tuple[str, ...] = ()


def parse_datetime(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.utcoffset() is None:
        raise VectorError(f"created_at {value!r} has no UTC offset")
    return moment


def _common(data: Mapping[str, object], allowed: frozenset[str]) -> dict[str, Any]:
    """The fields of a request or prior; a value of the wrong type is missing (docs/copyright.md
    section 1), so the rules answer R1 where they need it instead of the runner crashing."""
    values = {name: _typed(name, value) for name, value in data.items() if name in allowed}
    for name in _LIST_FIELDS:
        if values.get(name) is None:
            values.pop(name, None)
    created = values.get("created_at")
    if isinstance(created, str):
        values["created_at"] = parse_datetime(created)
    elif created is not None:
        raise VectorError(f"created_at {created!r} is not a date and time")
    return values


def _typed(name: str, value: object) -> object:
    if name in _LIST_FIELDS:
        items = value if isinstance(value, list) else ()
        return tuple(item for item in items if isinstance(item, str))
    if name == "author" and isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str)) or None
    if name in _NUMBER_FIELDS:
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if name in _FLAG_FIELDS:
        return value if isinstance(value, bool) else None
    if name in ("id", "created_at"):
        return value
    return value if isinstance(value, str) else None


def parse_request(data: Mapping[str, object]) -> RequestFacts:
    """The facts of a request from the vector (and form) keys; unknown keys are ignored."""
    values = _common(data, _REQUEST_FIELDS)
    values.setdefault("service", None)
    determination = data.get("staff_determination")
    if isinstance(determination, Mapping):
        kind, note = determination.get("kind"), determination.get("note")
        values["staff_determination"] = StaffDetermination(
            kind=kind if isinstance(kind, str) else "",
            note=note if isinstance(note, str) else None,
        )
    return RequestFacts(**values)


def parse_prior(data: Mapping[str, object]) -> PriorRequest:
    derived = sorted(_DERIVED_PRIOR_FIELDS & set(data))
    if derived:
        raise VectorError(
            f"history item {data.get('id')!r} sets {', '.join(derived)}: the rules derive "
            "a prior's year from its created_at and its key from its identifiers"
        )
    values = _common(data, _PRIOR_FIELDS)
    values["id"] = str(values.get("id"))
    values["counted"] = values.get("counted") is True
    return PriorRequest(**values)


def parse_authority(data: Mapping[str, Any] | None) -> Authority:
    data = data or {}
    return Authority.of_groups(
        issn_groups=data.get("issn_groups") or (),
        title_groups=data.get("title_groups") or {},
        isbn_groups=data.get("isbn_groups") or (),
    )


def run_vector(vector: Mapping[str, Any]) -> tuple[dict[str, object], tuple[str, ...]]:
    """The output dictionary of clarification 16 and the differences from `expect`."""
    settings = RuleSettings.from_mapping(vector.get("settings") or {})
    request_data = vector["request"]
    if request_data.get("service") is None:
        output = _retention_output(vector["id"], request_data, settings)
    else:
        output = _decision_output(vector, request_data, settings)
    return output, _mismatches(output, vector.get("expect") or {})


def _retention_output(
    vector_id: str, request: Mapping[str, Any], settings: RuleSettings
) -> dict[str, object]:
    retain_until, purge_on = retention_dates(
        parse_datetime(request["created_at"]), settings.time_zone
    )
    return {
        "id": vector_id,
        "retain_until": retain_until.isoformat(),
        "purge_on": purge_on.isoformat(),
    }


def _decision_output(
    vector: Mapping[str, Any], request_data: Mapping[str, Any], settings: RuleSettings
) -> dict[str, object]:
    request = parse_request(request_data)
    priors = [parse_prior(item) for item in vector.get("history") or ()]
    decision = decide(request, priors, settings, parse_authority(vector.get("authority")))
    return {
        "id": vector["id"],
        "outcome": str(decision.outcome),
        "rule": str(decision.rule),
        "counted": decision.counted,
        "copy_number": decision.copy_number,
        "flags": [str(flag) for flag in decision.flags],
        "title_key": decision.title_key,
        "counted_ids": list(decision.counted_ids),
    }


def _mismatches(output: Mapping[str, object], expect: Mapping[str, Any]) -> tuple[str, ...]:
    problems = []
    for name, wanted in expect.items():
        actual = output.get(name)
        if name == "flags":
            given = actual if isinstance(actual, list) else []
            missing = [flag for flag in wanted if flag not in given]
            if missing:
                problems.append(f"flags: missing {missing}, got {actual}")
        elif actual != wanted:
            problems.append(f"{name}: expected {wanted!r}, got {actual!r}")
    return tuple(problems)


def run_line(line_number: int, line: str) -> VectorResult | None:
    """One line's result; None for a blank line. A malformed line fails, it never raises."""
    if not line.strip():
        return None
    vector_id = None
    try:
        vector = json.loads(line)
        vector_id = vector.get("id")
        output, mismatches = run_vector(vector)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        message = f"line {line_number}: malformed vector: {error!r}"
        output = {"id": vector_id, "line": line_number, "error": message}
        return VectorResult(line_number, vector_id, output, False, (message,))
    return VectorResult(line_number, vector_id, output, not mismatches, mismatches)


def run_lines(lines: Iterable[str]) -> tuple[list[VectorResult], int, int]:
    """Every vector's result, then the numbers passed and failed."""
    results: Sequence[VectorResult | None] = [
        run_line(number, line) for number, line in enumerate(lines, start=1)
    ]
    outputs = [result for result in results if result is not None]
    passed = sum(result.passed for result in outputs)
    return outputs, passed, len(outputs) - passed
