"""The copyright_conformance command: one JSON line per vector, a summary, exit 1 on failure;
and the purge_records command's batch and pause options."""

import json
import re
import subprocess
import sys
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.db import transaction

from copyright_rules import retention, services
from copyright_rules.models import Record
from tests.copyright_rules.factories import (
    article,
    at,
    decide_and_record,
    make_institution,
    request_of,
)

ROOT = Path(__file__).resolve().parents[2]
PURGE_DAY = date(2026, 1, 1)  # in the past: the command refuses a later --today
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


# --- purge_records ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--batch-size", "0", "--batch-size must be a whole number from 1 to 20000, not 0"),
        ("--batch-size", "20001", "--batch-size must be a whole number from 1 to 20000"),
        ("--batch-size", "many", "--batch-size: invalid int value: 'many'"),
        ("--pause", "-1", "--pause must be a number of seconds, 0 or more, not -1.0"),
        ("--pause", "nan", "--pause must be a number of seconds, 0 or more, not nan"),
        ("--pause", "soon", "--pause: invalid float value: 'soon'"),
    ],
)
def test_the_purge_command_refuses_a_bad_batch_size_or_pause(
    option: str, value: str, message: str
) -> None:
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("purge_records", option, value, "--today", str(PURGE_DAY))


@pytest.mark.django_db
def test_the_purge_command_purges_in_the_batches_and_pauses_it_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for number in range(3):
        record_due_on(PURGE_DAY, article=f"Article {number}")
    pauses: list[float] = []
    monkeypatch.setattr(retention, "sleep", pauses.append)
    out = StringIO()

    call_command(
        "purge_records",
        "--today",
        str(PURGE_DAY),
        "--batch-size",
        "2",
        "--pause",
        "1.5",
        stdout=out,
    )

    assert out.getvalue().startswith("3 records purged")
    assert pauses == [1.5, 1.5]


def record_due_on(day: date, **facts: Any) -> Record:
    with transaction.atomic():
        record, _ = decide_and_record(
            make_institution(),
            request_of(
                article(publication_date=str(day.year - 5), **facts),
                service="copy",
                created_at=at(day.year - 4),
            ),
        )
    return services.set_record_status(record, Record.Status.FILLED)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("COPYRIGHT_PURGE_BATCH_SIZE", 0, "COPYRIGHT_PURGE_BATCH_SIZE must be a whole number"),
        ("COPYRIGHT_PURGE_PAUSE", -0.5, "COPYRIGHT_PURGE_PAUSE must be a number of seconds"),
    ],
)
def test_a_bad_purge_setting_fails_the_system_check(
    settings: Any, name: str, value: float, message: str
) -> None:
    setattr(settings, name, value)

    errors = [e for e in run_checks() if e.id == "copyright_rules.E001"]

    assert [e.msg.startswith(message) for e in errors] == [True]


def test_the_default_purge_settings_pass_the_system_check() -> None:
    assert [e for e in run_checks() if e.id == "copyright_rules.E001"] == []


def test_an_unknown_held_reevaluation_setting_fails_the_system_check(settings: Any) -> None:
    settings.COPYRIGHT_HELD_REEVALUATION = "sometimes"

    errors = [e for e in run_checks() if e.id == "copyright_rules.E002"]

    assert [e.msg for e in errors] == [
        "COPYRIGHT_HELD_REEVALUATION must be automatic or staff, not 'sometimes'"
    ]


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        (
            "COPYRIGHT_TIME_ZONE",
            "Mars/Olympus_Mons",
            "No time zone found with key Mars/Olympus_Mons",
        ),
        ("COPYRIGHT_PERIODICAL_LIMIT", -1, "periodical_limit must be a non-negative integer"),
        ("COPYRIGHT_SMALL_PART_MAX_FRACTION", 1.5, "small_part_max_fraction must be between"),
    ],
)
def test_a_rule_setting_the_rules_cannot_take_fails_the_system_check(
    settings: Any, name: str, value: object, problem: str
) -> None:
    setattr(settings, name, value)

    errors = [e for e in run_checks() if e.id == "copyright_rules.E003"]

    assert [problem in e.msg for e in errors] == [True]


def test_the_default_rule_settings_pass_the_system_check() -> None:
    assert [e for e in run_checks() if e.id == "copyright_rules.E003"] == []
