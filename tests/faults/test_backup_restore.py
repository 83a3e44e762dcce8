"""The restore drill: `make backup` of a seeded PostgreSQL database, `make restore` into another
database, and the two compared table by table."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection

from tests.services import ROOT, database_url_for_subprocess

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

RESTORED = "illdesk_restore_drill"
SAMPLE = 50


def _make(target: str, database_url: str, **variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", target, *(f"{k}={v}" for k, v in variables.items())],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def seeded(django_user_model: object) -> str:
    call_command("seed_demo")
    for number in range(3):
        user = django_user_model.objects.create_user(f"drill{number}", password="x-" * 10)  # type: ignore[attr-defined]
        user.groups.add(Group.objects.get_or_create(name=f"drill group {number}")[0])
    return database_url_for_subprocess()


@pytest.fixture
def database_url() -> str:
    """The test database's address, for a drill that needs no rows in it (seeding takes long)."""
    return database_url_for_subprocess()


@pytest.fixture
def restored_url(seeded: str) -> Iterator[str]:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{RESTORED}"')
        cursor.execute(f'CREATE DATABASE "{RESTORED}"')
    yield seeded.rsplit("/", 1)[0] + f"/{RESTORED}"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{RESTORED}" WITH (FORCE)')


def _snapshot(url: str) -> dict[str, tuple[int, list[tuple[object, ...]]]]:
    """Every table's row count and its first rows in a stable order."""
    found: dict[str, tuple[int, list[tuple[object, ...]]]] = {}
    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
            )
        ]
        for table in tables:
            count = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()
            rows = conn.execute(f'SELECT * FROM "{table}" ORDER BY 1 LIMIT {SAMPLE}').fetchall()
            found[table] = (count[0] if count else -1, rows)
    return found


def test_a_backup_restored_into_another_database_has_every_row(
    seeded: str, restored_url: str, tmp_path: Path
) -> None:
    dump = tmp_path / "drill.dump"

    backup = _make("backup", seeded, FILE=str(dump))
    assert backup.returncode == 0, backup.stderr
    restore = _make("restore", restored_url, FILE=str(dump))
    assert restore.returncode == 0, restore.stderr

    original, copy = _snapshot(seeded), _snapshot(restored_url)
    assert {t: n for t, (n, _) in copy.items()} == {t: n for t, (n, _) in original.items()}
    assert copy == original
    assert original["auth_user"][0] >= 4 and original["django_migrations"][0] > 0


def test_restoring_over_an_existing_database_replaces_its_rows(
    seeded: str, restored_url: str, tmp_path: Path
) -> None:
    dump = tmp_path / "drill.dump"
    assert _make("backup", seeded, FILE=str(dump)).returncode == 0
    assert _make("restore", restored_url, FILE=str(dump)).returncode == 0
    with psycopg.connect(restored_url) as conn:
        conn.execute("DELETE FROM auth_user_groups")
        conn.execute("INSERT INTO auth_group (name) VALUES ('added after the backup')")

    again = _make("restore", restored_url, FILE=str(dump))

    assert again.returncode == 0, again.stderr
    assert _snapshot(restored_url) == _snapshot(seeded)


def test_the_default_backup_file_is_timestamped_under_backups(database_url: str) -> None:
    before = set((ROOT / "backups").glob("illdesk-*.dump"))

    result = _make("backup", database_url)

    made = set((ROOT / "backups").glob("illdesk-*.dump")) - before
    for path in made:
        path.unlink()
    assert result.returncode == 0, result.stderr
    assert len(made) == 1


def test_restore_without_a_file_refuses_and_explains(database_url: str) -> None:
    result = _make("restore", database_url)

    assert result.returncode != 0
    assert "FILE=" in result.stderr
