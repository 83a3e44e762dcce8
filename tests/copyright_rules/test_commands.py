"""The copyright_conformance command: one JSON line per vector, a summary, exit 1 on failure."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_VECTORS = ROOT / "tests" / "data" / "copyright_vectors_public.jsonl"
FAILING_VECTOR = {
    "id": "X1",
    "request": {
        "institution": "AAA",
        "created_at": "2024-09-01T10:00:00-04:00",
        "service": "loan",
    },
    "expect": {"outcome": "ACCEPT_CCG"},
}


def run(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "copyright_conformance", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_public_vector_passes() -> None:
    vectors = [line for line in PUBLIC_VECTORS.read_text().splitlines() if line.strip()]

    result = run(PUBLIC_VECTORS)

    *outputs, summary = result.stdout.splitlines()
    assert result.returncode == 0
    assert summary == f"{len(vectors)} passed, 0 failed"
    assert [json.loads(line)["id"] for line in outputs] == [json.loads(v)["id"] for v in vectors]


def test_a_failing_vector_exits_with_status_one(tmp_path: Path) -> None:
    path = tmp_path / "failing.jsonl"
    path.write_text(json.dumps(FAILING_VECTOR) + "\n")

    result = run(path)

    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == "0 passed, 1 failed"
    assert "X1: outcome" in result.stderr


def test_each_line_reports_the_decision() -> None:
    out = StringIO()

    call_command("copyright_conformance", str(PUBLIC_VECTORS), stdout=out)

    first = json.loads(out.getvalue().splitlines()[0])
    assert {"id", "outcome", "rule", "counted", "copy_number", "flags"} <= set(first)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        call_command("copyright_conformance", str(tmp_path / "absent.jsonl"))
