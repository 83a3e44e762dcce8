"""What the worst ISO 18626 body under the size cap costs to read: parsing, the v1.2 schema
check, the log's parsed view and its redacted text, as the endpoint does for every message
before it knows who sent it (docs/performance.md, "ISO 18626 parsing").

Each body fills ISO18626_MAX_BYTES with one shape an attacker could choose: one element name
repeated (the shape that made the log's dict quadratic), many distinct names, and deep nesting.
The figure is the slowest body's median, in milliseconds."""

from __future__ import annotations

import statistics
import time
from typing import TypedDict

from django.conf import settings

from requests_app.iso18626 import xml

_OPEN = (
    f'<?xml version="1.0" encoding="UTF-8"?><ISO18626Message xmlns="{xml.NS}" version="1.2">'
    "<request><header><requestingAgencyRequestId>bench</requestingAgencyRequestId></header>"
)
_CLOSE = "</request></ISO18626Message>"


class ParseFigures(TypedDict):
    iso_worst_parse_ms: float
    iso_parse_ms_by_shape: dict[str, float]


def _filled(unit: str, limit: int, *, close: str = "") -> bytes:
    room = limit - len(_OPEN) - len(_CLOSE) - len(close)
    return (_OPEN + unit * (room // len(unit)) + close + _CLOSE).encode()


def worst_bodies(limit: int | None = None) -> dict[str, bytes]:
    limit = limit or settings.ISO18626_MAX_BYTES
    depth = 250  # the parser refuses nesting deeper than 256 levels
    return {
        "one name repeated": _filled("<a/>", limit),
        "distinct names": _filled("".join(f"<e{n}/>" for n in range(1000)), limit),
        "nested": _filled("<n>" * depth + "</n>" * depth, limit),
    }


def read(body: bytes) -> None:
    parsed = xml.parse(body)
    xml.to_dict(parsed.element)
    xml.logged_text(parsed.element)


def median_ms(body: bytes, rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        read(body)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(rounds: int = 5) -> ParseFigures:
    """The slowest shape's median read time, and each shape's, in milliseconds."""
    figures = {name: round(median_ms(body, rounds), 1) for name, body in worst_bodies().items()}
    return {"iso_worst_parse_ms": max(figures.values()), "iso_parse_ms_by_shape": figures}
