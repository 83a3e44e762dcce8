"""Citation helpers: LCCN normalisation, page counts, and OpenURL (Z39.88-2004 KEV) prefill."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from illdesk.numbers import INTEGER_MAX, parse_number

# A normalised LCCN: an alphabetic prefix then a 2-digit year and a 6-digit serial (before 2001),
# or at most two prefix letters, a 4-digit year and a 6-digit serial (from 2001).
_LCCN = re.compile(r"^(?:[a-z]{0,3}[0-9]{2}|[a-z]{0,2}[0-9]{4})[0-9]{6}$")


def normalize_lccn(value: str) -> str | None:
    """The Library of Congress normalisation (loc.gov/marc/lccn-namespace.html): remove blanks;
    drop a forward slash and what follows it; remove a hyphen and left-pad the serial after it
    with zeros to six digits. None when the result is not a valid LCCN."""
    text = "".join(value.split()).lower()
    text = text.split("/", 1)[0]
    if "-" in text:
        prefix, _, serial = text.partition("-")
        if parse_number(serial, maximum=999_999) is None:
            return None
        text = prefix + serial.zfill(6)
    return text if _LCCN.match(text) else None


_RANGE = re.compile(r"^([0-9]+)\s*[-\u2013]\s*([0-9]+)$", re.ASCII)
# No work has a millionth page: a larger number is a typing error, never a database error.
PAGE_MAX = 999_999


def count_pages(pages: str) -> int | None:
    """Pages in "12-30, 45" (ranges and single pages, comma separated); None if unreadable."""
    total = 0
    for part in filter(None, (p.strip() for p in pages.split(","))):
        if parse_number(part, minimum=1, maximum=PAGE_MAX) is not None:
            total += 1
            continue
        match = _RANGE.match(part)
        first, last = (
            (parse_number(m, minimum=1, maximum=PAGE_MAX) for m in match.groups())
            if match
            else (None, None)
        )
        if first is None or last is None or last < first:
            return None
        total += last - first + 1
    return total if 0 < total <= INTEGER_MAX else None


# --- OpenURL --------------------------------------------------------------------------------

# KEV key -> form field. Keys outside this table are ignored.
_OPENURL_FIELDS = {
    "rft.atitle": "article_title",
    "rft.jtitle": "title",
    "rft.btitle": "title",
    "rft.title": "title",
    "rft.stitle": "title",
    "rft.issn": "issn",
    "rft.eissn": "issn",
    "rft.isbn": "isbn",
    "rft.au": "author",
    "rft.date": "publication_date",
    "rft.volume": "volume",
    "rft.issue": "issue",
    "rft.pages": "pages",
    "rft.pub": "publisher",
    "rft.place": "place",
    "rft.edition": "edition",
    "rft.tpages": "total_pages",
}
_COPY_GENRES = {"article", "bookitem", "proceeding", "conference", "preprint"}
_MAX_VALUE = 300


def _clean(value: str, limit: int = _MAX_VALUE) -> str:
    """Untrusted input: drop control characters, collapse whitespace, cut to a sane length."""
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in value)
    return " ".join(text.split())[:limit]


def _author(params: Mapping[str, str]) -> str:
    last, first = _clean(params.get("rft.aulast", "")), _clean(params.get("rft.aufirst", ""))
    return f"{last}, {first}" if last and first else last


def openurl_initial(params: Mapping[str, str]) -> dict[str, str]:
    """Initial form data from an OpenURL query string; never trusted beyond that."""
    initial: dict[str, str] = {}
    for key, field in _OPENURL_FIELDS.items():
        value = _clean(params.get(key, ""))
        if value and field not in initial:
            initial[field] = value
    spage, epage = _clean(params.get("rft.spage", ""), 10), _clean(params.get("rft.epage", ""), 10)
    if "pages" not in initial and spage:
        initial["pages"] = f"{spage}-{epage}" if epage else spage
    if "author" not in initial and _author(params):
        initial["author"] = _author(params)
    ids = params.get("rft_id", "")
    if ids.startswith("info:oclcnum/"):
        initial["oclc_number"] = _clean(ids.removeprefix("info:oclcnum/"), 20)
    elif ids.startswith("info:lccn/"):
        initial["lccn"] = _clean(ids.removeprefix("info:lccn/"), 20)
    return initial


def has_openurl(params: Mapping[str, str]) -> bool:
    return any(key.startswith("rft") for key in params)


def openurl_service(params: Mapping[str, str]) -> str:
    """ "copy" for an article or a part of a work, else "loan" (a whole book or volume)."""
    genre = params.get("rft.genre", "").strip().lower()
    if genre in _COPY_GENRES or params.get("rft.atitle", "").strip():
        return "copy"
    return "loan"


def openurl_work_kind(params: Mapping[str, str]) -> str:
    genre = params.get("rft.genre", "").strip().lower()
    if genre == "bookitem" or params.get("rft.btitle") or params.get("rft.isbn"):
        return "non_periodical"
    return "periodical"
