"""Real services for the test suite: a throwaway PostgreSQL cluster, Redis, a Celery worker process
and an SMTP server, all started from this machine's binaries and packages.

Loaded as a pytest plugin (`-p tests.services` in pyproject.toml) so the database is chosen before
pytest-django reads the settings. `ILLDESK_TEST_DB=sqlite` runs the same suite on SQLite instead.
When `CI` is true a missing service is a failure, never a skip.
"""

from __future__ import annotations

import email
import email.policy
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import redis
from celery.result import AsyncResult, EagerResult, allow_join_result

ROOT = Path(__file__).resolve().parent.parent
_PG_OWNER_ENV = "ILLDESK_TEST_PG_DATADIR"
_state: dict[str, Any] = {}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing_service(message: str) -> None:
    """Skip on a developer's machine; fail in CI, where every service must be present."""
    if in_ci():
        pytest.fail(f"required service unavailable in CI: {message}", pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout}s")


# --- PostgreSQL -----------------------------------------------------------------------------


def postgres_bindir() -> Path | None:
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if found:
        return Path(found[-1])
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def as_postgres_user(cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root: use the postgres system account when we are root.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@dataclass
class PostgresCluster:
    bindir: Path
    root: Path
    port: int = field(default_factory=free_port)

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgres://illdesk@127.0.0.1:{self.port}/illdesk"

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres", group="postgres")
            self.root.chmod(0o755)
        if not self.datadir.exists():
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
        self.pg_ctl(
            "start",
            "-w",
            "-t",
            "60",
            "-l",
            str(self.root / "postgres.log"),
            "-o",
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
        )
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "illdesk", "illdesk")

    def pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.datadir), *args)

    def stop(self) -> None:
        if self.datadir.exists():
            subprocess.run(
                as_postgres_user(
                    [
                        str(self.bindir / "pg_ctl"),
                        "-D",
                        str(self.datadir),
                        "stop",
                        "-m",
                        "immediate",
                    ]
                ),
                capture_output=True,
            )

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            as_postgres_user([str(self.bindir / tool), *args]),
            check=True,
            capture_output=True,
            cwd=self.root,
        )


def _start_postgres() -> None:
    bindir = postgres_bindir()
    if bindir is None or not (bindir / "initdb").exists():
        raise pytest.UsageError("PostgreSQL binaries not found: set PG_BINDIR or install them.")
    cluster = PostgresCluster(bindir=bindir, root=Path(tempfile.mkdtemp(prefix="illdesk-pg-")))
    cluster.start()
    _state["postgres"] = cluster
    os.environ["DATABASE_URL"] = cluster.url
    os.environ[_PG_OWNER_ENV] = str(cluster.root)


def _use_sqlite() -> None:
    folder = Path(tempfile.mkdtemp(prefix="illdesk-sqlite-"))
    _state["sqlite_dir"] = folder
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'illdesk.sqlite3'}"


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: Any, args: Any) -> Any:
    # Runs before pytest-django imports the settings, so DATABASE_URL is in place in time.
    for name in ("CELERY_BROKER_URL", "EMAIL_URL", "CACHE_URL", "ILLDESK_PRODUCTION", "DEBUG"):
        os.environ.pop(name, None)
    # Tests send only to loopback: partners' simulators listen there, over plain http
    # (docs/iso18626.md, "Limits"); the worker processes inherit this.
    os.environ["ISO18626_ALLOW_HTTP"] = "true"
    os.environ["ISO18626_ALLOWED_NETWORKS"] = "127.0.0.0/8,::1/128"
    if os.environ.get(_PG_OWNER_ENV):
        pass  # an xdist worker: the controller already started the cluster
    elif os.environ.get("ILLDESK_TEST_DB", "postgres") == "sqlite":
        _use_sqlite()
    else:
        _start_postgres()
    return (yield)


def pytest_unconfigure(config: pytest.Config) -> None:
    cluster = _state.pop("postgres", None)
    if cluster is not None:
        cluster.stop()
        shutil.rmtree(cluster.root, ignore_errors=True)
        os.environ.pop(_PG_OWNER_ENV, None)
    if "sqlite_dir" in _state:
        shutil.rmtree(_state.pop("sqlite_dir"), ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    # On SQLite, PostgreSQL-only tests are not applicable: deselect them rather than skip.
    kept = [item for item in items if item.get_closest_marker("postgres_only") is None]
    config.hook.pytest_deselected(items=[i for i in items if i not in kept])
    items[:] = kept


@pytest.fixture(scope="session")
def postgres_cluster() -> PostgresCluster:
    cluster: PostgresCluster | None = _state.get("postgres")
    if cluster is None:
        pytest.fail("this run does not use PostgreSQL: mark the test postgres_only")
    return cluster


# --- Redis ----------------------------------------------------------------------------------


@dataclass
class RedisServer:
    binary: str
    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def kill(self) -> None:
        """SIGKILL: without persistence (the server runs with none) its queues are lost."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        missing_service("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(binary=str(binary), workdir=tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


# --- Reverse proxy --------------------------------------------------------------------------

_NGINX_CONF = """daemon off;
master_process off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {root}/body;
  proxy_temp_path {root}/proxy;
  fastcgi_temp_path {root}/fastcgi;
  uwsgi_temp_path {root}/uwsgi;
  scgi_temp_path {root}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://127.0.0.1:{upstream};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }}
  }}
}}
"""


@dataclass
class NginxProxy:
    """Debian's nginx as the documented reverse proxy: it appends the address it received each
    request from to X-Forwarded-For, as a production proxy does (PROXY_COUNT=1)."""

    binary: str
    root: Path
    upstream_port: int
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        conf = self.root / "nginx.conf"
        conf.write_text(
            _NGINX_CONF.format(root=self.root, port=self.port, upstream=self.upstream_port)
        )
        self.process = subprocess.Popen(
            [
                self.binary,
                "-p",
                str(self.root),
                "-c",
                str(conf),
                "-e",
                str(self.root / "error.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def nginx_binary() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


@pytest.fixture
def nginx_proxy(live_server: Any, tmp_path: Path) -> Iterator[NginxProxy]:
    """nginx in front of the live test server."""
    binary = nginx_binary()
    if binary is None:
        missing_service("nginx is not installed (apt-get install nginx)")
    upstream = int(str(live_server.url).rsplit(":", 1)[1])
    proxy = NginxProxy(binary=str(binary), root=tmp_path, upstream_port=upstream)
    proxy.start()
    yield proxy
    proxy.stop()


# --- The office's catalog: Zebra serving SRU and Z39.50 ---------------------------------------

CATALOG_DATA = ROOT / "tests" / "data" / "catalog"
_ZEBRA_CFG = """profilePath: {root}:{tab}
recordtype: dom.dom-config.xml
attset: bib1.att
attset: explain.att
encoding: utf-8
register: {root}/register:500M
"""
_YAZGFS = """<?xml version="1.0"?>
<yazgfs>
  <listen id="catalog">tcp:127.0.0.1:{port}</listen>
  <server id="zebra" listenref="catalog">
    <config>zebra.cfg</config>
    <cql2rpn>pqf.properties</cql2rpn>
    <retrievalinfo>
      <retrieval syntax="xml" name="marcxml" identifier="info:srw/schema/1/marcxml-v1.1"/>
      <retrieval syntax="xml" name="opacxml"/>
    </retrievalinfo>
  </server>
</yazgfs>
"""


def zebra_tab() -> Path | None:
    found = sorted(glob.glob("/usr/share/idzebra*/tab"))
    return Path(found[-1]) if found else None


@dataclass
class ZebraCatalog:
    """Debian's Zebra on a loopback port, loaded with MARCXML records: SRU at `sru_url`,
    Z39.50 at `target` (docs/catalog.md, "Testing")."""

    root: Path
    tab: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def sru_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/Default"

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}/Default"

    def configure(self) -> None:
        for name in ("dom-config.xml", "index.xsl", "marcxml.xsl", "opacxml.xsl", "pqf.properties"):
            shutil.copy(CATALOG_DATA / name, self.root / name)
        # Bib-1 as Zebra ships it, and the OCLC number (use attribute 1211) it leaves out.
        bib1 = (self.tab / "bib1.att").read_text()
        (self.root / "bib1.att").write_text(bib1 + "\natt 1211 OCLC-number\n")
        (self.root / "register").mkdir(exist_ok=True)
        (self.root / "zebra.cfg").write_text(_ZEBRA_CFG.format(root=self.root, tab=self.tab))
        (self.root / "yazgfs.xml").write_text(_YAZGFS.format(port=self.port))
        self._index("init")

    def load(self, *files: Path) -> None:
        self._index("update", *[str(path) for path in files])

    def _index(self, *args: str) -> None:
        subprocess.run(
            ["zebraidx", "-c", "zebra.cfg", *args], cwd=self.root, check=True, capture_output=True
        )

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["zebrasrv", "-f", "yazgfs.xml", "-l", str(self.root / "zebrasrv.log")],
            cwd=self.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def start_zebra_catalog(root: Path, *files: Path) -> ZebraCatalog:
    tab = zebra_tab()
    if shutil.which("zebrasrv") is None or tab is None:
        missing_service("zebrasrv is not installed (apt-get install idzebra-2.0)")
    assert tab is not None
    root.mkdir(parents=True, exist_ok=True)
    catalog = ZebraCatalog(root=root, tab=tab)
    catalog.configure()
    catalog.load(*(files or (CATALOG_DATA / "collection.xml",)))
    catalog.start()
    return catalog


@pytest.fixture(scope="session")
def zebra_catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ZebraCatalog]:
    """The test catalog (tests/data/catalog/collection.xml), for the whole session."""
    catalog = start_zebra_catalog(tmp_path_factory.mktemp("zebra"))
    yield catalog
    catalog.stop()


@pytest.fixture
def own_zebra_catalog(tmp_path: Path) -> Iterator[ZebraCatalog]:
    """A catalog of the test's own, which the test may stop and start."""
    catalog = start_zebra_catalog(tmp_path / "zebra")
    yield catalog
    catalog.stop()


# --- SMTP -----------------------------------------------------------------------------------


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse:
            return "451 Requested action aborted: local error in processing"
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: _Inbox
    controller: Any

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages

    def wait_for(self, count: int, timeout: float = 30.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages

    def stop(self) -> None:
        self.controller.stop()


def start_smtp_server(port: int | None = None) -> SmtpServer:
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    return SmtpServer(host="127.0.0.1", port=controller.port, inbox=inbox, controller=controller)


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpServer]:
    """A real SMTP server; Django's mail in this process is delivered to it over SMTP."""
    server = start_smtp_server()
    settings.EMAIL_BACKEND = "illdesk.mail.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.stop()


class SlowSmtpLine:
    """The real SMTP server behind a slow line: a loopback server that relays each connection to
    `server`, its replies one byte every `trickle` seconds, or held until `release` is set when
    `hold` is. `connected` is set as a client connects, `ended` once the client has closed or cut
    the connection; `replied` counts the bytes the clients were sent."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server
        self.trickle = 0.0
        self.hold = False
        self.release = threading.Event()
        self.connected = threading.Event()
        self.ended = threading.Event()
        self.replied = 0
        self._stopped = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.host, self.port = "127.0.0.1", self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with suppress(OSError):  # the listener is closed
            while True:
                client, _ = self._listener.accept()
                threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        self.ended.clear()
        self.connected.set()
        upstream = socket.create_connection((self.server.host, self.server.port))
        threading.Thread(target=self._requests, args=(client, upstream), daemon=True).start()
        with suppress(OSError), client, upstream:
            while chunk := upstream.recv(4096):
                if self.hold:
                    self.release.wait(30)
                if not self.trickle:
                    client.sendall(chunk)
                    self.replied += len(chunk)
                for byte in chunk if self.trickle else b"":
                    client.sendall(bytes([byte]))
                    self.replied += 1
                    self._stopped.wait(self.trickle)

    def _requests(self, client: socket.socket, upstream: socket.socket) -> None:
        with suppress(OSError):
            while chunk := client.recv(4096):
                upstream.sendall(chunk)
        self.ended.set()
        with suppress(OSError):
            upstream.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        self.release.set()
        self._stopped.set()
        self._listener.close()


@pytest.fixture
def slow_smtp_line(smtp_server: SmtpServer) -> Iterator[SlowSmtpLine]:
    """A slow line in front of `smtp_server`; Django's mail goes to the server itself until the
    test points EMAIL_PORT at the line."""
    line = SlowSmtpLine(smtp_server)
    yield line
    line.stop()


# --- Celery worker --------------------------------------------------------------------------


def database_url_for_subprocess() -> str:
    """The URL of the database this test process is using (the test database, once created)."""
    from django.db import connection

    cfg = connection.settings_dict
    if cfg["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{cfg['NAME']}"
    return f"postgres://{cfg['USER']}@{cfg['HOST']}:{cfg['PORT']}/{cfg['NAME']}"


@dataclass
class CeleryWorker:
    process: subprocess.Popen[bytes]
    log_path: Path
    broker_url: str

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def discard(self) -> None:
        """Kill the worker once its test is done with it: nothing a warm shutdown still does is
        looked at any more, and an idle worker's warm exit costs seconds (the interpreter's own
        teardown of everything the tasks imported)."""
        self.stop(signal.SIGKILL)


def start_celery_worker(broker_url: str, log_path: Path, extra_env: dict[str, str]) -> CeleryWorker:
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
        **extra_env,
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "illdesk",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    worker = CeleryWorker(process=process, log_path=log_path, broker_url=broker_url)
    _wait_until_ready(worker)
    return worker


def _wait_until_ready(worker: CeleryWorker, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            raise RuntimeError(f"celery worker exited early:\n{worker.log()}")
        if " ready." in worker.log():
            return
        time.sleep(0.1)
    worker.stop()
    raise TimeoutError(f"celery worker not ready after {timeout}s:\n{worker.log()}")


@pytest.fixture
def celery_broker(redis_server: RedisServer) -> Iterator[str]:
    """Point this process's Celery app at the real Redis broker instead of eager execution."""
    from illdesk.celery import app

    saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url", "result_backend")}
    app.conf.update(
        task_always_eager=False, broker_url=redis_server.url, result_backend=redis_server.url
    )
    forget_broker_connections()
    # Each test starts from an empty queue: tasks an earlier test queued (about rows its
    # database flush has removed since) would otherwise be drained first by this test's worker.
    redis.Redis.from_url(redis_server.url).flushdb()
    yield redis_server.url
    app.conf.update(**saved)
    forget_broker_connections()


def task_result(result: AsyncResult | EagerResult, timeout: float | None = None) -> Any:
    """What a task the test ran returned (a real worker's, or in-process). The test's own thread
    is no task, but Celery's guard against waiting inside a task is one flag for the whole
    process: an eager task sets it while it runs and then puts back the value it found. A thread
    of this process running an eager task at that moment (the live server's) has it set; two such
    threads ending in the other order than they started leave it set for good. The test's wait is
    allowed explicitly."""
    with allow_join_result():
        return result.get(timeout=timeout)


def forget_broker_connections() -> None:
    """Close and drop every broker pool and the cached result backend: Celery and kombu keep
    them bound to the broker configuration of the moment they were made (an eager task, too,
    takes a producer from the pool and caches the result backend), so a test that points the app
    at another broker, or at a stopped one, must start from none."""
    import kombu.pools

    from illdesk.celery import app

    kombu.pools.reset()
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]
    app._backend_cache = None  # type: ignore[attr-defined]
    vars(app._local).pop("backend", None)  # type: ignore[attr-defined]


@pytest.fixture
def celery_worker(
    celery_broker: str, transactional_db: None, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[CeleryWorker]:
    """A real `celery worker` process on the test database and the real broker. Mail it sends
    goes to the `smtp_server` fixture when the test uses that too."""
    extra: dict[str, str] = {}
    if "smtp_server" in request.fixturenames:
        extra["EMAIL_URL"] = request.getfixturevalue("smtp_server").url
    worker = start_celery_worker(celery_broker, tmp_path / "worker.log", extra)
    yield worker
    worker.discard()
