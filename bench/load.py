"""Runs one load phase with locust (headless, FastHttpUser) against 127.0.0.1 and reads its
statistics back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

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
    plan: Mapping[str, object],
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
    scenario = str(plan["scenario"])
    name = f"{scenario}-{len(list(workdir.glob('*.log')))}"
    plan_path = workdir / f"{name}-plan.json"
    plan_path.write_text(json.dumps(plan))
    stats_path = workdir / f"{name}-stats.json"  # locust adds the .json to --json-file
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
        "--json-file",
        str(stats_path.with_suffix("")),
        "--skip-log",
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
    return read_stats(stats_path, scenario)


def read_stats(path: Path, scenario: str) -> PhaseResult:
    """Locust's final statistics (--json-file): counts, the phase's span and the histogram of
    response times (milliseconds, rounded as locust rounds them)."""
    entries = {entry["name"]: entry for entry in json.loads(path.read_text())}
    entry = entries.get(scenario)
    if entry is None or not entry["num_requests"]:
        raise RuntimeError(f"locust recorded no {scenario!r} requests (see {path.parent})")
    histogram = sorted((float(ms), count) for ms, count in entry["response_times"].items())
    span = max(entry["last_request_timestamp"] - entry["start_time"], 1e-9)
    return PhaseResult(
        scenario=scenario,
        requests=entry["num_requests"],
        failures=entry["num_failures"],
        rps=entry["num_requests"] / span,
        p50_ms=percentile(histogram, 0.50),
        p99_ms=percentile(histogram, 0.99),
        max_ms=round(entry["max_response_time"], 1),
    )


def percentile(histogram: list[tuple[float, int]], fraction: float) -> float:
    total = sum(count for _, count in histogram)
    seen = 0
    for value, count in histogram:
        seen += count
        if seen >= fraction * total:
            return value
    return histogram[-1][0]
