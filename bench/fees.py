"""Submission with a fee schedule and without one, in one process (docs/fees.md, "Measured").

    python -m bench.fees        # BENCH_FEES_REQUESTS=100 BENCH_FEES_ROUNDS=3 for a quick run

A fee schedule must not slow the portal's submission: the charge is made when a request is
supplied, and the form's likely charge is read only when a form is shown. This sends the
benchmark's copy submissions (`POST /requests/new/copy/`, bench/scenarios.py) through the whole
Django stack with the test client, as bench/submit_profile.py does, round after round: one phase
with a full fee schedule (every service of `FeeService`, and an exemption), one without, their
order swapped every other round. `fees_submit_ratio` is the median over the rounds of the cost
per submission without a schedule over the cost with one (the CPU time of the Django process,
where the fee code would run; wall time beside it): 1.0 means unchanged, below 1.0 slower with the
schedule. `fees_submit_queries` and `fees_submit_queries_without` count the SQL statements of one
submission in each case, which noise does not move.

`make bench` runs it on its empty database after the load phases (a few hundred submissions);
run alone, it starts its own PostgreSQL and Redis."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from bench.services import Postgres, log, services, setup_django

if TYPE_CHECKING:
    from bench.seed import Account


def measure(postgres: Postgres, accounts: list[Account]) -> dict[str, object]:
    from bench import scenarios
    from bench.submit_profile import Meter, _measure, _sender

    requests = int(os.environ.get("BENCH_FEES_REQUESTS", "150"))
    rounds = int(os.environ.get("BENCH_FEES_ROUNDS", "4"))
    meter = Meter(postgres)
    send = _sender(accounts, scenarios.submit_plan(accounts))
    _measure(meter, send, 30)  # warm up: imports, templates, the first connection
    queries = {present: _queries(send, present, accounts) for present in (True, False)}
    ratios_cpu, ratios_wall, with_fees_ms = [], [], []
    for number in range(rounds):
        costs = {}
        for present in (True, False) if number % 2 == 0 else (False, True):
            _schedule(present, accounts)
            costs[present] = _measure(meter, send, requests)
        ratios_cpu.append(costs[False].here / costs[True].here)
        ratios_wall.append(costs[False].elapsed / costs[True].elapsed)
        with_fees_ms.append(costs[True].here * 1000)
        log(f"fees round {number + 1}: without/with schedule, CPU {ratios_cpu[-1]:.3f}")
    _schedule(False, accounts)
    return {
        "fees_submit_ratio": round(statistics.median(ratios_cpu), 3),
        "fees_submit_ratio_wall": round(statistics.median(ratios_wall), 3),
        "fees_submit_cpu_ms": round(statistics.median(with_fees_ms), 2),
        "fees_submit_queries": queries[True],
        "fees_submit_queries_without": queries[False],
        "fees_submit_requests": requests,
        "fees_submit_rounds": rounds,
    }


def _queries(send: Callable[[], None], present: bool, accounts: list[Account]) -> int:
    """The SQL statements of one submission: the same with a schedule as without, or the
    schedule costs the submission something."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _schedule(present, accounts)
    send()  # the first of an account may log its session in
    with CaptureQueriesContext(connection) as captured:
        send()
    return len(captured)


def _schedule(present: bool, accounts: list[Account]) -> None:
    """Every service priced, the first account's institution exempt; or nothing."""
    from fees.models import Exemption, Fee, FeeService

    Fee.objects.all().delete()
    Exemption.objects.all().delete()
    if present:
        Fee.objects.bulk_create(
            Fee(service=service, base=Decimal("12.50"), per_page=Decimal("0.20"), rush=Decimal(5))
            for service in FeeService
        )
        Exemption.objects.create(institution_id=accounts[0].institution_id, reason="Benchmark")


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="illdesk-bench-fees-"))
    workdir.chmod(0o755)  # the postgres system user must reach its data directory below
    try:
        with services(workdir) as postgres:
            setup_django()
            from bench import scenarios, seed

            count = int(os.environ.get("BENCH_ACCOUNTS", "20"))
            accounts = [seed.log_in(each) for each in seed.seed_institutions(count)]
            scenarios.seed_authority()
            figures = measure(postgres, accounts)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
