"""The benchmark's own throwaway services: a PostgreSQL cluster, a Redis server and gunicorn,
started from this machine's binaries on free ports of 127.0.0.1 and removed afterwards.

PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user (the same rule
as the test layer in tests/services.py). Durability is off (fsync, synchronous_commit): the cluster
is thrown away, and both the baseline and the real endpoints pay the same commit cost.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

# The same service helpers as the test layer: one way to find PostgreSQL and free ports.
from tests.services import as_postgres_user, free_port, postgres_bindir, wait_for_port

ROOT = Path(__file__).resolve().parent.parent

_PG_OPTIONS = (
    "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
    "-c full_page_writes=off -c max_connections=100 -c shared_buffers=512MB "
    "-c max_wal_size=4GB -c checkpoint_timeout=30min -c maintenance_work_mem=256MB "
    "-c work_mem=16MB"
)


def log(message: str) -> None:
    """A line of the benchmark's progress, on stderr (its report goes to stdout)."""
    print(message, file=sys.stderr, flush=True)


def require_postgres_bindir() -> Path:
    bindir = postgres_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL binaries not found: set PG_BINDIR or install postgresql")
    return bindir


@dataclass
class Postgres:
    root: Path
    bindir: Path = field(default_factory=require_postgres_bindir)
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return self.url_for("illdesk")

    def url_for(self, database: str) -> str:
        return f"postgres://illdesk@127.0.0.1:{self.port}/{database}"

    def clone(self, source: str, target: str, attempts: int = 20) -> None:
        """CREATE DATABASE target TEMPLATE source. The source must have no sessions: an
        autovacuum worker that happens to be on it makes PostgreSQL refuse, so retry briefly."""
        for attempt in range(attempts):
            try:
                self._run(
                    "createdb",
                    *("-h", "127.0.0.1", "-p", str(self.port), "-U", "illdesk"),
                    *("-T", source, target),
                )
                return
            except RuntimeError:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.5)

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres", group="postgres")
        self._run(
            "initdb",
            "-D",
            str(self.datadir),
            "-U",
            "illdesk",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.datadir),
            "start",
            "-w",
            "-t",
            "60",
            "-l",
            str(self.root / "postgres.log"),
            "-o",
            f"-p {self.port} -k {self.root} {_PG_OPTIONS}",
        )
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "illdesk", "illdesk")

    def stop(self) -> None:
        if self.datadir.exists():
            subprocess.run(
                as_postgres_user(
                    [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "stop", "-m", "fast"]
                ),
                capture_output=True,
                check=False,
            )

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            as_postgres_user([str(self.bindir / tool), *args]),
            capture_output=True,
            text=True,
            cwd=self.root,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed: {done.stderr or done.stdout}")


@dataclass
class Redis:
    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/1"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        stop_process(self.process)


@dataclass
class Gunicorn:
    """The real application (illdesk.wsgi) under the benchmark's settings, as deployed: sync
    workers, persistent database connections, sessions in the Redis cache."""

    env: dict[str, str]
    log_path: Path
    workers: int = 2
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "illdesk.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--log-level",
            "warning",
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=log)
        wait_for_port(self.port)

    @property
    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        out = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in out.stdout.split()]

    def stop(self) -> None:
        stop_process(self.process)


def stop_process(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def services(workdir: Path) -> Iterator[Postgres]:
    """PostgreSQL and Redis up, the environment pointed at them (the empty database first);
    stops everything on the way out."""
    with ExitStack() as stack:
        postgres = Postgres(root=workdir / "pg")
        stack.callback(postgres.stop)
        postgres.start()
        redis = Redis(workdir=workdir / "redis")
        stack.callback(redis.stop)
        redis.start()
        os.environ.update(
            DJANGO_SETTINGS_MODULE="bench.settings",
            DATABASE_URL=postgres.url,
            CACHE_URL=redis.url,
            # Tasks are queued as in production (no worker runs): the request pays the enqueue.
            CELERY_BROKER_URL=redis.url.rsplit("/", 1)[0] + "/0",
            EMAIL_URL="dummymail://",
            ILLDESK_PRODUCTION="false",
            DEBUG="false",
            # The load comes from one client address standing for many partners: the endpoint's
            # per-address and per-partner limits (docs/iso18626.md, "Limits") would refuse all but
            # the first minute's messages, so the benchmark measures the intake without them.
            ISO18626_RATE_LIMIT="100000000",
            ISO18626_PARTNER_DAILY_BYTES="100000000000",
        )
        yield postgres


def setup_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
