"""What each load phase sends: the plan the locustfile follows (see bench/locustfile.py)."""

from __future__ import annotations

import random
from typing import Any

from django.urls import NoReverseMatch, reverse

from bench.seed import Account

Plan = dict[str, Any]


def _accounts(accounts: list[Account], seed: int) -> list[dict[str, str]]:
    # Each phase starts its users on a different slice of the institutions.
    shuffled = [account.as_plan() for account in accounts]
    random.Random(seed).shuffle(shuffled)
    return shuffled


def baseline_plan(accounts: list[Account], seed: int = 0) -> Plan:
    return {
        "scenario": "baseline",
        "method": "POST",
        "path": reverse("bench-baseline"),
        "expect": [204],
        "payloads": [{}],
        "accounts": _accounts(accounts, seed),
    }


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def submit_plan(accounts: list[Account], seed: int = 0) -> Plan | None:
    return None


def list_plan(accounts: list[Account], seed: int = 0) -> Plan | None:
    return None


def seed_list_requests(accounts: list[Account]) -> None:
    return None


def count_submit_queries(account: Account) -> int:
    return 0
