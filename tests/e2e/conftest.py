"""The browser journeys' world: the real application in Django's live server thread on the test
PostgreSQL database, a real Celery worker process, one real SMTP server both of them deliver to, a
real Redis broker between them, and the machine's Chromium driven by Playwright.

The services and the browser start once for the whole e2e package (starting a worker takes seconds);
each test gets its own browser context and an emptied database (`transactional_db`, which the live
server needs anyway because it reads through its own connection). Everything that changes global
state (email settings, the Celery app's broker, Django's async-safety switch) is package-scoped, so
it is undone before the rest of the suite runs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test.utils import override_settings

from tests.e2e.audit import AccessibilityAudit
from tests.services import (
    ROOT,
    CeleryWorker,
    RedisServer,
    SmtpServer,
    ZebraCatalog,
    forget_broker_connections,
    missing_service,
    start_celery_worker,
    start_smtp_server,
)

CHROMIUM = os.environ.get("ILLDESK_CHROMIUM", "/usr/bin/chromium")
# Debian's Chromium, headless; as root it only runs without the sandbox. Never a downloaded browser.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
# A timeout long enough for a loaded 2-core CI machine, short enough to fail a hung page quickly.
ACTION_TIMEOUT_MS = 15_000


@pytest.fixture(scope="package")
def playwright_driver() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop on this thread; Django would then refuse ORM
    # calls from the test body as "async". The test body is plain synchronous code, so allow them.
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as driver:
        yield driver
    if saved is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture(scope="package")
def browser(playwright_driver: Any) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        missing_service(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    chromium = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture(scope="package")
def mail_server() -> Iterator[SmtpServer]:
    """The one SMTP server the live server (this process) and the worker process deliver to."""
    server = start_smtp_server()
    overrides = override_settings(
        EMAIL_BACKEND="illdesk.mail.EmailBackend",
        EMAIL_HOST=server.host,
        EMAIL_PORT=server.port,
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
    )
    overrides.enable()
    yield server
    overrides.disable()
    server.stop()


@pytest.fixture(scope="package")
def broker(redis_server: RedisServer) -> Iterator[str]:
    """The live server's Celery app publishes to the real Redis the worker consumes from."""
    from illdesk.celery import app

    saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url", "result_backend")}
    app.conf.update(
        task_always_eager=False, broker_url=redis_server.url, result_backend=redis_server.url
    )
    forget_broker_connections()
    yield redis_server.url
    app.conf.update(**saved)
    forget_broker_connections()


@pytest.fixture(scope="package")
def worker(
    broker: str,
    mail_server: SmtpServer,
    django_db_setup: None,
    tmp_path_factory: pytest.TempPathFactory,
    zebra_catalog: ZebraCatalog,
) -> Iterator[CeleryWorker]:
    """One real `celery worker` process for the package, on the test database (created by
    django_db_setup before it starts), sending its mail to `mail_server` and looking requests
    up in the test catalog (the live server queues lookups only where a journey configures the
    catalog, docs/catalog.md)."""
    log = tmp_path_factory.mktemp("e2e-worker") / "worker.log"
    env = {"EMAIL_URL": mail_server.url, "CATALOG_SRU_URL": zebra_catalog.sru_url}
    process = start_celery_worker(broker, log, env)
    yield process
    process.stop()


@pytest.fixture
def app_url(live_server: Any, worker: CeleryWorker, mail_server: SmtpServer) -> str:
    """The running application's base URL, with its worker and mail server up, an empty inbox
    and a fresh cache (the registration rate limit counts in it)."""
    from django.core.cache import cache

    cache.clear()
    mail_server.messages.clear()
    return str(live_server.url)


@pytest.fixture(scope="package")
def audit_log() -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Every page audited in the package -> its serious or critical axe violations."""
    pages: dict[str, list[dict[str, Any]]] = {}
    yield pages
    AccessibilityAudit.write_report(pages, ARTIFACTS / "axe-report.txt")


@pytest.fixture
def audit(audit_log: dict[str, list[dict[str, Any]]]) -> AccessibilityAudit:
    return AccessibilityAudit(audit_log)


@pytest.fixture
def new_context(browser: Any, app_url: str) -> Iterator[Any]:
    """Makes browser contexts (one per person in the journey); all closed after the test."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        options = {"viewport": {"width": 1280, "height": 900}, **options}
        context = browser.new_context(base_url=app_url, **options)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Any:
    """Saves a full-page screenshot under test-artifacts/e2e/<test name>/<name>.png."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
