import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# Property tests judge results, never speed: on a loaded two-core machine an example can take
# longer than Hypothesis's default 200 ms deadline without anything being wrong.
settings.register_profile("illdesk", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("illdesk")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    # SQLite's test database defaults to an in-memory one that other connections (threads,
    # worker processes) cannot see: use a file so concurrency tests use real connections.
    from django.db import connections

    cfg: dict[str, Any] = connections["default"].settings_dict
    if cfg["ENGINE"].endswith("sqlite3"):
        folder: Path = tmp_path_factory.mktemp("sqlite-test")
        cfg.setdefault("TEST", {})["NAME"] = str(folder / "test_illdesk.sqlite3")


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated with the project's own settings (WAL, IMMEDIATE), once a session:
    a test that needs a SQLite database of its own, whichever database the suite uses, starts
    from a copy of it (migrating takes far longer than copying)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "migrated.sqlite3"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity=0"],
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{path}"},
        check=True,
        capture_output=True,
    )
    return path
