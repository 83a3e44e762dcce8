"""The benchmark's report: the machine its figures came from, and the table bench/run.py prints
at the end of a run (docs/performance.md)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def machine() -> dict[str, str | int | float | None]:
    """What the figures came from: they mean little without the machine."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    models = [
        line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line
    ]
    pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    return {
        "nproc": os.cpu_count(),
        "cpu": models[0] if models else "unknown",
        "memory_gib": round(pages * page_size / 2**30, 1),
    }


def load_average() -> float:
    """Other work on the machine during the run (the 1-minute load average)."""
    return round(os.getloadavg()[0], 2)


def print_report(report: dict[str, Any]) -> None:
    rows = [
        ("", "empty", f"{report['records']:,} records"),
        ("baseline req/s", report["baseline_rps"], report["baseline_rps_at_size"]),
        ("submit req/s", report["submit_rps"], report["submit_rps_at_size"]),
        ("submit / baseline", report["submit_ratio"], report["submit_ratio_at_size"]),
        ("list req/s", report["list_rps"], report["list_rps_at_size"]),
        ("iso 18626 / baseline", report["iso_request_ratio"], report["iso_request_ratio_at_size"]),
        ("submit p99 ms (paced)", report["submit_p99_ms_empty"], report["submit_p99_ms"]),
    ]
    print()
    for label, left, right in rows:
        print(f"{label:<24}{_cell(left):>14}{_cell(right):>20}")
    print(f"{'at size vs empty':<24}{_cell(report['submit_ratio_at_size_vs_empty']):>34}")
    print(f"{'submit queries':<24}{_cell(report['submit_queries']):>34}")
    print(f"{'decide / s':<24}{_cell(report['decide_per_s']):>34}")
    purge_keys = ("purge_due_before", "purge_deleted", "purge_seconds", "purge_rows_per_s")
    for key in (*purge_keys, "purge_submit_p99_ms", "purge_submit_rps"):
        print(f"{key.replace('_', ' '):<24}{_cell(report.get(key)):>34}")
    print(f"{'paced submit load req/s':<24}{_cell(report['submit_load_rps']):>34}")
    high = (
        f"{_cell(report['submit_p99_ms_high_load'])} at {_cell(report['submit_high_load_rps'])}/s"
    )
    print(f"{'p99 ms at higher load':<24}{high:>34}")
    print(f"{'failed requests':<24}{_cell(report['failed_requests']):>34}")
    desk_keys = ("desk_search_p95_ms", "queue_ratio_at_size_vs_empty", "stats_refresh_s")
    for key in (*desk_keys, "stats_ms", "iso_worst_parse_ms"):
        print(f"{key.replace('_', ' '):<24}{_cell(report.get(key)):>34}")
    for key in ("delivery_ocr_pages_per_min", "delivery_copy_kib", "delivery_pages"):
        print(f"{key.replace('_', ' '):<24}{_cell(report.get(key)):>34}")
    for key in ("fees_submit_ratio", "fees_submit_queries", "fees_submit_queries_without"):
        print(f"{key.replace('_', ' '):<24}{_cell(report.get(key)):>34}")
    for name in ("copy", "iso"):
        walked = f"{_cell(report.get(f'flow_{name}_files'))} files, "
        walked += f"{_cell(report.get(f'flow_{name}_functions'))} functions"
        print(f"{f'flow {name}':<24}{walked:>34}")
    code_keys = ("modules_over_400_lines", "lines_with_any", "import_cycles")
    for key in (*code_keys, "modules_missing_from_contributing"):
        print(f"{key.replace('_', ' '):<40}{_cell(report.get(key)):>18}")
    print(f"{'elapsed s':<24}{_cell(report['elapsed_s']):>34}")
    machine = report["machine"]
    print(f"machine: {machine['nproc']} x {machine['cpu']}, {machine['memory_gib']} GiB; ", end="")
    print(f"load average {machine['loadavg_start']} at start, {machine['loadavg_end']} at end")


def _cell(value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
