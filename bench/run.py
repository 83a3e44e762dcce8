"""`make bench`: throughput and latency of the real application, measured against a baseline.

    python -m bench.run            # BENCH_RECORDS=10000000 for the network-scale run

It starts a throwaway PostgreSQL and Redis, migrates, seeds institutions with logged-in sessions,
copies that database and loads the copy with BENCH_RECORDS records (and BENCH_PURGE_RECORDS due
ones), and serves illdesk.wsgi from each database with its own gunicorn (2 workers each) under
bench.settings. Locust, from this machine, loads one of them at a time: every scenario (baseline,
submit, list) runs on the empty database and at size back to back, round after round, so the
machine's noise hits both alike; medians are reported. Then the submit latency at a steady rate,
and the retention purge under that load. It prints a table and, as its last line, one JSON object,
which it also writes to bench/results/latest.json.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.load import PhaseResult, run_phase
from bench.report import load_average, machine, print_report
from bench.services import ROOT, Gunicorn, Postgres, log, services, setup_django

RESULTS = ROOT / "bench" / "results" / "latest.json"


@dataclass(frozen=True)
class Config:
    records: int = 1_000_000
    purge_records: int = 1_000_000
    purge_seconds: int = 120
    purge_batch: int = 5000
    purge_pause_ms: int = 100
    institutions: int = 200
    accounts: int = 40
    users: int = 4
    rounds: int = 3
    phase_seconds: int = 8
    latency_users: int = 8
    latency_seconds: int = 30
    latency_load: float = 0.25
    latency_load_high: float = 0.5
    workers: int = 2

    @classmethod
    def from_env(cls) -> Config:
        """Each field from BENCH_<FIELD> when set (BENCH_RECORDS=10000000, ...)."""
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):
            raw = os.environ.get(f"BENCH_{item.name.upper()}")
            if raw:
                values[item.name] = float(raw) if item.type == "float" else int(raw)
        return cls(**values)


@dataclass
class Stage:
    """The phases measured at one size of the record table."""

    records: int
    phases: dict[str, list[PhaseResult]] = field(default_factory=dict)
    latency: PhaseResult | None = None
    latency_rate: float = 0.0
    latency_high: PhaseResult | None = None
    latency_high_rate: float = 0.0

    def median_rps(self, scenario: str) -> float | None:
        results = self.phases.get(scenario)
        return statistics.median(r.rps for r in results) if results else None

    def ratio(self, scenario: str = "submit") -> float | None:
        """A scenario (submit by default) over baseline, round by round (each pair measured
        seconds apart, so a noisy moment hits both), then the median of the rounds."""
        return median_ratio(self.phases.get(scenario, []), self.phases.get("baseline", []))

    def versus(self, other: Stage, scenario: str) -> float | None:
        """This stage's throughput over the other's, round by round (each pair measured back to
        back), then the median of the rounds."""
        return median_ratio(self.phases.get(scenario, []), other.phases.get(scenario, []))


def median_ratio(tops: list[PhaseResult], bottoms: list[PhaseResult]) -> float | None:
    """The median of the per-round ratios of throughput: pairs measured close together share
    the machine's noise, which the ratio cancels."""
    ratios = [
        top.rps / bottom.rps for top, bottom in zip(tops, bottoms, strict=False) if bottom.rps
    ]
    return statistics.median(ratios) if ratios else None


@dataclass
class Site:
    """One database served by its own gunicorn, and the figures measured on it."""

    stage: Stage
    gunicorn: Gunicorn

    @property
    def host(self) -> str:
        return self.gunicorn.url


@contextmanager
def serving(sites: list[Site]) -> Iterator[list[Site]]:
    with ExitStack() as stack:
        for site in sites:
            stack.callback(site.gunicorn.stop)
            site.gunicorn.start()
        yield sites


def measure_sites(
    sites: list[Site],
    plans: dict[str, Callable[[int], dict[str, Any]]],
    *,
    config: Config,
    workdir: Path,
) -> None:
    """Every scenario on every site back to back, round after round (the order of the sites
    swapped every other round), so a noisy moment on the machine hits all of them alike."""
    for round_number in range(config.rounds):
        order = sites if round_number % 2 == 0 else sites[::-1]
        for scenario, plan in plans.items():
            for site in order:
                result = run_phase(
                    plan(round_number),
                    host=site.host,
                    users=config.users,
                    seconds=config.phase_seconds,
                    workdir=workdir,
                )
                site.stage.phases.setdefault(scenario, []).append(result)
                log(
                    f"  [{site.stage.records:>10,} records] round {round_number + 1} "
                    f"{describe(result)}"
                )
    if "submit" in plans:
        # The same steady rates on both: shares of the submit capacity of the empty database.
        capacity = sites[0].stage.median_rps("submit") or 0.0
        rate = round(capacity * config.latency_load, 1)
        for site in sites:
            site.stage.latency_rate = rate
            site.stage.latency = measure_latency(site, plans["submit"], rate, config, workdir)
        # And at a higher load, at size only: how the tail grows as the machine fills up.
        high = round(capacity * config.latency_load_high, 1)
        sized = sites[-1].stage
        sized.latency_high_rate = high
        sized.latency_high = measure_latency(sites[-1], plans["submit"], high, config, workdir)


def measure_latency(
    site: Site,
    plan: Callable[[int], dict[str, Any]],
    rate: float,
    config: Config,
    workdir: Path,
) -> PhaseResult:
    """Submit latency at a steady, non-saturating rate (open pacing, Poisson arrivals)."""
    result = run_phase(
        plan(99),
        host=site.host,
        users=config.latency_users,
        seconds=config.latency_seconds,
        workdir=workdir,
        rate_per_user=rate / config.latency_users,
    )
    log(f"  [{site.stage.records:>10,} records] paced at {rate}/s {describe(result)}")
    return result


def describe(result: PhaseResult) -> str:
    return (
        f"{result.scenario:<9} {result.rps:8.1f} req/s  p50 {result.p50_ms:5.0f} ms  "
        f"p99 {result.p99_ms:5.0f} ms  {result.requests} requests, {result.failures} failed"
    )


def main() -> int:
    config = Config.from_env()
    load_before = load_average()
    workdir = Path(tempfile.mkdtemp(prefix="illdesk-bench-"))
    workdir.chmod(0o755)  # the postgres system user must reach its data directory below
    started = time.monotonic()
    try:
        with services(workdir) as postgres:
            report = run(config, postgres, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report["elapsed_s"] = round(time.monotonic() - started, 1)
    report["machine"] = {**machine(), "loadavg_start": load_before, "loadavg_end": load_average()}
    if report.get("only") not in (ONLY_QUEUE, ONLY_PURGE):
        print_report(report)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report))
    return 0


SIZED_DATABASE = "illdesk_sized"


# BENCH_ONLY=queue: only the queue pages, on the empty and the sized database, BENCH_ROUNDS times
# over (each run's ratio reported): the desk's figure alone, in minutes instead of the whole run.
ONLY_QUEUE = "queue"
# BENCH_ONLY=purge: only the retention purge of step 6, without the load, on records seeded as for
# the whole run (BENCH_RECORDS current, BENCH_PURGE_RECORDS due): its rows/s in minutes.
ONLY_PURGE = "purge"


def run(config: Config, postgres: Postgres, workdir: Path) -> dict[str, Any]:
    setup_django()
    if os.environ.get("BENCH_ONLY", "") == ONLY_QUEUE:
        return run_queue_only(config, postgres)
    if os.environ.get("BENCH_ONLY", "") == ONLY_PURGE:
        from bench import measure

        return {"only": ONLY_PURGE, **measure.purge_alone(config, postgres.url, workdir)}
    from bench import delivery, desk, fees, flows, iso_parse, layout, measure

    log(f"seeding {config.institutions} institutions")
    accounts = measure.seed_accounts(config)
    plans = measure.plans(accounts)
    decide_rate = measure.decide_rate()
    log(f"decide: {decide_rate:,.0f} decisions/s")
    queries = measure.submit_queries(accounts)
    log("the code: flows followed, modules measured")
    code_figures = {**flows.figures(flows.measure(accounts)), **layout.measure(ROOT).summary()}
    desk.create_staff()
    desk.seed_queues()
    # The same institutions, sessions, authority and lists in both databases; the copy then
    # gets the records. Sessions are found in the shared Redis cache whichever site is asked.
    measure.use_database(None)
    postgres.clone("illdesk", SIZED_DATABASE)
    measure.use_database(postgres.url_for(SIZED_DATABASE))
    measure.seed_records_at_size(config)
    measure.settle([postgres.url, postgres.url_for(SIZED_DATABASE)])
    sites = [
        Site(Stage(records=0), gunicorn(config, postgres.url, workdir / "gunicorn-empty.log")),
        Site(
            Stage(records=config.records),
            gunicorn(config, postgres.url_for(SIZED_DATABASE), workdir / "gunicorn-sized.log"),
        ),
    ]
    loads = workdir / "load"
    loads.mkdir()
    with serving(sites):
        empty, sized = sites
        measure_sites(sites, plans, config=config, workdir=loads)
        purge = measure.purge_under_load(
            sized.stage, plans, config=config, host=sized.host, workdir=loads
        )
    log("iso 18626: the worst bodies under the size cap, in-process")
    iso_parse_figures = iso_parse.measure()
    log("desk: queues, search and statistics, in-process")
    desk_figures = desk.measure(
        measure.use_database, postgres.url, postgres.url_for(SIZED_DATABASE)
    )
    log("delivery: OCR and a delivered copy, in-process")
    delivery_figures = delivery.measure()
    log("fees: submission with a fee schedule and without, in-process")
    measure.use_database(postgres.url)
    fees_figures = fees.measure(postgres, accounts)
    report = summarise(config, empty.stage, sized.stage, decide_rate, queries, purge)
    return {
        **report,
        **code_figures,
        **desk_figures,
        **iso_parse_figures,
        **delivery_figures,
        **fees_figures,
        **catalog_figures(),
    }


def run_queue_only(config: Config, postgres: Postgres) -> dict[str, Any]:
    """The two databases seeded as in the whole run, then the queue pages' ratio measured
    config.rounds times (each of QUEUE_ROUNDS alternating rounds, bench/desk.py)."""
    from bench import desk, measure

    log(f"seeding {config.institutions} institutions")
    measure.seed_accounts(config)
    desk.create_staff()
    desk.seed_queues()
    measure.use_database(None)
    postgres.clone("illdesk", SIZED_DATABASE)
    measure.use_database(postgres.url_for(SIZED_DATABASE))
    measure.seed_records_at_size(config)
    measure.settle([postgres.url, postgres.url_for(SIZED_DATABASE)])
    runs = []
    for number in range(config.rounds):
        figures = desk.measure_queues(
            measure.use_database, postgres.url, postgres.url_for(SIZED_DATABASE)
        )
        log(f"  queue run {number + 1}: {figures}")
        runs.append(figures)
    ratios = [figures["queue_ratio_at_size_vs_empty"] for figures in runs]
    if os.environ.get("BENCH_QUEUE_QUERIES", "") in ("1", "true", "yes"):
        databases = {"empty": postgres.url, "sized": postgres.url_for(SIZED_DATABASE)}
        grown = desk.queue_queries(measure.use_database, databases)
        for name, url in databases.items():  # the plan of the statement that grew most
            measure.use_database(url)
            log(f"  plan on the {name} database:\n{desk.plan_text(grown[0]['sql'])}")
        for row in grown[:12]:
            log(
                f"  {row['growth_ms']:+7.3f} ms ({row.get('empty_ms')} -> {row.get('sized_ms')}, "
                f"buffers {row.get('empty_buffers')} -> {row.get('sized_buffers')})  "
                f"{row['page']}  {row['sql'][:300]}"
            )
    return {
        "only": ONLY_QUEUE,
        "records": config.records,
        "queue_runs": runs,
        "queue_ratios": ratios,
        "queue_ratio_at_size_vs_empty": min(ratios),
    }


def catalog_figures() -> dict[str, Any]:
    """The catalog's lookups against Zebra (bench/catalog.py): off unless BENCH_CATALOG=1, as it
    indexes BENCH_CATALOG_RECORDS records first (minutes at 100,000)."""
    if os.environ.get("BENCH_CATALOG", "") not in ("1", "true", "yes"):
        return {}
    from bench import catalog

    log(f"catalog: lookups against {catalog.RECORDS:,} records")
    return catalog.measure()


def gunicorn(config: Config, database_url: str, log_path: Path) -> Gunicorn:
    env = {**os.environ, "DATABASE_URL": database_url}
    return Gunicorn(env=env, log_path=log_path, workers=config.workers)


def summarise(
    config: Config,
    empty: Stage,
    sized: Stage,
    decide_rate: float,
    queries: int | None,
    purge: dict[str, Any],
) -> dict[str, Any]:
    empty_ratio, sized_ratio = empty.ratio(), sized.ratio()
    latency = sized.latency or empty.latency
    return {
        "baseline_rps": _round(empty.median_rps("baseline")),
        "submit_rps": _round(empty.median_rps("submit")),
        "submit_ratio": _round(empty_ratio, 3),
        "submit_p99_ms": latency.p99_ms if latency else None,
        "submit_queries": queries,
        "list_rps": _round(empty.median_rps("list")),
        # ISO 18626 request intake (a partner's copy request) over the baseline endpoint.
        "iso_rps": _round(empty.median_rps("iso")),
        "iso_request_ratio": _round(empty.ratio("iso"), 3),
        "iso_request_ratio_at_size": _round(sized.ratio("iso"), 3),
        "decide_per_s": round(decide_rate),
        "records": config.records,
        "due_records_at_size": config.purge_records,
        # Submit throughput at size over the empty database's, measured back to back.
        "submit_ratio_at_size_vs_empty": _round(sized.versus(empty, "submit"), 3),
        "baseline_rps_at_size": _round(sized.median_rps("baseline")),
        "submit_rps_at_size": _round(sized.median_rps("submit")),
        "submit_ratio_at_size": _round(sized_ratio, 3),
        "list_rps_at_size": _round(sized.median_rps("list")),
        "submit_p99_ms_empty": empty.latency.p99_ms if empty.latency else None,
        "submit_p50_ms": latency.p50_ms if latency else None,
        "submit_load_rps": sized.latency_rate if sized.latency else empty.latency_rate,
        "submit_p99_ms_high_load": sized.latency_high.p99_ms if sized.latency_high else None,
        "submit_high_load_rps": sized.latency_high_rate if sized.latency_high else None,
        "load_users": config.users,
        "latency_users": config.latency_users,
        "latency_seconds": config.latency_seconds,
        "phase_seconds": config.phase_seconds,
        "rounds": config.rounds,
        "failed_requests": sum(
            r.failures for stage in (empty, sized) for rs in stage.phases.values() for r in rs
        ),
        **purge,
    }


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


if __name__ == "__main__":
    sys.exit(main())
