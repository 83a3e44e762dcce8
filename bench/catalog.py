"""The office's catalog at size (docs/performance.md, "The catalog"): lookups per second and
their p95 against Zebra loaded with BENCH_CATALOG_RECORDS generated MARCXML records, and the
submission rate with lookups off and on (either way each submission queues its one
after-submission task after commit, as in production, which carries the lookup when the catalog
is on; the lookups then run here, one after another, as one worker runs them).

Off by default in `make bench` (BENCH_CATALOG=1 turns it on); alone, at any size:

    BENCH_CATALOG_RECORDS=2000 python -m bench.catalog
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from stdnum import ean

from tests.services import ZebraCatalog, start_zebra_catalog

if TYPE_CHECKING:
    from registration.models import Institution

RECORDS = int(os.environ.get("BENCH_CATALOG_RECORDS", "100000"))
SUBMISSIONS = int(os.environ.get("BENCH_CATALOG_SUBMISSIONS", "300"))
ROUNDS = int(os.environ.get("BENCH_CATALOG_ROUNDS", "5"))
_WORDS = ("history", "science", "letters", "journal", "studies", "review", "law", "art", "music")
_LOCATIONS = ("Main Reading Room stacks", "Asian Reading Room", "Periodicals", "Annex")


def isbn_of(number: int) -> str:
    body = f"978{number:09d}"
    return body + ean.calc_check_digit(body)


def _record(number: int, rng: random.Random) -> str:
    title = " ".join(rng.choice(_WORDS) for _ in range(4))
    klass = rng.choice("ABDEHPQZ") + rng.choice("ABCDEFGHJKLMNPQRSTVZ")
    call = f"{klass}{rng.randint(1, 9999)} .{rng.choice('ABCDEFGHKLMS')}{rng.randint(1, 99)}"
    status = "Available" if rng.random() < 0.8 else "Checked out, due 2027-01-15"
    fields = [
        ("010", f'<subfield code="a">{number:010d}</subfield>'),
        ("020", f'<subfield code="a">{isbn_of(number)}</subfield>'),
        ("245", f'<subfield code="a">{escape(title)}</subfield>'),
        (
            "852",
            f'<subfield code="b">{rng.choice(_LOCATIONS)}</subfield>'
            f'<subfield code="h">{call}</subfield>',
        ),
        ("876", f'<subfield code="j">{status}</subfield>'),
    ]
    body = "".join(f'<datafield tag="{t}" ind1=" " ind2=" ">{v}</datafield>' for t, v in fields)
    return f'<record><controlfield tag="001">b{number}</controlfield>{body}</record>\n'


def write_collection(path: Path, records: int) -> Path:
    rng = random.Random(18626)
    with path.open("w") as out:
        out.write('<collection xmlns="http://www.loc.gov/MARC21/slim">\n')
        for number in range(1, records + 1):
            out.write(_record(number, rng))
        out.write("</collection>\n")
    return path


def _rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds else 0.0


def _submit(institution: Institution, numbers: list[int]) -> tuple[list[int], float]:
    from requests_app import services

    started = time.perf_counter()
    made = [
        services.submit_loan_request(
            institution,
            fields={"title": f"Book {n}", "isbn": isbn_of(n), "tried_elsewhere": True},
            acting_user=institution.user,
        ).pk
        for n in numbers
    ]
    return made, time.perf_counter() - started


def measure(records: int = RECORDS, submissions: int = SUBMISSIONS) -> dict[str, object]:
    """Within a set-up Django (database migrated, a broker configured). The submissions run in
    ROUNDS pairs, lookups off then on, so that the machine's noise hits both alike; the medians
    are reported."""
    from django.conf import settings

    from bench import seed
    from catalog import services as catalog

    rates: dict[bool, list[float]] = {False: [], True: []}
    made: list[int] = []
    per_round = max(submissions // ROUNDS, 1)
    with zebra(records) as server:
        institution = seed.seed_institutions(1)[0]
        rng = random.Random(5)
        for _ in range(ROUNDS):
            for lookups in (False, True):
                settings.CATALOG_SRU_URL = server.sru_url if lookups else ""
                wanted = [rng.randint(1, records) for _ in range(per_round)]
                created, seconds = _submit(institution, wanted)
                rates[lookups].append(_rate(per_round, seconds))
                made += created if lookups else []
        settings.CATALOG_SRU_URL = server.sru_url
        times = []
        for request_id in made:
            started = time.perf_counter()
            catalog.look_up(request_id)
            times.append(time.perf_counter() - started)
        settings.CATALOG_SRU_URL = ""
    return {
        "catalog_records": records,
        "catalog_lookups_per_s": _rate(len(times), sum(times)),
        "catalog_lookup_p95_ms": round(statistics.quantiles(times, n=20)[-1] * 1000, 1),
        "submit_per_s_lookups_off": statistics.median(rates[False]),
        "submit_per_s_lookups_on": statistics.median(rates[True]),
    }


@contextmanager
def zebra(records: int) -> Iterator[ZebraCatalog]:
    """Zebra serving `records` generated records on loopback, removed on the way out."""
    root = Path(tempfile.mkdtemp(prefix="illdesk-catalog-"))
    try:
        collection = write_collection(root / "bench-collection.xml", records)
        started = time.monotonic()
        server = start_zebra_catalog(root / "zebra", collection)
        print(f"catalog: {records} records indexed in {time.monotonic() - started:.0f} s")
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    from bench.services import services, setup_django

    workdir = Path(tempfile.mkdtemp(prefix="illdesk-bench-"))
    workdir.chmod(0o755)
    try:
        with services(workdir):
            setup_django()
            print(json.dumps(measure()))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
