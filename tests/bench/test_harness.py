"""The benchmark's pieces at a tiny size: seeding, sessions, the load runner and the report.
Times are never asserted here; `make bench` measures them."""

import json
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from bench import decide, iso_parse, scenarios, seed
from bench.load import PhaseResult, run_phase
from bench.report import machine, print_report
from bench.run import Config, Stage, summarise
from copyright_rules import retention
from copyright_rules.models import Record
from registration.models import OutboxMessage
from requests_app import stats
from requests_app.forms import CopyRequestForm
from requests_app.models import IsoMessage, Request, RequestEvent
from requests_app.queues import PAGE_SIZE, QUEUES
from tests.requests_app import live_stats

REQUIRED_KEYS = {
    "baseline_rps",
    "submit_rps",
    "submit_ratio",
    "submit_p99_ms",
    "submit_queries",
    "list_rps",
    "decide_per_s",
    "records",
    "submit_ratio_at_size_vs_empty",
    "purge_deleted",
    "purge_seconds",
    "purge_submit_p99_ms",
}


def test_baseline_endpoint_is_not_routed_by_the_production_urls() -> None:
    with pytest.raises(NoReverseMatch):
        reverse("bench-baseline")


@pytest.mark.django_db
def test_seeded_session_is_logged_in_as_its_institution() -> None:
    institution = seed.seed_institutions(2)[1]
    account = seed.log_in(institution)
    client = Client()
    client.cookies["sessionid"] = account.session_key

    response = client.get("/")

    assert response.wsgi_request.user.pk == institution.user_id


@pytest.mark.django_db
def test_seeded_institutions_share_one_password_hash() -> None:
    institutions = seed.seed_institutions(3)

    hashes = {i.user.password for i in institutions if i.user is not None}

    assert len(hashes) == 1
    assert hashes.pop().startswith("argon2")


@pytest.mark.django_db
@pytest.mark.postgres_only
def test_records_created_four_years_ago_are_due_for_the_purge() -> None:
    seed.seed_institutions(3)
    today = timezone.localdate()

    seed.seed_records(50, first_day=date(today.year - 4, 1, 1), days=300, final_only=True)

    assert Record.objects.due_for_purge(today).count() == 50


@pytest.mark.django_db
@pytest.mark.postgres_only
def test_current_records_are_not_due_for_the_purge() -> None:
    seed.seed_institutions(3)
    today = timezone.localdate()

    seed.seed_records(50, first_day=date(today.year - 3, 1, 1), days=365, final_only=False)

    assert seed.count_records() == 50
    assert Record.objects.due_for_purge(today).count() == 0


@pytest.mark.django_db
@pytest.mark.postgres_only
def test_every_seeded_record_has_its_request_and_a_decision() -> None:
    seed.seed_institutions(2)

    seed.seed_records(30, first_day=date(2025, 1, 1), days=30, final_only=False)

    assert Request.objects.filter(record__decisions__isnull=False).distinct().count() == 30


@pytest.mark.django_db
@pytest.mark.postgres_only
def test_the_seeded_history_of_due_requests_goes_with_them_in_the_purge() -> None:
    # BENCH_ONLY=purge measures the purge over requests with what they gather over their life.
    seed.seed_institutions(2)
    today = timezone.localdate()
    seed.seed_records(40, first_day=date(today.year - 4, 1, 1), days=300, final_only=True)
    seed.seed_records(10, first_day=date(today.year, 1, 1), days=1, final_only=False)
    seed.seed_request_history()
    history = (RequestEvent, OutboxMessage, IsoMessage, LogEntry)
    seeded = {model: model.objects.count() for model in history}

    assert retention.purge_due_records(retention.copyright_today()) == 40

    assert seeded == {RequestEvent: 100, OutboxMessage: 50, IsoMessage: 5, LogEntry: 1}
    kept = Request.objects.values_list("pk", flat=True)
    assert RequestEvent.objects.exclude(request__in=kept).count() == 0
    assert RequestEvent.objects.count() == 20
    assert set(OutboxMessage.objects.values_list("target_id", flat=True)) == set(kept)
    assert OutboxMessage.objects.count() == 10
    assert not IsoMessage.objects.exclude(request__in=kept).exists()


@pytest.mark.django_db
@pytest.mark.postgres_only
def test_listed_institutions_get_their_own_requests_only() -> None:
    institutions = seed.seed_institutions(3)
    accounts = [seed.log_in(institution) for institution in institutions[:2]]

    scenarios.seed_list_requests(accounts)

    per_institution = {i.pk: Request.objects.for_institution(i).count() for i in institutions}
    expected = scenarios.REQUESTS_PER_LISTED_INSTITUTION
    assert per_institution == {
        institutions[0].pk: expected,
        institutions[1].pk: expected,
        institutions[2].pk: 0,
    }


def test_benchmark_copy_requests_are_valid_copy_forms() -> None:
    payloads = scenarios.copy_request_payloads(count=40)

    errors = [form.errors for form in map(CopyRequestForm, payloads) if not form.is_valid()]

    assert errors == []


@pytest.mark.django_db
def test_the_iso_scenario_sends_requests_the_endpoint_accepts() -> None:
    institution = seed.seed_institutions(1)[0]
    account = seed.log_in(institution)
    scenarios.seed_iso_partners([account])
    plan = scenarios.iso_plan([account])
    assert plan is not None
    body = plan["payloads"][0].replace("{agency}", account.symbol).replace("{rid}", "r-1")

    response = Client().post(
        plan["path"],
        data=body.encode(),
        content_type="application/xml",
        headers={"Authorization": f"Bearer {plan['token']}"},
    )

    assert response.status_code in plan["expect"]
    assert plan["expect_text"] in response.content.decode()
    assert Request.objects.for_institution(institution).count() == 1


@pytest.mark.django_db(transaction=True)  # the sender closes old connections, as WSGI does
def test_the_in_process_profile_sends_iso_requests_from_each_partner_in_turn() -> None:
    """`bench.submit_profile --iso`'s sender: each call is one accepted request, a new request id
    each time, the partners taken in turn."""
    from bench import submit_profile

    institutions = seed.seed_institutions(2)
    accounts = [seed.log_in(institution) for institution in institutions]
    scenarios.seed_iso_partners(accounts)
    send = submit_profile._xml_sender(accounts, scenarios.iso_plan(accounts))

    for _ in range(4):
        send()

    for institution in institutions:
        assert Request.objects.for_institution(institution).count() == 2


def test_copy_requests_repeat_some_journals_more_than_five_times() -> None:
    titles = Counter(p["title"] for p in scenarios.copy_request_payloads(count=200))

    assert max(titles.values()) > 5
    assert len(titles) > 20


def test_decide_workload_puts_some_requests_over_the_limit() -> None:
    from copyright_rules.rules import decide as rule

    cases, authority = decide.workload(size=300)

    outcomes = {rule(request, priors, authority=authority).outcome for request, priors in cases}

    assert {"ACCEPT_CCG", "NEEDS_PERMISSION"} <= outcomes


def test_generated_issns_have_valid_check_digits() -> None:
    from copyright_rules.keys import normalize_issn

    assert all(normalize_issn(decide.issn(n)) for n in (1, 28083, 1474547, 9_999_999))


class _NoContent(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NoContent)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_load_phase_reports_the_requests_locust_sent(local_server: str, tmp_path: Path) -> None:
    plan = {
        "scenario": "baseline",
        "method": "POST",
        "path": "/bench/baseline/",
        "expect": [204],
        "payloads": [{"title": "x"}],
        "accounts": [{"cookie": "sessionid=s; csrftoken=c", "csrf": "c", "symbol": "B00000"}],
    }

    result = run_phase(plan, host=local_server, users=1, seconds=1, workdir=tmp_path)

    assert result.requests > 0
    assert result.failures == 0


def test_load_phase_refuses_any_host_but_localhost(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        run_phase({}, host="http://example.org", users=1, seconds=1, workdir=tmp_path)


def _phase(scenario: str, rps: float) -> PhaseResult:
    return PhaseResult(scenario, requests=100, failures=0, rps=rps, p50_ms=5, p99_ms=20, max_ms=30)


def _report() -> dict[str, object]:
    empty, sized = Stage(records=0), Stage(records=1000)
    for stage in (empty, sized):
        stage.phases = {"baseline": [_phase("baseline", 200)], "submit": [_phase("submit", 100)]}
        stage.latency = _phase("submit", 50)
    return summarise(Config(records=1000), empty, sized, 25_000.0, 7, {"purge_deleted": 0})


def test_report_has_every_figure_and_is_one_json_line() -> None:
    report = _report()
    line = json.dumps(report)

    assert REQUIRED_KEYS - {"purge_seconds", "purge_submit_p99_ms"} <= set(json.loads(line))
    assert "\n" not in line
    assert report["submit_ratio"] == 0.5
    assert report["submit_ratio_at_size_vs_empty"] == 1.0


def test_printed_table_names_the_machine(capsys: pytest.CaptureFixture[str]) -> None:
    report = {**_report(), "elapsed_s": 1.0}
    report["machine"] = {**machine(), "loadavg_start": 0.5, "loadavg_end": 0.7}

    print_report(report)

    assert f"{os.cpu_count()} x" in capsys.readouterr().out


def _plan(scenario: str) -> Callable[[int], dict[str, Any]]:
    return lambda round_number: {"scenario": scenario}


def test_sites_are_measured_back_to_back_and_swap_order_every_round(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bench import run
    from bench.services import Gunicorn

    calls: list[tuple[str, str]] = []

    def fake_phase(plan: dict[str, object], *, host: str, **kwargs: object) -> PhaseResult:
        calls.append((str(plan["scenario"]), host))
        return _phase(str(plan["scenario"]), 100.0 if host.endswith(":1") else 90.0)

    monkeypatch.setattr(run, "run_phase", fake_phase)
    sites = [
        run.Site(Stage(records=0), Gunicorn(env={}, log_path=tmp_path / "a", port=1)),
        run.Site(Stage(records=9), Gunicorn(env={}, log_path=tmp_path / "b", port=2)),
    ]
    plans = {name: _plan(name) for name in ("baseline", "submit")}

    run.measure_sites(sites, plans, config=Config(rounds=2), workdir=tmp_path)

    empty, sized = "http://127.0.0.1:1", "http://127.0.0.1:2"
    assert calls == [
        ("baseline", empty), ("baseline", sized), ("submit", empty), ("submit", sized),
        ("baseline", sized), ("baseline", empty), ("submit", sized), ("submit", empty),
        ("submit", empty), ("submit", sized), ("submit", sized),  # the paced latency phases
    ]  # fmt: skip
    assert sites[1].stage.versus(sites[0].stage, "submit") == pytest.approx(0.9)
    assert sites[0].stage.latency_rate == sites[1].stage.latency_rate == 25.0
    assert sites[1].stage.latency_high_rate == 50.0


def test_at_size_figure_is_the_median_of_the_back_to_back_pairs() -> None:
    empty, sized = Stage(records=0), Stage(records=1000)
    empty.phases = {"submit": [_phase("submit", rps) for rps in (100, 50, 200)]}
    sized.phases = {"submit": [_phase("submit", rps) for rps in (95, 60, 140)]}

    assert sized.versus(empty, "submit") == pytest.approx(0.95)


def test_every_setting_comes_from_its_bench_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_RECORDS", "10000000")
    monkeypatch.setenv("BENCH_LATENCY_LOAD", "0.3")
    monkeypatch.setenv("BENCH_PURGE_PAUSE_MS", "0")

    config = Config.from_env()

    assert (config.records, config.latency_load, config.purge_pause_ms) == (10_000_000, 0.3, 0)
    assert config.rounds == Config().rounds  # unset: the default


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_the_desk_measure_times_search_queues_and_statistics() -> None:
    """bench.desk at a tiny size: every page it times answers 200 (the empty and sized databases
    are one here), the seeded search columns find the seeded requests as the desk would, and the
    statistics refreshed on the seeded rows equal the live figures."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from bench import desk

    seed.seed_institutions(2)
    seed.seed_records(20, first_day=date(timezone.localdate().year, 1, 1), days=1, final_only=False)
    desk.create_staff()
    desk.seed_queues()
    # Every queue holds a full page, so the empty database's pages are as full as at size.
    for slug, queue in QUEUES.items():
        assert queue.rows().count() >= PAGE_SIZE, slug
    name = connection.settings_dict["NAME"]
    figures = desk.measure(lambda url: None, name, name)
    assert set(figures["desk_search_p95_ms_by_kind"]) == set(desk.search_terms())
    assert figures["queue_ratio_at_size_vs_empty"] > 0 and figures["stats_ms"] > 0
    assert figures["stats_refresh_s"] > 0
    # The seeded day starts at midnight UTC: in New York, the evening of the year before.
    counted = 0
    for year in (timezone.localdate().year - 1, timezone.localdate().year):
        tallied, live = stats.for_year(year), live_stats.live_for_year(year)
        assert tallied["as_of"] and live["as_of"]
        assert {**tallied, "as_of": None} == {**live, "as_of": None}
        counted += sum(n for _, n in tallied["busiest"])
    assert counted == Request.objects.count()
    client = Client()
    client.force_login(get_user_model().objects.get(username=desk.STAFF))
    newest = Request.objects.order_by("-pk").first()
    found = client.get("/desk/", {"q": desk.search_terms()["issn"]}).context["found"]
    assert newest in found
    # Where the queue pages' database time goes: every SELECT of each page, explained on both.
    if connection.vendor == "postgresql":
        explained = desk.queue_queries(lambda url: None, {"empty": name, "sized": name}, repeat=1)
        assert {row["page"] for row in explained} == set(desk.QUEUE_PAGES)
        assert all(row["empty_ms"] >= 0 and row["sized_buffers"] >= 0 for row in explained)
        assert any(row["empty_buffers"] > 0 for row in explained)  # the page's rows were read


def test_the_worst_iso_bodies_fill_the_size_cap_and_are_read() -> None:
    bodies = iso_parse.worst_bodies()
    figures = iso_parse.measure(rounds=1)

    for body in bodies.values():
        assert settings.ISO18626_MAX_BYTES * 0.99 < len(body) <= settings.ISO18626_MAX_BYTES
    assert set(figures["iso_parse_ms_by_shape"]) == set(bodies)
    assert figures["iso_worst_parse_ms"] == max(figures["iso_parse_ms_by_shape"].values())
