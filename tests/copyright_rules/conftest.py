"""A second database for races on SQLite, whichever database the rest of the suite uses."""

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.db.utils import load_backend

from illdesk import settings as project_settings


@pytest.fixture
def sqlite_race_database(tmp_path: Path, migrated_sqlite: Path) -> dict[str, Any]:
    """A separate SQLite file database, migrated with the project's own settings (WAL,
    IMMEDIATE), so the SQLite variant runs whichever database the rest of the suite uses."""
    path = tmp_path / "race.sqlite3"
    shutil.copyfile(migrated_sqlite, path)
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
