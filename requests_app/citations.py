"""Citation helpers: identifier normalisation (ISSN, LCCN, OCLC number, DOI, PMID, dates) and
page counts."""

from __future__ import annotations

import re

from stdnum import issn
from stdnum.exceptions import ValidationError as StdnumError

from illdesk.numbers import BIGINT_MAX, INTEGER_MAX, parse_number


def normalize_issn(value: str) -> str | None:
    """An ISSN as stored, 0028-0836, its check digit correct. None when it is not one."""
    try:
        return str(issn.format(issn.validate(value)))
    except StdnumError:
        return None


def normalize_oclc_number(value: str) -> str | None:
    """An OCLC number as stored: digits, without a `(OCoLC)`, `ocm` or `ocn` prefix (empty when
    only a prefix is given). None when it is not one."""
    text = value.strip().removeprefix("(OCoLC)").removeprefix("ocm").removeprefix("ocn").strip()
    if text and parse_number(text, minimum=1, maximum=BIGINT_MAX) is None:
        return None
    return text


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


_RANGE = re.compile(r"^([0-9]+)\s*[-\u2013\u2014]\s*([0-9]+)$", re.ASCII)
# "pp. 12-30", "p. 12", "pages 12-30" as citations write them.
_PAGE_WORDS = re.compile(r"^(?:pages?|pp?)\.?\s*", re.IGNORECASE)
# An electronic article number (e-locator) in place of pages: e1234, e0178526.
_ELOCATOR = re.compile(r"^e[0-9]{1,9}$", re.ASCII | re.IGNORECASE)
# No work has a millionth page: a larger number is a typing error, never a database error.
PAGE_MAX = 999_999


def read_pages(pages: str) -> str | None:
    """The pages as the office writes them ("123-145, 150"), from what librarians and ILL
    systems type: "pp. 123-145", "p. 12", "123-45" (the end abbreviated as printed indexes do),
    en or em dashes, commas or semicolons between parts, an electronic article number ("e1234").
    None when a part cannot be read."""
    parts = []
    for raw in filter(None, (p.strip() for p in re.split(r"[,;]", pages))):
        part = _PAGE_WORDS.sub("", raw).strip()
        if _ELOCATOR.match(part):
            parts.append(part.lower())
            continue
        single = parse_number(part, minimum=1, maximum=PAGE_MAX)
        if single is not None:
            parts.append(str(single))
            continue
        match = _RANGE.match(part)
        if match is None:
            return None
        first_text, last_text = match.groups()
        if len(last_text) < len(first_text):  # 123-45 is 123-145
            last_text = first_text[: len(first_text) - len(last_text)] + last_text
        first = parse_number(first_text, minimum=1, maximum=PAGE_MAX)
        last = parse_number(last_text, minimum=1, maximum=PAGE_MAX)
        if first is None or last is None or last < first:
            return None
        parts.append(f"{first}-{last}")
    return ", ".join(parts) or None


def count_pages(pages: str) -> int | None:
    """Pages in what `read_pages` reads (an article number counts as one); None if unreadable."""
    read = read_pages(pages)
    if read is None:
        return None
    total = 0
    for part in read.split(", "):
        first, _, last = part.partition("-")
        total += int(last) - int(first) + 1 if last else 1
    return total if 0 < total <= INTEGER_MAX else None


def expand_page_range(pages: str) -> str:
    """A page range with its end page written out ("361-71" is pages 361 to 371, as PubMed and
    many databases abbreviate it), read as `read_pages` reads it; anything else as given."""
    return read_pages(pages) or pages.strip()


# A DOI: the directory indicator 10, a registrant code, a slash, any suffix (doi.org/10.1000/182).
# The registrant code and a PMID are ASCII digits ([0-9]: `\d` also takes other scripts' digits,
# Arabic-Indic or fullwidth, which no registry issues and no lookup finds).
_DOI = re.compile(r"^10\.[0-9]{4,9}(\.[0-9]+)*/\S+$")
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/")
_PMID = re.compile(r"^[1-9][0-9]{0,8}$")
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
