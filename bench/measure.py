"""The benchmark's steps that need Django (imported after django.setup() under bench.settings)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import TYPE_CHECKING

from django.core.management import get_commands
from django.db import connection
from django.utils import timezone

from bench import decide, scenarios, seed
from bench.load import run_phase
from bench.services import ROOT, log
from copyright_rules.models import Decision, Record
from copyright_rules.retention import copyright_today, count_due_records
from requests_app.models import Request

if TYPE_CHECKING:
    from pathlib import Path

    from bench.run import Config, Stage

PlanFactory = Callable[[int], dict[str, object]]


def seed_accounts(config: Config) -> list[seed.Account]:
    institutions = seed.seed_institutions(config.institutions)
    return [seed.log_in(institution) for institution in institutions[: config.accounts]]


def plans(accounts: list[seed.Account]) -> dict[str, PlanFactory]:
    """The scenarios, in the order each round runs them; those the application does not serve
    yet are left out (and reported as n/a)."""
    found: dict[str, PlanFactory] = {
        "baseline": partial(_required, scenarios.baseline_plan, accounts)
    }
    named = (
        ("submit", scenarios.submit_plan),
        ("list", scenarios.list_plan),
        ("iso", scenarios.iso_plan),
    )
    for name, factory in named:
        if factory(accounts, 0) is not None:
            found[name] = partial(_required, factory, accounts)
    if "submit" in found:
        scenarios.seed_authority()
    if "list" in found:
        scenarios.seed_list_requests(accounts)
    if "iso" in found:
        scenarios.seed_iso_partners(accounts)
    return found


def _required(factory: Callable[..., scenarios.Plan | None], *args: object) -> dict[str, object]:
    """The scenario's plan as a plain dict, which the load runner writes as JSON for locust."""
    plan = factory(*args)
    assert plan is not None
    return dict(plan)


def decide_rate() -> float:
    try:
        return decide.decisions_per_second()
    except ImportError as missing:
        log(f"decide: not measured ({missing})")
        return 0.0


def submit_queries(accounts: list[seed.Account]) -> int | None:
    """SQL statements one real submission runs, counted in-process through the whole stack."""
    if scenarios.submit_plan(accounts, 0) is None:
        return None
    return scenarios.count_submit_queries(accounts[-1])


def use_database(url: str | None) -> None:
    """Close this process's connection; with `url`, point it, and the purge command it starts,
    at that database of the same cluster."""
    connection.close()
    if url is not None:
        connection.settings_dict["NAME"] = url.rsplit("/", 1)[1]
        os.environ["DATABASE_URL"] = url


def settle(urls: list[str]) -> None:
    """VACUUM ANALYZE each database whole before anything is timed, as autovacuum keeps a
    production database: the load analyzes only the tables it fills, so the small tables of the
    sized copy (institutions, users) had no statistics and its plans were the planner's guesses
    (nested loops over a 20-row estimate of 200 institutions), while the empty database, analyzed
    by autovacuum meanwhile or not, planned otherwise: the queue ratio measured which database
    autovacuum had reached (docs/performance.md, "The queue page as the office grows")."""
    for url in urls:
        use_database(url)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def seed_records_at_size(config: Config) -> None:
    """The record as it stands on the morning of 1 January, before the purge: `records` of the
    last three years and this one (kept), and `purge_records` created four years ago, final
    (due). Loaded together, so the indexes are rebuilt once."""
    today = timezone.localdate()
    first = date(today.year - 3, 1, 1)
    log(f"seeding {config.records:,} current and {config.purge_records:,} due records")
    started = time.monotonic()
    with seed.bulk_loading([Record, Decision, Request]):
        seed.seed_records(
            config.records, first_day=first, days=(today - first).days, final_only=False
        )
        seed.seed_records(
            config.purge_records,
            first_day=date(today.year - 4, 1, 1),
            days=360,
            final_only=True,
        )
    log(f"  seeded in {time.monotonic() - started:.1f} s")


def purge_under_load(
    stage: Stage, plans: dict[str, PlanFactory], *, config: Config, host: str, workdir: Path
) -> dict[str, object]:
    """Run the purge command over the due records while submissions continue at the paced
    rate; report how much it deleted, how fast, and the submit latency meanwhile."""
    if "purge_records" not in get_commands() or "submit" not in plans:
        log("purge: not measured (no purge_records command or no submit endpoint yet)")
        return {"purge_deleted": None, "purge_seconds": None, "purge_submit_p99_ms": None}
    due_day = copyright_today()
    before = count_due_records(due_day)
    timing: dict[str, float] = {}
    result = run_phase(
        plans["submit"](77),
        host=host,
        users=config.latency_users,
        seconds=config.purge_seconds + 60,
        workdir=workdir,
        rate_per_user=stage.latency_rate / config.latency_users,
        while_running=partial(_purge, workdir, timing, config),
    )
    # Counted among due records only: the submissions go on inserting while the purge runs.
    deleted = before - count_due_records(due_day)
    seconds = timing["seconds"]
    log(f"  purge deleted {deleted:,} in {seconds:.1f} s; submit p99 {result.p99_ms} ms")
    return {
        **_purge_figures(config, before, deleted, seconds),
        "purge_submit_p99_ms": result.p99_ms,
        "purge_submit_rps": round(result.rps, 1),
        "purge_submit_failures": result.failures,
    }


def purge_alone(config: Config, url: str, workdir: Path) -> dict[str, object]:
    """BENCH_ONLY=purge: the database seeded as for the whole run, each request with the rows
    it gathers over its life (`seed.seed_request_history`), then the purge command of step 6 with
    the same batches and pauses, alone on the machine; how fast it deleted."""
    log(f"seeding {config.institutions} institutions")
    seed.seed_institutions(config.institutions)
    seed_records_at_size(config)
    log("seeding the requests' timelines, emails, ISO messages and admin history")
    seed.seed_request_history()
    settle([url])
    due_day = copyright_today()
    before = count_due_records(due_day)
    timing: dict[str, float] = {}
    _purge(workdir, timing, config)
    deleted = before - count_due_records(due_day)
    seconds = timing["seconds"]
    figures = _purge_figures(config, before, deleted, seconds)
    rate = figures["purge_rows_per_s"]
    log(f"  purge deleted {deleted:,} of {before:,} in {seconds:.1f} s: {rate:,} rows/s")
    return {"records": config.records, **figures}


def _purge_figures(config: Config, before: int, deleted: int, seconds: float) -> dict[str, object]:
    rate = deleted / seconds if seconds else 0.0
    return {
        "purge_due_before": before,
        "purge_deleted": deleted,
        "purge_seconds": round(seconds, 1),
        "purge_complete": deleted == before,
        "purge_rows_per_s": round(rate),
        "purge_projected_s": round(before / rate) if rate else None,
        "purge_batch": config.purge_batch,
        "purge_pause_ms": config.purge_pause_ms,
    }


def _purge(workdir: Path, timing: dict[str, float], config: Config) -> None:
    """Run the purge command; past BENCH_PURGE_SECONDS interrupt it (it is built to be resumed:
    every batch is its own transaction), so the benchmark stays bounded in time."""
    time.sleep(2)  # let the load settle first
    connection.close()
    started = time.monotonic()
    with (workdir / "purge.log").open("wb") as output:
        purge = subprocess.Popen(
            [sys.executable, "manage.py", "purge_records"]
            + ["--batch-size", str(config.purge_batch)]
            + ["--pause", str(config.purge_pause_ms / 1000)],
            cwd=ROOT,
            env=dict(os.environ),
            stdout=output,
            stderr=output,
        )
        try:
            purge.wait(timeout=config.purge_seconds)
        except subprocess.TimeoutExpired:
            purge.send_signal(signal.SIGINT)
            purge.wait(timeout=60)
    timing["seconds"] = time.monotonic() - started
    time.sleep(1)
