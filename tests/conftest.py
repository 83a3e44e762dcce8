from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    # SQLite's test database defaults to an in-memory one that other connections (threads,
    # worker processes) cannot see: use a file so concurrency tests use real connections.
    from django.db import connections

    cfg: dict[str, Any] = connections["default"].settings_dict
    if cfg["ENGINE"].endswith("sqlite3"):
        folder: Path = tmp_path_factory.mktemp("sqlite-test")
        cfg.setdefault("TEST", {})["NAME"] = str(folder / "test_illdesk.sqlite3")
