"""Citation helpers: identifier normalisation (LCCN, DOI, PMID, dates) and page counts."""

from __future__ import annotations

import re

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


def expand_page_range(pages: str) -> str:
    """A page range with its end page written out: PubMed and many databases abbreviate it,
    "361-71" is pages 361 to 371. Anything else is returned as given."""
    match = _RANGE.match(pages.strip())
    if not match:
        return pages.strip()
    start, end = match.groups()
    full = start[: max(len(start) - len(end), 0)] + end
    return f"{start}-{full if int(full) >= int(start) else end}"


# A DOI: the directory indicator 10, a registrant code, a slash, any suffix (doi.org/10.1000/182).
_DOI = re.compile(r"^10\.\d{4,9}(\.\d+)*/\S+$")
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/")
_PMID = re.compile(r"^[1-9]\d{0,8}$")
_PUBMED_PREFIXES = ("https://pubmed.ncbi.nlm.nih.gov/", "http://pubmed.ncbi.nlm.nih.gov/")


def _without_prefix(text: str, prefixes: tuple[str, ...]) -> str:
    for prefix in prefixes:
        if text.lower().startswith(prefix):
            return text[len(prefix) :]
    return text


def normalize_doi(value: str) -> str | None:
    """A DOI as stored: without a resolver address or a `doi:`/`info:doi/` scheme. DOIs are
    matched ignoring case, so the case is kept as given. None when it is not a DOI."""
    text = _without_prefix(value.strip(), (*_DOI_PREFIXES, "doi:", "info:doi/")).strip()
    return text if _DOI.match(text) else None


def normalize_pmid(value: str) -> str | None:
    """A PubMed id: digits only, from `27289441`, `pmid:27289441`, `info:pmid/27289441` or a
    PubMed address. None when it is not one."""
    text = _without_prefix(value.strip(), (*_PUBMED_PREFIXES, "pmid:", "info:pmid/"))
    text = text.strip().rstrip("/")
    return text if _PMID.match(text) else None


_MONTHS = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april")]
        + [("may",), ("jun", "june"), ("jul", "july"), ("aug", "august")]
        + [("sep", "sept", "september"), ("oct", "october"), ("nov", "november")]
        + [("dec", "december")],
        start=1,
    )
    for name in names
}
_ISO_DATE = re.compile(r"^(\d{4})(?:-?(0[1-9]|1[0-2])(?:-?(0[1-9]|[12]\d|3[01]))?)?$")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")


def normalize_date(value: str) -> str:
    """A citation date as YYYY, YYYY-MM or YYYY-MM-DD from what citation tools send: 2013-09-01,
    20211001, "July 28, 2012", c2000, "Spring 1998". Empty when no year can be read."""
    text = value.strip()
    match = _ISO_DATE.match(text)
    if match:
        return "-".join(part for part in match.groups() if part)
    year = _YEAR.search(text)
    if not year:
        return ""
    words = re.findall(r"[a-z]+", text.lower())
    month = next((_MONTHS[w] for w in words if w in _MONTHS), None)
    day = re.search(r"(?<!\d)([12]\d|3[01]|0?[1-9])(?!\d)", text.replace(year[1], " "))
    if month and day:
        return f"{year[1]}-{month:02d}-{int(day[1]):02d}"
    return f"{year[1]}-{month:02d}" if month else year[1]
