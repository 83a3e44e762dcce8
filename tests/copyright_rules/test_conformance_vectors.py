"""The SPEC.md section 8 vectors, through the same runner the conformance command uses."""

import json
from pathlib import Path
from typing import Any

import pytest

from copyright_rules.conformance import run_line, run_lines, run_vector

VECTORS = Path(__file__).resolve().parents[1] / "data" / "copyright_vectors_public.jsonl"
PUBLIC = [json.loads(line) for line in VECTORS.read_text(encoding="utf-8").splitlines() if line]
DECISION_KEYS = ["id", "outcome", "rule", "counted", "copy_number", "flags", "title_key"]


# Vectors of the rulings of docs/copyright.md section 10, written from the rulebook.
RULINGS = Path(__file__).resolve().parents[1] / "data" / "copyright_vectors_rulings.jsonl"
RULED = [json.loads(line) for line in RULINGS.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize("vector", PUBLIC, ids=[vector["id"] for vector in PUBLIC])
def test_public_vector(vector: dict[str, Any]) -> None:
    output, mismatches = run_vector(vector)
    assert mismatches == (), output


@pytest.mark.parametrize("vector", RULED, ids=[vector["id"] for vector in RULED])
def test_rulings_vector(vector: dict[str, Any]) -> None:
    output, mismatches = run_vector(vector)
    assert mismatches == (), output


def test_all_public_vectors_pass_through_run_lines() -> None:
    results, passed, failed = run_lines(VECTORS.read_text(encoding="utf-8").splitlines())
    assert (len(results), passed, failed) == (51, 51, 0)


def test_decision_output_has_the_fields_of_clarification_16() -> None:
    output, _ = run_vector(PUBLIC[0])
    assert list(output) == [*DECISION_KEYS, "counted_ids"]
    assert output["title_key"] == "ISSN-GROUP:0"


def test_retention_output_has_the_fields_of_clarification_16() -> None:
    vector = next(vector for vector in PUBLIC if vector["id"] == "P51")
    output, _ = run_vector(vector)
    assert output == {"id": "P51", "retain_until": "2027-12-31", "purge_on": "2028-01-01"}


def test_settings_apply_to_retention_vectors() -> None:
    vector = {
        "id": "R1",
        "settings": {"time_zone": "UTC"},
        "request": {"created_at": "2025-01-01T04:30:00Z"},
        "expect": {"retain_until": "2028-12-31"},
    }
    assert run_vector(vector)[1] == ()


def test_counted_ids_are_reported() -> None:
    vector = next(vector for vector in PUBLIC if vector["id"] == "P05")
    assert run_vector(vector)[0]["counted_ids"] == ["h1", "h2"]


def test_a_vector_without_expect_passes_and_prints_the_decision() -> None:
    vector = {key: value for key, value in PUBLIC[0].items() if key not in {"expect", "about"}}
    result = run_line(1, json.dumps(vector))
    assert result is not None and result.passed
    assert result.output["outcome"] == "ACCEPT_CCG"


@pytest.mark.parametrize(
    ("expect", "problem"),
    [
        ({"outcome": "REFUSE"}, "outcome: expected 'REFUSE', got 'ACCEPT_CCG'"),
        ({"copy_number": 2}, "copy_number: expected 2, got 1"),
        ({"flags": ["unverified_title_key"]}, "flags: missing ['unverified_title_key'], got []"),
    ],
)
def test_a_differing_decision_fails_with_the_difference(
    expect: dict[str, Any], problem: str
) -> None:
    result = run_line(1, json.dumps(PUBLIC[0] | {"expect": expect}))
    assert result is not None and not result.passed
    assert result.mismatches == (problem,)


@pytest.mark.parametrize(
    "line",
    [
        "{not json",
        "[]",
        '{"id": "X1"}',
        '{"id": "X2", "request": {"service": "copy"}}',
        '{"id": "X3", "request": {"service": "copy", "created_at": "2024-09-01T10:00:00"}}',
        '{"id": "X4", "request": {"created_at": "yesterday"}}',
        '{"id": "X5", "settings": {"limit": 3}, "request": {"created_at": "2024-01-01T00:00:00Z"}}',
        '{"id": "X6", "request": {"service": "copy", "created_at": "2024-09-01T10:00:00Z",'
        ' "bogus": 1}, "history": [{"id": "h1"}]}',
    ],
)
def test_a_malformed_line_is_a_failure_with_its_line_number(line: str) -> None:
    lines = [json.dumps(PUBLIC[0]), "", line]
    results, passed, failed = run_lines(lines)
    assert (passed, failed) == (1, 1)
    assert results[-1].line_number == 3
    assert "line 3" in results[-1].mismatches[0]


def test_blank_lines_are_skipped() -> None:
    assert run_lines(["", "  "]) == ([], 0, 0)


@pytest.mark.parametrize(
    ("field", "value"),
    [("publication_date", 2023), ("publication_date", ["2023"]), ("title", 7)],
)
def test_a_value_that_is_not_a_string_is_missing_and_gives_r1(field: str, value: Any) -> None:
    vector = json.loads(json.dumps(PUBLIC[0]))
    vector["request"][field] = value
    if field == "title":
        vector["request"]["issns"] = []
    vector["expect"] = {"outcome": "REJECT_INCOMPLETE", "rule": "R1"}

    result = run_line(1, json.dumps(vector))

    assert result is not None and result.passed, result


@pytest.mark.parametrize("derived", ["year", "key"])
def test_a_history_item_may_not_set_what_the_rules_derive(derived: str) -> None:
    vector = json.loads(json.dumps(PUBLIC[1]))
    vector["history"][0][derived] = 2024 if derived == "year" else "TITLE:other"

    result = run_line(1, json.dumps(vector))

    assert result is not None and not result.passed
    assert derived in result.mismatches[0] and "derive" in result.mismatches[0]
