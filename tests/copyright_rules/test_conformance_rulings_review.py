"""The vectors of the rights review of reproduction orders and of a library's pending
permission (docs/copyright.md section 4, "Reproduction orders", and section 5), through the
runner and the command."""

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from copyright_rules.conformance import run_lines, run_vector

VECTORS = Path(__file__).resolve().parents[1] / "data" / "copyright_vectors_rulings_review.jsonl"
REVIEW = [json.loads(line) for line in VECTORS.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize("vector", REVIEW, ids=[vector["id"] for vector in REVIEW])
def test_rulings_review_vector(vector: dict[str, Any]) -> None:
    output, mismatches = run_vector(vector)
    assert mismatches == (), output


def test_every_rulings_review_vector_passes() -> None:
    results, passed, failed = run_lines(VECTORS.read_text(encoding="utf-8").splitlines())
    assert (len(results), passed, failed) == (23, 23, 0)


def test_the_runner_reads_the_rights_and_the_entered_reference() -> None:
    photograph = next(vector for vector in REVIEW if vector["id"] == "RV11")
    not_an_order = {**photograph, "request": {**photograph["request"], "rights": None}}
    assert (run_vector(photograph)[0]["rule"], run_vector(not_an_order)[0]["rule"]) == ("O2", "R5")
    pending = next(vector for vector in REVIEW if vector["id"] == "RV15")
    unconfirmed = {**pending, "request": {**pending["request"], "rights": "unknown"}}
    not_entered = {
        **pending,
        "request": {**pending["request"], "permission_reference_entered": None},
    }
    assert run_vector(unconfirmed)[0]["rule"] == "R2"
    assert run_vector(not_entered)[0]["rule"] == "O2"


def test_the_conformance_command_passes_the_rulings_review_vectors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command("copyright_conformance", str(VECTORS))
    assert capsys.readouterr().out.splitlines()[-1] == "23 passed, 0 failed"
