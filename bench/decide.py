"""Decisions per second of the pure rule function, in one process, on realistic requests.

The workload looks like what the application hands `decide`: a periodical copy (most requests)
or a chapter, cited by ISSN or ISBN, with the institution's prior requests for the same key and
year as the database returns them (year and key precomputed), between none and seven of them so
that some requests are over the rule of five.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from copyright_rules.facts import PriorRequest, RequestFacts
from copyright_rules.keys import Authority
from copyright_rules.rules import decide

Case = tuple[RequestFacts, tuple[PriorRequest, ...]]


def issn(number: int) -> str:
    """A valid ISSN (ISO 3297 mod-11 check digit) for any number below 10**7."""
    digits = f"{number:07d}"
    total = sum(int(d) * w for d, w in zip(digits, range(8, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return f"{digits[:4]}-{digits[4:]}{'X' if check == 10 else check}"


def _priors(rng: random.Random, key: str, year: int, now: datetime) -> tuple[PriorRequest, ...]:
    return tuple(
        PriorRequest(
            id=str(n),
            status=rng.choice(["filled", "filled", "shipped", "accepted"]),
            outcome="ACCEPT_CCG",
            counted=True,
            created_at=now - timedelta(days=rng.randint(1, 200)),
            year=year,
            key=key,
            institution="BENCH",
            work_kind="periodical",
            volume=str(rng.randint(1, 60)),
            issue=str(rng.randint(1, 12)),
            article=f"a{n}",
            patron_ref=f"p{rng.randint(1, 5)}",
        )
        for n in range(rng.choice([0, 0, 1, 1, 2, 3, 4, 5, 6, 7]))
    )


def _case(rng: random.Random, authority_issns: list[str], now: datetime) -> Case:
    number = rng.randint(1, 9_999_999)
    cited = rng.choice(authority_issns) if rng.random() < 0.6 else issn(number)
    request = RequestFacts(
        created_at=now,
        service="copy",
        institution="BENCH",
        work_kind="periodical",
        title=f"Journal of Benchmark Studies {number % 500}",
        issns=(cited,),
        publication_date=f"{now.year - rng.randint(0, 7)}-{rng.randint(1, 12):02d}",
        volume=str(rng.randint(1, 60)),
        issue=str(rng.randint(1, 12)),
        article=f"pp. {rng.randint(1, 400)}-{rng.randint(401, 800)}",
        patron_ref=f"p{rng.randint(1, 5)}",
        statement="CCG",
        purpose="research",
        material="text",
        extent="one_article",
    )
    return request, _priors(rng, f"ISSN:{cited}", now.year, now)


def workload(size: int = 2_000, seed: int = 7) -> tuple[list[Case], Authority]:
    rng = random.Random(seed)
    groups = [[issn(n), issn(n + 5_000_000)] for n in range(1, 2_001)]
    authority = Authority.of_groups(issn_groups=groups)
    now = datetime(2026, 6, 15, 14, 30, tzinfo=UTC)
    flat = [member for group in groups for member in group]
    return [_case(rng, flat, now) for _ in range(size)], authority


def decisions_per_second(seconds: float = 3.0) -> float:
    cases, authority = workload()
    done = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for request, priors in cases:
            decide(request, priors, authority=authority)
        done += len(cases)
    return done / (time.perf_counter() - start)
