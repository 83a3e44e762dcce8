"""A second database for races on SQLite, whichever database the rest of the suite uses."""

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.db.utils import load_backend

from illdesk import settings as project_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sqlite_race_database(tmp_path: Path) -> dict[str, Any]:
    """A separate SQLite file database, migrated with the project's own settings (WAL,
    IMMEDIATE), so the SQLite variant runs whichever database the rest of the suite uses."""
    path = tmp_path / "race.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity=0"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    config = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": dict(project_settings._SQLITE_OPTIONS),
    }
    default = {**connections.settings["default"]}
    return connections.configure_settings({"default": default, "race": config})["race"]


@pytest.fixture
def use_sqlite(sqlite_race_database: dict[str, Any]) -> Callable[[], None]:
    """Call it first in a thread: that thread's "default" connection becomes one to the SQLite
    file, so the services run unchanged, in IMMEDIATE transactions, with no advisory lock (that
    is PostgreSQL's)."""

    def connect() -> None:
        backend = load_backend(sqlite_race_database["ENGINE"])
        connections["default"] = backend.DatabaseWrapper(sqlite_race_database, "race")

    return connect
