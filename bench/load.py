"""Runs one load phase with locust (headless, FastHttpUser) against 127.0.0.1 and reads its
statistics back."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"


@dataclass(frozen=True)
class PhaseResult:
    scenario: str
    requests: int
    failures: int
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float


def run_phase(
    plan: dict[str, Any],
    *,
    host: str,
    users: int,
    seconds: float,
    workdir: Path,
    rate_per_user: float = 0.0,
    while_running: Callable[[], object] | None = None,
) -> PhaseResult:
    """Run `users` simulated users for at most `seconds`. With `while_running`, the phase lasts
    as long as that function runs (bounded by `seconds`): used to load the site during a purge."""
    if not host.startswith("http://127.0.0.1:"):
        raise ValueError("the benchmark only ever loads 127.0.0.1")
    name = f"{plan['scenario']}-{len(list(workdir.glob('*_stats.csv')))}"
    plan_path = workdir / f"{name}.json"
    plan_path.write_text(json.dumps(plan))
    prefix = workdir / name
    cmd = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{int(seconds)}s",
        "--host",
        host,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "ERROR",
        "--stop-timeout",
        "5",
    ]
    env = {**os.environ, "BENCH_PLAN": str(plan_path), "BENCH_RATE_PER_USER": str(rate_per_user)}
    with (workdir / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(cmd, env=env, stdout=log, stderr=log)
        if while_running is not None:
            try:
                while_running()
            finally:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
        process.wait(timeout=seconds + 60)
    return read_stats(Path(f"{prefix}_stats.csv"), plan["scenario"])


def read_stats(path: Path, scenario: str) -> PhaseResult:
    with path.open(newline="") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    if scenario not in rows:
        raise RuntimeError(f"locust recorded no {scenario!r} requests (see {path.parent})")
    row = rows[scenario]
    return PhaseResult(
        scenario=scenario,
        requests=int(row["Request Count"]),
        failures=int(row["Failure Count"]),
        rps=float(row["Requests/s"]),
        p50_ms=float(row["50%"]),
        p99_ms=float(row["99%"]),
        max_ms=float(row["Max Response Time"]),
    )
