"""The staff desk at size: search, queue and statistics pages timed in-process through the whole
Django stack (the test client: middleware, session, permission checks, queries, templates; no
HTTP), on the empty database and on the sized one (docs/performance.md, "The desk at size")."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import NotRequired, TypedDict

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import seed
from copyright_rules.models import Record
from requests_app import tallies
from requests_app.models import RefusalReason, Request, Service, Status, statuses
from requests_app.queues import QUEUES

STAFF = "bench-desk"
# Pages timed on both databases: the work queues and the long one of finished requests.
QUEUE_PAGES = tuple(f"/desk/?queue={slug}" for slug in ("new", "in_process", "on_loan", "finished"))
# Requests in every queue of both databases, so that each timed page shows a full page of rows on
# the empty database too: the ratio then compares the same page at two sizes of the table.
PER_STATUS = 60
# The queue pages are timed in rounds that alternate the two databases, so that whatever else
# the machine does meanwhile (autovacuum after the load, a checkpoint, another process) falls on
# both alike: timed one database after the other, the ratio measured that drift (0.736 in one run
# where another gave 0.962, docs/performance.md "The queue page as the office grows").
QUEUE_ROUNDS = 5
_LOAN_STATUSES = statuses(lambda row: row.services == (Service.LOAN,))


class QueueFigures(TypedDict):
    queue_ms_empty: float
    queue_ms_at_size: float
    queue_ratio_at_size_vs_empty: float


class DeskFigures(QueueFigures):
    desk_search_p95_ms: float
    desk_search_p95_ms_by_kind: dict[str, float]
    stats_refresh_s: float
    stats_ms: float
    desk_records: int | None  # PostgreSQL only


class QueueQuery(TypedDict):
    """One SELECT of a queue page, explained on each database that ran it."""

    page: str
    sql: str
    growth_ms: float  # sized_ms - empty_ms, a missing one counted as 0
    empty_ms: NotRequired[float]
    empty_buffers: NotRequired[int]
    sized_ms: NotRequired[float]
    sized_buffers: NotRequired[int]


def create_staff() -> None:
    """A superuser for the desk, in the database that is then cloned (so it is in both)."""
    get_user_model().objects.create_superuser(STAFF, email="desk@bench.invalid", password=None)


def seed_queues() -> None:
    """PER_STATUS requests of the last month in each status a queue shows, in the database that is
    then cloned (so in both). Loaded as copy requests with their records (bench/seed.py), then
    given each status with the fields its check constraints ask for."""
    statuses = list(dict.fromkeys(status for queue in QUEUES.values() for status in queue.statuses))
    first = Request.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    today = timezone.localdate()
    seed.seed_records(
        PER_STATUS * len(statuses),
        first_day=today - timedelta(days=30),
        days=30,
        final_only=False,
    )
    rows = Request.objects.filter(pk__gt=first).order_by("pk").values_list("pk", flat=True)
    for index, status in enumerate(statuses):
        chosen = rows[index * PER_STATUS : (index + 1) * PER_STATUS]
        loan = status in _LOAN_STATUSES
        loan_out = status in Request.LOAN_OUT_STATUSES
        Request.objects.filter(pk__in=list(chosen)).update(
            status=status,
            service=Service.LOAN if loan else Service.COPY,
            due_date=today + timedelta(days=14) if loan else None,
            refusal_reason=RefusalReason.NOT_OWNED if status == Status.REFUSED else "",
            quote_amount=Decimal("25.00") if status == Status.QUOTED else None,
            # Every loan out has asked for a renewal: the renewal requests queue is full too.
            renewal_requested_at=timezone.now() if loan_out else None,
        )
    with connection.cursor() as cursor:  # the planner sees the statuses as they now are
        cursor.execute(f"ANALYZE {Request._meta.db_table}")


def _client() -> Client:
    client = Client(HTTP_HOST="127.0.0.1")  # a host the production settings allow
    client.force_login(get_user_model().objects.get(username=STAFF))
    return client


def _times_ms(
    client: Client, url: str, repeat: int, params: dict[str, str] | None = None
) -> list[float]:
    client.get(url, params)  # warm: connection, templates, plan cache
    found = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, params)
        found.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    return found


def search_terms() -> dict[str, str]:
    """Real identifiers and words of the sized database: an ISSN with its hyphen (as typed), a
    request number, an institution symbol, two title words, and an identifier that matches
    nothing (the worst case for the index: no early stop)."""
    request = Request.objects.order_by("-pk").select_related("institution", "record").first()
    assert request is not None, "the sized database has no requests"
    digits = request.record.title_key.removeprefix("ISSN:")
    return {
        "issn": f"{digits[:4]}-{digits[4:]}",
        "number": str(request.pk),
        "symbol": request.institution.oclc_symbol,
        "words": request.search_text.split()[0] + " " + request.search_text.split()[-1],
        # A word of every seeded title: far more matches than are ranked.
        "common word": request.search_text.split()[0],
        "missing identifier": "9999-999X",
    }


def _refresh_seconds() -> float:
    """The statistics' refresh, as beat would have run it before staff open the page: on the
    freshly loaded database it tallies every day."""
    started = time.perf_counter()
    tallies.refresh()
    return time.perf_counter() - started


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def measure_queues(
    use_database: Callable[[str | None], None], empty: str, sized: str
) -> QueueFigures:
    """queue_ms_empty, queue_ms_at_size (medians over the queue pages) and
    queue_ratio_at_size_vs_empty (empty over sized: 1.0 means no slower at size); ends on the
    sized database."""
    queue_times: dict[str, list[float]] = {"empty": [], "sized": []}
    for _ in range(QUEUE_ROUNDS):
        for name, url in (("empty", empty), ("sized", sized)):
            use_database(url)
            client = _client()
            queue_times[name] += [ms for page in QUEUE_PAGES for ms in _times_ms(client, page, 4)]
    queue_ms = {name: statistics.median(times) for name, times in queue_times.items()}
    return {
        "queue_ms_empty": round(queue_ms["empty"], 1),
        "queue_ms_at_size": round(queue_ms["sized"], 1),
        "queue_ratio_at_size_vs_empty": round(queue_ms["empty"] / queue_ms["sized"], 3),
    }


def queue_queries(
    use_database: Callable[[str | None], None], databases: dict[str, str], repeat: int = 5
) -> list[QueueQuery]:
    """What the queue pages' database time goes to: each SELECT of each page run under
    `EXPLAIN (ANALYZE, BUFFERS)` `repeat` times on each database, its median execution time and
    the buffers it touched, the statements that grow most first (BENCH_QUEUE_QUERIES=1 with
    BENCH_ONLY=queue). The server's own timing: not the machine's scheduling of this process."""
    statements: dict[tuple[str, int], str] = {}
    timed: dict[tuple[str, int], dict[str, tuple[float, int]]] = {}
    for name, url in databases.items():
        use_database(url)
        client = _client()
        for page in QUEUE_PAGES:
            client.get(page)
            with CaptureQueriesContext(connection) as captured:
                client.get(page)
            selects = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
            for number, sql in enumerate(selects):
                statements.setdefault((page, number), sql)
                runs = [_explained(sql) for _ in range(repeat)]
                median_ms = round(statistics.median(ms for ms, _ in runs), 3)
                timed.setdefault((page, number), {})[name] = (median_ms, runs[-1][1])
    found = [_queue_query(page, statements[page, n], timed[page, n]) for page, n in statements]
    return sorted(found, key=lambda row: -row["growth_ms"])


def _queue_query(page: str, sql: str, timed: dict[str, tuple[float, int]]) -> QueueQuery:
    growth = timed.get("sized", (0.0, 0))[0] - timed.get("empty", (0.0, 0))[0]
    row = QueueQuery(page=page, sql=sql, growth_ms=round(growth, 3))
    if "empty" in timed:
        row["empty_ms"], row["empty_buffers"] = timed["empty"]
    if "sized" in timed:
        row["sized_ms"], row["sized_buffers"] = timed["sized"]
    return row


def _explained(sql: str) -> tuple[float, int]:
    """The statement's execution time (ms) and the shared buffers its plan touched."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
        (plan,) = cursor.fetchone()
    top = plan[0]["Plan"]
    buffers = int(top.get("Shared Hit Blocks", 0)) + int(top.get("Shared Read Blocks", 0))
    return float(plan[0]["Execution Time"]), buffers


def plan_text(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(line for (line,) in cursor.fetchall())


def measure(use_database: Callable[[str | None], None], empty: str, sized: str) -> DeskFigures:
    """desk_search_p95_ms (at size), queue_ratio_at_size_vs_empty (median time empty over median
    time at size: 1.0 means no slower), stats_refresh_s (the statistics' first refresh at size,
    which tallies every day), stats_ms (median, at size, once refreshed)."""
    queue = measure_queues(use_database, empty, sized)
    client = _client()  # still on the sized database
    terms = search_terms()
    # `list`: a request number is searched like the rest, not opened (docs/desk.md, "Search").
    searches = {k: _times_ms(client, "/desk/", 20, {"q": v, "list": "1"}) for k, v in terms.items()}
    refresh_s = _refresh_seconds()
    stats = _times_ms(client, "/desk/statistics/", 3)
    records = Record.objects.count() if connection.vendor == "postgresql" else None
    return {
        "desk_search_p95_ms": round(p95([ms for times in searches.values() for ms in times]), 1),
        "desk_search_p95_ms_by_kind": {k: round(p95(v), 1) for k, v in searches.items()},
        **queue,
        "stats_refresh_s": round(refresh_s, 2),
        "stats_ms": round(statistics.median(stats), 1),
        "desk_records": records,
    }
