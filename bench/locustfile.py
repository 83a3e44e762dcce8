"""The load for one benchmark phase, run by `locust --headless` in its own process.

The harness writes a plan (JSON, path in BENCH_PLAN): the scenario's method, path, expected
status codes, form payloads to pick from, and one logged-in account per simulated user (session
cookie and CSRF secret). Each user sends the request back to back (closed loop, to measure
throughput) or as a Poisson process of BENCH_RATE_PER_USER requests per second (open pacing, to
measure latency): independent librarians do not submit in step, and users paced at a constant
rate, all started together, would send their requests in bursts that queue behind each other.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from locust import FastHttpUser, task

if TYPE_CHECKING:
    from bench.scenarios import Plan

PLAN: Plan = json.loads(Path(os.environ["BENCH_PLAN"]).read_text())
RATE_PER_USER = float(os.environ.get("BENCH_RATE_PER_USER", "0"))
_accounts = itertools.cycle(PLAN["accounts"])


class BenchUser(FastHttpUser):
    def wait_time(self) -> float:
        if RATE_PER_USER <= 0:
            return 0.0
        # Open pacing: the next request is due an exponential gap after the previous one was
        # due, however long that one took (a late user catches up instead of slowing down).
        self.due += random.expovariate(RATE_PER_USER)
        return max(0.0, self.due - time.monotonic())

    def on_start(self) -> None:
        self.account: dict[str, str] = next(_accounts)
        # The account's cookies are sent explicitly: the session is fixed for the whole phase.
        self.client.client.cookiejar = None
        self.due = time.monotonic() + random.expovariate(RATE_PER_USER or 1.0)

    @task
    def hit(self) -> None:
        headers = {"Cookie": self.account["cookie"]}
        body = None
        if "xml" in PLAN:
            # A partner's ILL system: no session, a header token, a new request id each time.
            headers = {
                "Authorization": f"Bearer {PLAN['token']}",
                "Content-Type": "application/xml",
            }
            template = random.choice(PLAN["payloads"])
            body = template.replace("{agency}", self.account["symbol"]).replace(
                "{rid}", uuid.uuid4().hex
            )
        elif PLAN["method"] == "POST":
            fields = {
                **random.choice(PLAN["payloads"]),
                "csrfmiddlewaretoken": self.account["csrf"],
            }
            body = urlencode(fields, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        with self.client.request(
            PLAN["method"],
            PLAN["path"],
            data=body,
            headers=headers,
            name=PLAN["scenario"],
            allow_redirects=False,
            catch_response=True,
        ) as response:
            expected_text = PLAN.get("expect_text", "")
            if response.status_code in PLAN["expect"] and expected_text in response.text:
                response.success()
            else:
                response.failure(f"status {response.status_code}")
