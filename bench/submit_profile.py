"""A copy submission's cost against the baseline endpoint's, in one process, in about a minute.

    python -m bench.submit_profile                    # the ratios, 5 rounds of 200 requests each
    python -m bench.submit_profile --iso              # the same for ISO 18626 copy requests
    python -m bench.submit_profile --profile 30       # and cProfile's 30 costliest functions
    python -m bench.submit_profile --queries          # and the SQL of one submission

It starts a throwaway PostgreSQL and Redis (bench/services.py), migrates, seeds the benchmark's
institutions, logged-in sessions and title authority (bench/seed.py, bench/scenarios.py), then
sends `POST /bench/baseline/` and `POST /requests/new/copy/` (the benchmark's payloads, form-
encoded as browsers send them) through the whole Django stack with the test client, CSRF checks
on, round after round, the order of the two swapped every other round. Before each request it
does what the WSGI handler does when a request starts (close_old_connections, so the connection's
health check is paid as in production); Celery tasks are queued on Redis, as in production.

With `--iso` the measured request is a partner's ISO 18626 copy request instead (`POST /iso18626/`,
the benchmark's `iso` scenario: `make bench`'s `iso_request_ratio`, in process).

Two ratios, each the median of the rounds' (baseline cost per request over submit cost per
request, i.e. submissions per second over baseline requests per second):

- `elapsed`: wall time. No HTTP server, so it is not `make bench`'s `submit_ratio` (whose baseline
  also pays gunicorn's and locust's share of the machine), and on a busy machine it moves with
  everything else that runs.
- `cpu`: the CPU time this process, every process of the PostgreSQL cluster and the Redis server
  spent per request. On a machine whose cores are all busy, as in `make bench`, throughput
  follows it; and it hardly moves with other work, so two versions of the code can be compared
  on a shared machine.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from bench.services import Postgres, services, setup_django

if TYPE_CHECKING:
    from bench.scenarios import FormPlan, XmlPlan
    from bench.seed import Account

_FORM = "application/x-www-form-urlencoded"  # as browsers send the form (not multipart)


def main() -> int:
    options = _arguments()
    workdir = Path(tempfile.mkdtemp(prefix="illdesk-submit-profile-"))
    workdir.chmod(0o755)  # the postgres system user must reach its data directory below
    try:
        with services(workdir) as postgres:
            setup_django()
            _run(options, Meter(postgres))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=200, help="per phase (default 200)")
    parser.add_argument("--rounds", type=int, default=5, help="(default 5)")
    parser.add_argument("--accounts", type=int, default=40, help="logged-in institutions")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print N functions")
    parser.add_argument("--queries", action="store_true", help="print one submission's SQL")
    parser.add_argument("--iso", action="store_true", help="ISO 18626 requests, not the form")
    parser.add_argument("--profile-file", type=Path, help="save the profile (pstats) there")
    return parser.parse_args()


@dataclass(frozen=True)
class Cost:
    """Per request, in seconds."""

    elapsed: float
    cpu: float
    here: float  # the CPU of this process alone


@dataclass(frozen=True)
class Meter:
    """CPU seconds of this process, the PostgreSQL cluster's processes and the Redis server."""

    postgres: Postgres

    def now(self) -> tuple[float, float, float]:
        here = time.process_time()
        return time.perf_counter(), here + self._postgres() + self._redis(), here

    def _postgres(self) -> float:
        postmaster = int((self.postgres.datadir / "postmaster.pid").read_text().split()[0])
        return sum(_cpu_of(pid) for pid in [postmaster, *_children(postmaster)])

    def _redis(self) -> float:
        import redis

        info = redis.Redis.from_url(os.environ["CACHE_URL"]).info("cpu")
        return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def _children(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return found


def _cpu_of(pid: int) -> float:
    try:  # nanoseconds on a CPU, first field
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except OSError:
        return 0.0


def _run(options: argparse.Namespace, meter: Meter) -> None:
    from bench import scenarios, seed

    accounts = [seed.log_in(each) for each in seed.seed_institutions(options.accounts)]
    scenarios.seed_authority()
    if options.iso:
        scenarios.seed_iso_partners(accounts)
    senders = {
        "baseline": _sender(accounts, scenarios.baseline_plan(accounts)),
        "submit": _xml_sender(accounts, scenarios.iso_plan(accounts))
        if options.iso
        else _sender(accounts, scenarios.submit_plan(accounts)),
    }
    for send in senders.values():  # warm up: imports, template loading, the first connection
        _measure(meter, send, 50)
    if options.queries:
        _print_queries(senders["submit"])
    rounds = []
    for number in range(options.rounds):
        order = ("baseline", "submit") if number % 2 == 0 else ("submit", "baseline")
        costs = {name: _measure(meter, senders[name], options.requests) for name in order}
        rounds.append(costs)
        _log(number, costs, options.requests)
    _summarise(rounds, "iso_request" if options.iso else "submit")
    if options.profile:
        _profile(senders["submit"], options.requests, options.profile, options.profile_file)


def _sender(accounts: list[Account], plan: FormPlan | None) -> Callable[[], None]:
    """One request of the plan per call, from the accounts in turn, as a browser sends it."""
    from django.conf import settings
    from django.db import close_old_connections
    from django.test import Client

    if plan is None:
        raise RuntimeError("the application does not serve this scenario's form")
    clients = []
    for account in accounts:
        client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
        client.cookies[settings.SESSION_COOKIE_NAME] = account.session_key
        client.cookies[settings.CSRF_COOKIE_NAME] = account.csrf_secret
        clients.append((client, account.csrf_secret))
    turns = itertools.cycle(clients)
    payloads = itertools.cycle(plan["payloads"])

    def send() -> None:
        client, csrf = next(turns)
        close_old_connections()
        form = urlencode({**next(payloads), "csrfmiddlewaretoken": csrf})
        response = client.post(plan["path"], form, content_type=_FORM)
        if response.status_code not in plan["expect"]:
            raise RuntimeError(f"{plan['scenario']}: status {response.status_code}")

    return send


def _xml_sender(accounts: list[Account], plan: XmlPlan | None) -> Callable[[], None]:
    """One ISO 18626 request of the plan per call, from each account's partner in turn, each
    with a new request id."""
    from django.db import close_old_connections
    from django.test import Client

    if plan is None:
        raise RuntimeError("the application does not serve the ISO 18626 endpoint")
    client = Client(HTTP_HOST="127.0.0.1")
    agencies = itertools.cycle([account.symbol for account in accounts])
    bodies = itertools.cycle(plan["payloads"])
    headers = {"Authorization": f"Bearer {plan['token']}"}

    def send() -> None:
        close_old_connections()
        body = next(bodies).replace("{agency}", next(agencies)).replace("{rid}", uuid.uuid4().hex)
        response = client.post(plan["path"], body, content_type="application/xml", headers=headers)
        if response.status_code not in plan["expect"]:
            raise RuntimeError(f"{plan['scenario']}: status {response.status_code}")

    return send


def _measure(meter: Meter, send: Callable[[], None], requests: int) -> Cost:
    (wall, cpu, here) = meter.now()
    for _ in range(requests):
        send()
    (wall_end, cpu_end, here_end) = meter.now()
    return Cost(
        (wall_end - wall) / requests, (cpu_end - cpu) / requests, (here_end - here) / requests
    )


def _log(number: int, costs: dict[str, Cost], requests: int) -> None:
    parts = [
        f"{name} {cost.elapsed * 1000:.2f} ms, CPU {cost.cpu * 1000:.2f} ms "
        f"({cost.here * 1000:.2f} here)"
        for name, cost in sorted(costs.items())
    ]
    print(f"round {number + 1}, {requests} each: " + "; ".join(parts), file=sys.stderr, flush=True)


def _summarise(rounds: list[dict[str, Cost]], figure: str) -> None:
    def median(value: Callable[[dict[str, Cost]], float]) -> float:
        return statistics.median(value(costs) for costs in rounds)

    elapsed = median(lambda c: c["baseline"].elapsed / c["submit"].elapsed)
    cpu = median(lambda c: c["baseline"].cpu / c["submit"].cpu)
    submit_cpu = median(lambda c: c["submit"].cpu) * 1000
    submit_here = median(lambda c: c["submit"].here) * 1000
    print(
        f"{figure}_ratio_in_process: elapsed {elapsed:.3f}, cpu {cpu:.3f} (medians of "
        f"{len(rounds)} rounds); a request: {submit_cpu:.2f} ms CPU, "
        f"{submit_here:.2f} ms of it in Django's process"
    )


def _print_queries(send: Callable[[], None]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        send()
    print(f"{len(queries)} queries in one submission:")
    for query in queries.captured_queries:
        print(f"  {query['time']} s  {query['sql'][:160]}")


def _profile(send: Callable[[], None], requests: int, lines: int, path: Path | None) -> None:
    profiler = cProfile.Profile(time.process_time)  # CPU, not waiting for the database
    profiler.enable()
    for _ in range(requests):
        send()
    profiler.disable()
    if path is not None:
        profiler.dump_stats(path)
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(lines)
        print(out.getvalue())


if __name__ == "__main__":
    sys.exit(main())
