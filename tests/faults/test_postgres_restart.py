"""PostgreSQL restarted under a running web server: the application recovers by itself, because
persistent connections are health-checked before reuse (CONN_HEALTH_CHECKS)."""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services import (
    ROOT,
    PostgresCluster,
    database_url_for_subprocess,
    free_port,
    wait_for_port,
)

pytestmark = [pytest.mark.postgres_only, pytest.mark.services]


APP_NAME = "illdesk-web-under-test"


def _failed_login(base: str) -> int:
    """A wrong-password login: the app must read the user table and write the failed attempt."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/", timeout=20).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    form = {"csrfmiddlewaretoken": token.group(1), "username": "nobody", "password": "wrong"}
    request = urllib.request.Request(
        f"{base}/accounts/login/",
        data=urllib.parse.urlencode(form).encode(),
        headers={"Referer": f"{base}/accounts/login/"},
    )
    try:
        with opener.open(request, timeout=20) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.fixture
def gunicorn(transactional_db: None, tmp_path: Path) -> Iterator[str]:
    """The real application in gunicorn (one worker, so every request reuses one connection)."""
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "illdesk.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": f"{database_url_for_subprocess()}?application_name={APP_NAME}",
            "CONN_MAX_AGE": "600",
            "AXES_FAILURE_LIMIT": "1000",
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_for_port(port, timeout=60)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=20)
    log.close()


def _app_backends() -> set[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [APP_NAME])
        return {row[0] for row in cursor.fetchall()}


def test_requests_succeed_after_postgres_restarts_without_restarting_the_app(
    gunicorn: str, postgres_cluster: PostgresCluster
) -> None:
    from django.db import connection

    assert _failed_login(gunicorn) == 200
    before = _app_backends()
    assert before, "the app holds no persistent connection: the restart would prove nothing"
    connection.close()

    # -l: the restarted server logs to its file, not to the pipe pg_ctl's caller is reading.
    log = str(postgres_cluster.root / "postgres.log")
    postgres_cluster.pg_ctl("restart", "-m", "fast", "-w", "-t", "60", "-l", log)

    assert [_failed_login(gunicorn) for _ in range(3)] == [200, 200, 200]
    after = _app_backends()
    assert after and not (after & before)
