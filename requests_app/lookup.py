"""Citation completion: the fields an OpenURL left empty, from the record of its DOI (Crossref's
REST API, `/works/{doi}`) or its PMID (NCBI E-utilities, ESummary in JSON), when the office
enables it (docs/openurl.md, "Completing a citation").

These services are outside the office, so: nothing is asked while a database transaction is open
(no lock or transaction ever waits on the network), every call a link makes shares one total
deadline (CITATION_LOOKUP_TIMEOUT), and any failure (no network, a timeout, an error status, an
answer that cannot be read) leaves the citation exactly as the link gave it. What the link says
wins over the record; the record only fills gaps. Records are cached for a day."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import quote

import urllib3
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from stdnum import isbn, issn
from stdnum.exceptions import ValidationError as StdnumError

from requests_app.citations import expand_page_range, normalize_date, normalize_doi
from requests_app.models import Service, WorkKind
from requests_app.openurl import OpenUrlCitation, clean_text, without_isbd

logger = logging.getLogger(__name__)

CROSSREF = "Crossref"
PUBMED = "PubMed"
IDENTIFIER = {CROSSREF: "DOI", PUBMED: "PMID"}
_MAX_BYTES = 512 * 1024
_CHUNK = 16 * 1024
_CACHE_SECONDS = 24 * 60 * 60
_FAILURE_CACHE_SECONDS = 5 * 60
# The fields a record can give; a link that already has all of them is not looked up.
_CITATION_FIELDS = ("title", "article_title", "author", "publication_date", "volume", "pages")
# Crossref work types (api.crossref.org/types) -> the request they make.
_CROSSREF_TYPES: dict[str, tuple[str, str]] = {
    "journal-article": (Service.COPY, WorkKind.PERIODICAL),
    "book-chapter": (Service.COPY, WorkKind.NON_PERIODICAL),
    "book-section": (Service.COPY, WorkKind.NON_PERIODICAL),
    "book-part": (Service.COPY, WorkKind.NON_PERIODICAL),
    "reference-entry": (Service.COPY, WorkKind.NON_PERIODICAL),
    "proceedings-article": (Service.COPY, WorkKind.NON_PERIODICAL),
    "book": (Service.LOAN, WorkKind.NON_PERIODICAL),
    "monograph": (Service.LOAN, WorkKind.NON_PERIODICAL),
    "edited-book": (Service.LOAN, WorkKind.NON_PERIODICAL),
    "reference-book": (Service.LOAN, WorkKind.NON_PERIODICAL),
    "dissertation": (Service.LOAN, WorkKind.NON_PERIODICAL),
}
# Genres a link may declare and still have its kind taken from the record.
_VAGUE_GENRES = frozenset(["", "unknown", "journal", "issue"])

_http = urllib3.PoolManager(retries=False, num_pools=2)


@dataclass(frozen=True)
class Found:
    """A record's citation: the request it makes (empty when the record does not say) and the
    form's fields."""

    service: str
    work_kind: str
    fields: dict[str, str]


def complete(citation: OpenUrlCitation) -> OpenUrlCitation:
    """The citation with the gaps its DOI's or PMID's record fills; unchanged when lookups are
    off, not needed, or fail."""
    doi, pmid = citation.initial.get("doi", ""), citation.initial.get("pmid", "")
    wanted = any(not citation.initial.get(name) for name in _CITATION_FIELDS)
    if not settings.CITATION_LOOKUP or not (doi or pmid) or not wanted:
        return citation
    if not connection.get_autocommit():
        logger.warning("Citation lookup skipped: called inside a database transaction.")
        return citation
    deadline = time.monotonic() + settings.CITATION_LOOKUP_TIMEOUT
    for source, identifier, read in ((CROSSREF, doi, _crossref), (PUBMED, pmid, _pubmed)):
        found = _cached(source, identifier, read, deadline) if identifier else None
        if found:
            return _merged(citation, found, source)
    return citation


def _cached(
    source: str, identifier: str, read: Callable[[str, float], Found | None], deadline: float
) -> Found | None:
    """A record asked for once a day; a failed lookup is not repeated for a few minutes, so the
    link's redirect and its form do not wait on a service in trouble twice."""
    key = f"citation-lookup:{source}:{identifier.lower()}"
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    found: Found | None = read(identifier, deadline)
    cache.set(key, found or "", _CACHE_SECONDS if found else _FAILURE_CACHE_SECONDS)
    return found


def _merged(citation: OpenUrlCitation, found: Found, source: str) -> OpenUrlCitation:
    initial = dict(citation.initial)
    record = found.fields
    # A link that put the article's title where the journal's belongs (`genre=journal&title=`).
    misplaced = _same_title(initial.get("title", ""), record.get("article_title", ""))
    if misplaced and not initial.get("article_title"):
        initial["article_title"] = initial.pop("title")
        if record.get("title"):
            initial["title"] = record["title"]
    for name, value in record.items():
        initial.setdefault(name, value)
    service, work_kind = citation.service, citation.work_kind
    if found.service and citation.genre in _VAGUE_GENRES:
        service, work_kind = found.service, found.work_kind
    return replace(
        citation, service=service, work_kind=work_kind, initial=initial, completed_from=source
    )


def _same_title(first: str, second: str) -> bool:
    def key(text: str) -> str:
        return re.sub(r"\W+", "", text.casefold())

    return bool(first) and key(first) == key(second)


def _get_json(url: str, fields: dict[str, str], deadline: float) -> object:
    """The JSON answer of a GET, or None. The body is read in chunks so that a slow answer
    cannot hold the page past the deadline."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return None
    headers = {
        "User-Agent": f"illdesk (mailto:{settings.OFFICE_EMAIL})",
        "Accept": "application/json",
    }
    try:
        response = _http.request(
            "GET",
            url,
            fields=fields,
            headers=headers,
            timeout=urllib3.Timeout(total=remaining),
            preload_content=False,
            redirect=False,
        )
        try:
            body = _read(response, deadline) if response.status == 200 else None
        finally:
            response.release_conn()
        return json.loads(body) if body is not None else None
    except (urllib3.exceptions.HTTPError, OSError, ValueError) as error:
        logger.info("Citation lookup at %s failed: %s", url, type(error).__name__)
        return None


def _read(response: urllib3.BaseHTTPResponse, deadline: float) -> bytes | None:
    body = b""
    while chunk := response.read(_CHUNK):
        body += chunk
        if len(body) > _MAX_BYTES or time.monotonic() > deadline:
            return None
    return body


def _crossref(doi: str, deadline: float) -> Found | None:
    """Crossref's `/works/{doi}`: `{"status": "ok", "message-type": "work", "message": {...}}`."""
    url = f"{settings.CITATION_CROSSREF_URL.rstrip('/')}/works/{quote(doi, safe='')}"
    answer = _get_json(url, {"mailto": settings.OFFICE_EMAIL}, deadline)
    if not isinstance(answer, dict) or not isinstance(answer.get("message"), dict):
        return None
    work: dict[str, object] = answer["message"]
    service, work_kind = _CROSSREF_TYPES.get(str(work.get("type", "")), ("", ""))
    title, article = _crossref_titles(work, service, work_kind)
    fields = {
        "title": title,
        "article_title": article,
        "author": _crossref_author(work.get("author")),
        "publication_date": _date_parts(work.get("issued")),
        "volume": str(work.get("volume", "")),
        "issue": str(work.get("issue", "")),
        "pages": expand_page_range(str(work.get("page", ""))),
        # A chapter's ISSN is its series' (every LNCS volume shares one): never the work's.
        "issn": ""
        if work_kind == WorkKind.NON_PERIODICAL
        else _first_valid(_strings(work.get("ISSN")), _issn),
        "isbn": _first_valid(_strings(work.get("ISBN")), _isbn),
        "publisher": str(work.get("publisher", "")),
        "place": str(work.get("publisher-location", "")),
    }
    return Found(service, work_kind, _kept(fields))


def _pubmed(pmid: str, deadline: float) -> Found | None:
    """ESummary (`db=pubmed&retmode=json`): `{"result": {"uids": [...], "<pmid>": {...}}}`; a
    PMID PubMed does not know comes back with an `error` in its entry."""
    url = f"{settings.CITATION_EUTILS_URL.rstrip('/')}/esummary.fcgi"
    fields = {"db": "pubmed", "id": pmid, "retmode": "json", "tool": "illdesk"}
    answer = _get_json(url, {**fields, "email": settings.OFFICE_EMAIL}, deadline)
    result = answer.get("result") if isinstance(answer, dict) else None
    summary = result.get(pmid) if isinstance(result, dict) else None
    if not isinstance(summary, dict) or summary.get("error") or not summary.get("title"):
        return None
    ids = {
        i.get("idtype"): i.get("value")
        for i in summary.get("articleids", [])
        if isinstance(i, dict)
    }
    record = {
        "title": str(summary.get("fulljournalname") or summary.get("source") or ""),
        # MEDLINE ends every article title with a full stop; a citation does not.
        "article_title": str(summary["title"]).removesuffix("."),
        "author": _pubmed_author(summary.get("authors")),
        "publication_date": normalize_date(str(summary.get("pubdate", ""))),
        "volume": str(summary.get("volume", "")),
        "issue": str(summary.get("issue", "")),
        "pages": expand_page_range(str(summary.get("pages", ""))),
        "issn": _first_valid([str(summary.get("issn", "")), str(summary.get("essn", ""))], _issn),
        "doi": normalize_doi(str(ids.get("doi") or "")) or "",
    }
    return Found(Service.COPY, WorkKind.PERIODICAL, _kept(record))


def _crossref_titles(work: dict[str, object], service: str, work_kind: str) -> tuple[str, str]:
    """(the form's title, its article or chapter title): a book is its own title; an article or
    a chapter is in its container, and a chapter's containers list the series (Lecture Notes in
    Computer Science) before the book."""
    titles, containers = _strings(work.get("title")), _strings(work.get("container-title"))
    own = titles[0] if titles else ""
    if service == Service.LOAN:
        return own, ""
    if not containers:
        return "", own
    return (containers[-1] if work_kind == WorkKind.NON_PERIODICAL else containers[0]), own


def _kept(fields: dict[str, str]) -> dict[str, str]:
    cleaned = {name: without_isbd(clean_text(value)) for name, value in fields.items()}
    return {name: value for name, value in cleaned.items() if value}


def _strings(value: object) -> list[str]:
    return [str(item) for item in value if str(item).strip()] if isinstance(value, list) else []


def _crossref_author(authors: object) -> str:
    """The first author: Crossref gives `family` and `given`, or a `name` for an organisation."""
    if not isinstance(authors, list) or not authors or not isinstance(authors[0], dict):
        return ""
    first = next(
        (a for a in authors if isinstance(a, dict) and a.get("sequence") == "first"), authors[0]
    )
    family, given = str(first.get("family", "")), str(first.get("given", ""))
    if family:
        return f"{family}, {given}" if given else family
    return str(first.get("name", ""))


def _pubmed_author(authors: object) -> str:
    """PubMed writes "Mir-Moghtadaei A" (family name, then initials): cited "Mir-Moghtadaei, A"."""
    if not isinstance(authors, list) or not authors or not isinstance(authors[0], dict):
        return ""
    family, _, initials = str(authors[0].get("name", "")).rpartition(" ")
    return (
        f"{family}, {initials}"
        if family and initials.isupper()
        else str(authors[0].get("name", ""))
    )


def _date_parts(date: object) -> str:
    """Crossref's partial date, `{"date-parts": [[2010, 6, 1]]}`, as YYYY, YYYY-MM or YYYY-MM-DD."""
    if not isinstance(date, dict):
        return ""
    try:
        parts = [int(part) for part in date["date-parts"][0]][:3]
    except (KeyError, IndexError, TypeError, ValueError):
        return ""
    if not parts:
        return ""
    return normalize_date("-".join([f"{parts[0]:04d}", *(f"{p:02d}" for p in parts[1:])]))


def _first_valid(values: list[str], check: Callable[[str], str]) -> str:
    return next((valid for value in values if (valid := check(value))), "")


def _issn(value: str) -> str:
    try:
        return str(issn.format(issn.validate(value)))
    except StdnumError:
        return ""


def _isbn(value: str) -> str:
    try:
        return str(isbn.validate(value))
    except StdnumError:
        return ""
