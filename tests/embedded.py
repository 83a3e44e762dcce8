"""The embedded default as `make run` starts it, for the tests: `manage.py serve` (web server,
Celery worker, Celery beat over the file broker) on a SQLite database of its own, whichever
database the rest of the suite uses (docs/operations.md, "The embedded default")."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.db import connections
from django.db.utils import load_backend

from illdesk import settings as project_settings
from tests.services import ROOT, free_port

# Variables of the suite's own set-up that must not reach the embedded processes.
_SUITE_ONLY = ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "EMAIL_URL")


@contextmanager
def using(path: Path) -> Iterator[None]:
    """Point this thread's default connection at the embedded database for a while: arranging a
    scene and reading its outcome with the ORM and the suite's factories."""
    from django.contrib.contenttypes.models import ContentType

    config = connections.configure_settings(
        {
            "default": {**connections.settings["default"]},
            "embedded": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(path),
                "OPTIONS": dict(project_settings._SQLITE_OPTIONS),
            },
        }
    )["embedded"]
    saved = connections["default"]
    connections["default"] = load_backend(config["ENGINE"]).DatabaseWrapper(config, "default")
    ContentType.objects.clear_cache()  # its ids are the other database's
    try:
        yield
    finally:
        connections["default"].close()
        connections["default"] = saved
        ContentType.objects.clear_cache()


def age_schedule(path: Path, *, by: timedelta) -> None:
    """Move every job's last run in beat's schedule file back by `by`, as if illdesk had been
    stopped that long: beat then runs each job that fell due as it starts, as after a weekend."""
    from celery.beat import PersistentScheduler

    from illdesk.celery import app

    scheduler = PersistentScheduler(app=app, schedule_filename=str(path), lazy=True)
    scheduler.setup_schedule()
    for entry in scheduler.schedule.values():
        entry.last_run_at = (entry.last_run_at or app.now()) - by
    scheduler.sync()
    scheduler.close()


@dataclass
class Serve:
    """`manage.py serve` in its own process group, as a terminal runs `make run`."""

    root: Path
    database: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def data_dir(self) -> Path:
        return self.root / "var"

    @property
    def schedule(self) -> Path:
        return self.data_dir / "celerybeat-schedule"

    @property
    def log_path(self) -> Path:
        return self.root / f"serve-{self.starts}.log"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def lines_of(self, name: str) -> str:
        """What one of the three processes wrote (honcho prefixes each line with its name)."""
        return "\n".join(line for line in self.log().splitlines() if f" {name} " in line[:20])

    def start(self, timeout: float = 180.0) -> None:
        self.starts += 1
        env = {k: v for k, v in os.environ.items() if k not in _SUITE_ONLY}
        env.update(
            DATABASE_URL=f"sqlite:///{self.database}",
            ILLDESK_DATA_DIR=str(self.data_dir),
            MEDIA_ROOT=str(self.root / "media"),
            **self.env,
        )
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "serve", f"127.0.0.1:{self.port}"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_until_ready(timeout)

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"manage.py serve stopped early:\n{self.log()}")
            log = self.log()
            if " ready." in log and "beat: Starting" in log and self._answers():
                return
            time.sleep(0.2)
        self.interrupt()
        raise TimeoutError(f"manage.py serve not ready after {timeout}s:\n{self.log()}")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=5):  # noqa: S310
                return True
        except (urllib.error.URLError, OSError):
            return False

    def pids(self) -> dict[str, int]:
        """The three processes' ids, as the supervisor reported them when it started them."""
        found = re.findall(r"\| (\w+) started \(pid=(\d+)\)", self.log())
        return {name: int(pid) for name, pid in found}

    def interrupt(self, timeout: float = 90.0) -> int:
        """Ctrl-C: SIGINT to the foreground process group; returns serve's exit status."""
        assert self.process is not None
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
        return self.wait(timeout)

    def wait(self, timeout: float = 90.0) -> int:
        assert self.process is not None
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            for pid in self.pids().values():
                _kill_group(pid)
            raise

    def wait_for(self, text: str, *, of: str, timeout: float = 120.0) -> str:
        """Wait until one of the processes has written `text`; its lines."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.lines_of(of)
            if text in lines:
                return lines
            time.sleep(0.2)
        raise AssertionError(f"{of} never wrote {text!r}:\n{self.log()}")

    def remove(self) -> None:
        """Leave nothing behind, whatever the test did (a safety net: the tests stop it)."""
        if self.process is not None and self.process.poll() is None:
            self.interrupt()
        for pid in self.pids().values():
            _kill_group(pid)
        shutil.rmtree(self.root, ignore_errors=True)


def running(pid: int) -> bool:
    """Whether the process, or any process of the group it led, still runs."""
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _kill_group(pid: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def wait_until(check: object, *, timeout: float = 120.0, every: float = 0.5) -> None:
    """Poll `check()` until it is true."""
    assert callable(check)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise AssertionError(f"still not so after {timeout}s: {check.__doc__ or check}")
