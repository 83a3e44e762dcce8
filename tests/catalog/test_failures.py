"""When the catalog fails (down, slow, trickling, malformed, huge, an SRU diagnostic): the
lookup says so and when it is tried again, within its deadline, and nothing else changes.

The misbehaving catalogs are local HTTP servers on loopback; the stopped one is Zebra itself."""

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from catalog import services, tasks
from catalog.models import Lookup, State, Suggestion
from registration.models import Institution
from requests_app.models import Request, Status
from tests.catalog.conftest import use_catalog
from tests.requests_app.factories import make_loan
from tests.services import ZebraCatalog

Answer = Callable[[BaseHTTPRequestHandler], None]


@pytest.fixture
def misbehaving(settings: Any) -> Iterator[Callable[[Answer], None]]:
    """Serve the catalog's address with `answer`, on loopback."""
    servers: list[ThreadingHTTPServer] = []

    def serve(answer: Answer) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                with contextlib.suppress(OSError):  # the client gave up, as it should
                    answer(self)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        settings.CATALOG_SRU_URL = f"http://127.0.0.1:{server.server_address[1]}/Default"
        settings.CATALOG_Z3950_TARGET = ""
        settings.CATALOG_TIMEOUT = 1.0

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def _ok(handler: BaseHTTPRequestHandler, body: bytes) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/xml")
    handler.end_headers()
    handler.wfile.write(body)


def _fails_with(item: Request, words: str) -> Lookup:
    lookup = services.look_up(item.pk)
    assert lookup is not None and lookup.state == State.FAILED
    assert words in lookup.error
    assert lookup.retry_at is not None and lookup.retry_at > timezone.now()
    return lookup


def test_a_catalog_that_never_answers_fails_at_the_deadline(
    institution: Institution, misbehaving: Any
) -> None:
    misbehaving(lambda handler: time.sleep(5))
    started = time.monotonic()
    _fails_with(make_loan(institution, isbn="9780262033848"), "within 1 seconds")
    assert time.monotonic() - started < 4


def test_a_catalog_that_trickles_its_answer_is_cut_off_at_the_deadline(
    institution: Institution, misbehaving: Any
) -> None:
    def trickle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.end_headers()
        for _ in range(50):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.1)

    misbehaving(trickle)
    started = time.monotonic()
    _fails_with(make_loan(institution, isbn="9780262033848"), "within 1 seconds")
    assert time.monotonic() - started < 4


def test_a_malformed_answer_is_a_failure(institution: Institution, misbehaving: Any) -> None:
    misbehaving(lambda handler: _ok(handler, b"<searchRetrieveResponse><unclosed>"))
    _fails_with(make_loan(institution, isbn="9780262033848"), "not well-formed XML")


def test_an_answer_that_is_not_sru_is_a_failure(institution: Institution, misbehaving: Any) -> None:
    misbehaving(lambda handler: _ok(handler, b"<html><body>Maintenance</body></html>"))
    _fails_with(make_loan(institution, isbn="9780262033848"), "not an SRU")


def test_a_huge_answer_is_refused_unread(
    settings: Any, institution: Institution, misbehaving: Any
) -> None:
    def huge(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.end_headers()
        for _ in range(1000):
            handler.wfile.write(b"<x>" * 10_000)

    misbehaving(huge)
    settings.CATALOG_MAX_BYTES = 100_000
    _fails_with(make_loan(institution, isbn="9780262033848"), "larger than 100000 bytes")


def test_an_http_error_is_a_failure(institution: Institution, misbehaving: Any) -> None:
    misbehaving(lambda handler: handler.send_error(503))
    _fails_with(make_loan(institution, isbn="9780262033848"), "HTTP 503")


def test_an_sru_diagnostic_is_a_failure_with_its_message(
    settings: Any, institution: Institution, catalog: ZebraCatalog
) -> None:
    settings.CATALOG_INDEXES = {**settings.CATALOG_INDEXES, "isbn": "bath.nosuchindex"}
    _fails_with(make_loan(institution, isbn="9780262033848"), "Unsupported index")


def test_a_refused_connection_is_a_failure(institution: Institution, settings: Any) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CATALOG_SRU_URL = f"http://127.0.0.1:{port}/Default"
    _fails_with(make_loan(institution, isbn="9780262033848"), "could not be reached")


def test_the_catalog_stopped_mid_run_changes_nothing_but_the_lookups_message(
    settings: Any, institution: Institution, own_zebra_catalog: ZebraCatalog
) -> None:
    use_catalog(settings, own_zebra_catalog)
    item = make_loan(institution, isbn="9780226458083")
    before = services.look_up(item.pk)
    assert before is not None and before.suggestion == Suggestion.IN_USE
    own_zebra_catalog.stop()

    after = _fails_with(item, "could not be reached")
    assert after.suggestion == Suggestion.IN_USE and after.candidates.count() == 1
    assert after.looked_up_at == before.looked_up_at
    assert Request.objects.get(pk=item.pk).status == Status.NEW

    own_zebra_catalog.start()
    again = services.look_up(item.pk)
    assert again is not None and again.state == State.FOUND and again.attempts == 0


def test_retries_wait_longer_each_time_and_stop_after_the_last_attempt(
    settings: Any, institution: Institution, misbehaving: Any
) -> None:
    misbehaving(lambda handler: handler.send_error(500))
    settings.CATALOG_MAX_ATTEMPTS = 3
    item = make_loan(institution, isbn="9780262033848")
    waits = []
    for _ in range(3):
        lookup = services.look_up(item.pk)
        assert lookup is not None and lookup.failed_at is not None
        waits.append(lookup.retry_at and lookup.retry_at - lookup.failed_at)
    minutes = timedelta(minutes=settings.CATALOG_RETRY_MINUTES)
    assert waits == [minutes, 2 * minutes, None]


def test_the_periodic_job_queues_the_lookups_whose_retry_is_due(
    settings: Any, institution: Institution, misbehaving: Any
) -> None:
    misbehaving(lambda handler: handler.send_error(500))
    item = make_loan(institution, isbn="9780262033848")
    services.look_up(item.pk)
    Lookup.objects.filter(request=item).update(retry_at=timezone.now() - timedelta(seconds=1))
    # Eager here: the job's queued lookup runs at once, and fails once more.
    assert tasks.queue_due(timezone.now()) == 1
    assert Lookup.objects.get(request=item).attempts == 2


def test_a_z3950_target_that_is_down_is_a_failure_not_a_title_not_held(
    settings: Any, institution: Institution
) -> None:
    settings.CATALOG_SRU_URL = ""
    settings.CATALOG_Z3950_TARGET = "127.0.0.1:9/Default"  # nothing listens on the discard port
    _fails_with(make_loan(institution, isbn="9780262033848"), "Connect failed")


def test_the_periodic_job_looks_up_requests_the_broker_never_ran(
    settings: Any, institution: Institution, catalog: ZebraCatalog
) -> None:
    fresh = make_loan(institution, isbn="9780262033848")
    missed = make_loan(institution, isbn="9780226458083")
    Request.objects.filter(pk=missed.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert tasks.queue_due(timezone.now()) == 1
    assert Lookup.objects.get(request=missed).state == State.FOUND
    assert not Lookup.objects.filter(request=fresh).exists()  # its own lookup is still due
