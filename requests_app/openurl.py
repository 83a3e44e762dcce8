"""OpenURL intake: a citation database's link (Z39.88-2004 KEV, "OpenURL 1.0", or the older
OpenURL 0.1) read into initial data for a request form.

The query string is parsed here rather than by Django, because real links are messy and a
librarian should still get a filled-in form: `&amp;` between pairs (copied from HTML), a leading
`??`, a raw `%` or `&` inside a title, repeated keys, empty values, and links wrapped in a proxy's
or another service's `url=`/`targetURL=` parameter. The values are only ever initial form data: the
form validates them like anything typed. docs/openurl.md lists the keys read."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

from stdnum import isbn, issn
from stdnum.exceptions import ValidationError as StdnumError

from requests_app.citations import (
    normalize_date,
    normalize_doi,
    normalize_lccn,
    normalize_pmid,
    read_pages,
)
from requests_app.models import Service, WorkKind

_MAX_VALUE = 300
_MAX_WRAPPED = 3
_KEY = re.compile(r"^[a-z][a-z0-9_.]*$")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
# Parameters in which proxies and other services carry the real link.
_WRAPPERS = ("url", "targeturl", "qurl")
# OpenURL 0.1 keys (and the 1.0 names some sources send without `rft.`); 1.0's `rft.<key>` win.
_CITATION_KEYS = frozenset(
    [
        "genre",
        "title",
        "jtitle",
        "btitle",
        "atitle",
        "stitle",
        "issn",
        "eissn",
        "isbn",
        "date",
        "volume",
        "issue",
        "spage",
        "epage",
        "pages",
        "aulast",
        "aufirst",
        "auinit",
        "auinit1",
        "au",
        "pub",
        "place",
        "edition",
        "tpages",
        "language",
        "lccn",
        "oclcnum",
        "callno",
        "doi",
        "pmid",
    ]
)

# Genre -> (service, work kind); an article title always makes it a copy. Empty work kind: a
# proceedings paper or an unknown genre is part of a book when the link names a book.
_GENRES: dict[str, tuple[str, str]] = {
    "article": (Service.COPY, WorkKind.PERIODICAL),
    "news": (Service.COPY, WorkKind.PERIODICAL),
    "preprint": (Service.COPY, WorkKind.PERIODICAL),
    "bookitem": (Service.COPY, WorkKind.NON_PERIODICAL),
    "chapter": (Service.COPY, WorkKind.NON_PERIODICAL),
    "proceeding": (Service.COPY, ""),
    "conference": (Service.COPY, ""),
    "journal": (Service.LOAN, WorkKind.PERIODICAL),
    "issue": (Service.LOAN, WorkKind.PERIODICAL),
    "book": (Service.LOAN, WorkKind.NON_PERIODICAL),
    "dissertation": (Service.LOAN, WorkKind.NON_PERIODICAL),
    "unknown": (Service.LOAN, ""),
}


# Where links come from: a part of `rfr_id`/`sid` (lower case) -> the name librarians know.
_SOURCES = (
    ("webofscience", "Web of Science"),
    ("isinet.com", "Web of Science"),
    ("firstsearch", "WorldCat (FirstSearch)"),
    ("worldcat", "WorldCat"),
    ("ebsco", "EBSCO"),
    ("proq", "ProQuest"),
    ("google", "Google Scholar"),
    ("entrez", "PubMed"),
    ("pubmed", "PubMed"),
    ("mendeley", "Mendeley"),
    ("zotero", "Zotero"),
    ("summon", "Summon"),
    ("primo", "Primo"),
    ("exlibris", "Primo"),
    ("wiley", "Wiley Online Library"),
    ("sagepub", "SAGE Journals"),
    ("credoreference", "Credo Reference"),
    ("scopus", "Scopus"),
    ("uborrow", "UBorrow"),
)

# ISBD punctuation that catalogue records leave at the end of an element ("Theory /",
# "Oxford University Press,"), and the bracketed "no place" / "no publisher" of ISBD.
_ISBD_END = re.compile(r"\s*[/:;=,]+$")
_ISBD_UNKNOWN = frozenset(["[s.l.]", "[s.n.]", "[s.l. : s.n.]", "[n.p.]"])
_ISBD_FIELDS = ("title", "article_title", "publisher", "place", "edition")
# A DOI whose suffix begins with an ISBN-13 (Springer's 10.1007/978-3-540-89330-1_22) names a
# book or a chapter of one.
_DOI_ISBN = re.compile(r"^10\.[0-9.]+/(97[89](?:-?[0-9]){10})(?![0-9])")


@dataclass(frozen=True)
class OpenUrlCitation:
    """What a link says: the request form it belongs on and that form's initial data. `genre`
    is what the link declared (empty when it declared none); `completed_from` names the
    service that filled fields the link left empty (requests_app/lookup.py)."""

    service: str
    work_kind: str
    initial: dict[str, str] = field(default_factory=dict)
    source: str = ""
    genre: str = ""
    completed_from: str = ""

    def __bool__(self) -> bool:
        return bool(self.initial)


def parse_kev(query: str) -> dict[str, list[str]]:
    """Key -> every non-empty value, in order. Keys are lower-cased; a segment that is not a
    key=value pair (a bare `&` inside a title) belongs to the value before it."""
    pairs: list[list[str]] = []
    for segment in query.replace("&amp;", "&").lstrip("?").split("&"):
        key, sep, value = segment.partition("=")
        key = _decode(key).strip().lower().lstrip("?").removeprefix("amp;")
        if sep and _KEY.match(key):
            pairs.append([key, value])
        elif pairs and segment:
            pairs[-1][1] += "&" + segment.rstrip("=")
    found: dict[str, list[str]] = {}
    for key, raw in pairs:
        value = _decode(raw)
        if value.strip():
            found.setdefault(key, []).append(value)
    return found


def _decode(text: str) -> str:
    return _JSON_ESCAPE.sub(lambda m: chr(int(m[1], 16)), unquote_plus(text, errors="replace"))


def clean_text(value: str, limit: int = _MAX_VALUE) -> str:
    """Untrusted input: drop control characters, collapse whitespace, cut to a sane length."""
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in value)
    return " ".join(text.split())[:limit]


def read_openurl(query: str, *, _depth: int = 0) -> OpenUrlCitation:
    """The citation in a query string; falsy when the link carries none."""
    params = parse_kev(query)
    keys = _citation_keys(params)
    if not keys and not params.get("rft_id") and not params.get("id"):
        return _unwrapped(params, _depth)
    initial = _initial(keys, params)
    if not initial:
        return _unwrapped(params, _depth)
    service, work_kind = _kind(keys, initial)
    genre = _first(keys, "genre").strip().lower()
    source = source_name(_first(params, "rfr_id", "sid"))
    return OpenUrlCitation(service, work_kind, initial, source, genre)


def source_name(raw: str) -> str:
    """The service a link came from, by the name librarians know ("webofscience.com:WOS:WOS"
    is Web of Science); an unknown one as sent, cleaned."""
    text = clean_text(raw.removeprefix("info:sid/"), 100)
    lowered = text.lower()
    return next((name for part, name in _SOURCES if part in lowered), text)


def _unwrapped(params: dict[str, list[str]], depth: int) -> OpenUrlCitation:
    if depth < _MAX_WRAPPED:
        for name in _WRAPPERS:
            for link in params.get(name, []):
                citation = read_openurl(link.partition("?")[2], _depth=depth + 1)
                if citation:
                    return citation
    return OpenUrlCitation(Service.LOAN, "")


def _citation_keys(params: dict[str, list[str]]) -> dict[str, list[str]]:
    """The citation's keys without their `rft.` prefix: 1.0 values first, then 0.1 ones."""
    keys: dict[str, list[str]] = {}
    for key, values in params.items():
        name = key.removeprefix("rft.")
        if name in _CITATION_KEYS and (key.startswith("rft.") or name not in keys):
            keys[name] = values + keys.get(name, [])
    return keys


def _first(params: dict[str, list[str]], *names: str) -> str:
    return next((values[0] for name in names for values in [params.get(name, [])] if values), "")


# Genres under which a DOI or a PMID still names an article: sources send `genre=journal` for
# an article of a journal (PubMed ids name articles only).
_ARTICLE_BY_IDENTIFIER = frozenset(["", "unknown", "journal", "issue"])


def _kind(keys: dict[str, list[str]], initial: dict[str, str]) -> tuple[str, str]:
    """An article title makes a copy; so does a DOI or a PMID when no genre says it is a book
    (a link with an article's identifier names that article). A DOI that embeds an ISBN, and a
    link that names a book title or ISBN, is part of a book."""
    genre = _first(keys, "genre").strip().lower()
    service, work_kind = _GENRES.get(genre, (Service.LOAN, ""))
    by_identifier = genre in _ARTICLE_BY_IDENTIFIER and ("doi" in initial or "pmid" in initial)
    if "article_title" in initial or by_identifier:
        service = Service.COPY
    book_doi = bool(isbn_in_doi(initial.get("doi", "")))
    if book_doi and genre in _ARTICLE_BY_IDENTIFIER:
        work_kind = WorkKind.NON_PERIODICAL
    elif by_identifier and "pmid" in initial:
        work_kind = WorkKind.PERIODICAL
    if not work_kind:
        is_book = _first(keys, "btitle", "isbn") or genre.startswith("dissertation")
        work_kind = WorkKind.NON_PERIODICAL if is_book else WorkKind.PERIODICAL
    return service, work_kind


def isbn_in_doi(doi: str) -> str:
    """The ISBN-13 a book or chapter DOI begins its suffix with; empty when there is none."""
    match = _DOI_ISBN.match(doi)
    if not match:
        return ""
    try:
        return str(isbn.validate(match[1]))
    except StdnumError:
        return ""


def _initial(keys: dict[str, list[str]], params: dict[str, list[str]]) -> dict[str, str]:
    ids = _identifiers(
        [
            *params.get("rft_id", []),
            *params.get("id", []),
            *(f"doi:{value}" for value in keys.get("doi", [])),
            *(f"pmid:{value}" for value in keys.get("pmid", [])),
        ]
    )
    text = {
        "title": _first(keys, "jtitle", "btitle", "title", "stitle"),
        "article_title": _first(keys, "atitle"),
        "author": _author(keys),
        "publication_date": normalize_date(_first(keys, "date")),
        "volume": _first(keys, "volume"),
        "issue": _first(keys, "issue"),
        "pages": _pages(keys),
        "publisher": _first(keys, "pub"),
        "place": _first(keys, "place"),
        "edition": _first(keys, "edition"),
        "total_pages": _first(keys, "tpages"),
        "language": _first(keys, "language"),
        "call_number": _first(keys, "callno"),
        "issn": _issn(keys.get("issn", []) + keys.get("eissn", []) + ids.get("issn", [])),
        "isbn": _isbn(keys.get("isbn", []) + ids.get("isbn", [])),
        "lccn": _lccn(keys.get("lccn", []) + ids.get("lccn", [])),
        "oclc_number": _oclc(keys.get("oclcnum", []) + ids.get("oclcnum", [])),
        "doi": next(iter(ids.get("doi", [])), ""),
        "pmid": next(iter(ids.get("pmid", [])), ""),
    }
    text["isbn"] = text["isbn"] or isbn_in_doi(text["doi"])
    cleaned = {name: clean_text(value) for name, value in text.items()}
    for name in _ISBD_FIELDS:
        cleaned[name] = without_isbd(cleaned[name])
    return {name: value for name, value in cleaned.items() if value}


def without_isbd(value: str) -> str:
    """A catalogue element without its ISBD punctuation: "Economic theory /" is "Economic
    theory", "Oxford University Press," is "Oxford University Press", "[S.l.]" is empty."""
    text = _ISBD_END.sub("", value).strip()
    return "" if text.lower() in _ISBD_UNKNOWN else text


# rft_id / id schemes -> identifier kind, with each kind's normaliser.
_ID_SCHEMES = (
    ("info:doi/", "doi"),
    ("doi:", "doi"),
    ("info:pmid/", "pmid"),
    ("pmid:", "pmid"),
    ("info:oclcnum/", "oclcnum"),
    ("info:lccn/", "lccn"),
    ("urn:isbn:", "isbn"),
    ("urn:issn:", "issn"),
    ("https://doi.org/", "doi"),
    ("http://dx.doi.org/", "doi"),
)


_NORMALIZERS = {"doi": normalize_doi, "pmid": normalize_pmid}


def _identifiers(values: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for value in values:
        text = value.strip()
        for scheme, kind in _ID_SCHEMES:
            if text.lower().startswith(scheme) and text[len(scheme) :].strip():
                rest = text[len(scheme) :].strip()
                if kind in _NORMALIZERS:
                    rest = _NORMALIZERS[kind](scheme + rest) or ""
                if rest:
                    found.setdefault(kind, []).append(rest)
                break
    return found


def _author(keys: dict[str, list[str]]) -> str:
    last = _first(keys, "aulast").strip()
    first = _first(keys, "aufirst", "auinit", "auinit1").strip()
    if last:
        return f"{last}, {first}" if first else last
    return _first(keys, "au")


def _pages(keys: dict[str, list[str]]) -> str:
    if _first(keys, "pages").strip():
        return _first(keys, "pages")
    start, end = _first(keys, "spage").strip(), _first(keys, "epage").strip()
    pages = f"{start}-{end}" if start and end else start
    return read_pages(pages) or pages  # an abbreviated end page: 361-71 is 361-371


def _candidates(values: list[str]) -> list[str]:
    """Every value, and each word of it: Zotero sends `isbn=0870232924 9780870232923`."""
    return [word for value in values for word in [value.strip(), *value.split()] if word]


def _issn(values: list[str]) -> str:
    for value in _candidates(values):
        try:
            return str(issn.format(issn.validate(value)))
        except StdnumError:
            continue
    return values[0] if values else ""


def _isbn(values: list[str]) -> str:
    for value in _candidates(values):
        try:
            return str(isbn.validate(value))
        except StdnumError:
            continue
    return values[0] if values else ""


def _lccn(values: list[str]) -> str:
    return next((n for v in values if (n := normalize_lccn(v))), values[0] if values else "")


def _oclc(values: list[str]) -> str:
    for value in values:
        digits = value.strip().removeprefix("(OCoLC)").removeprefix("ocm").removeprefix("ocn")
        if digits.strip().isdigit():
            return digits.strip()
    return ""
