"""Asking the office's catalog: SRU (1.1 or 2.0, CQL) over HTTP, or Z39.50 through YAZ's
`zoomsh`. Every search runs against one total deadline (CATALOG_TIMEOUT), reads at most
CATALOG_MAX_BYTES, and raises CatalogError for anything but an answer: the catalog down, slow,
answering with a diagnostic, malformed or too large (docs/catalog.md, "When the catalog fails").

Never called inside a database transaction: a lookup asks first and writes after."""

from __future__ import annotations

import http.client
import re
import shutil
import socket
import subprocess  # nosec B404
import time
from dataclasses import dataclass
from urllib.parse import SplitResult, urlencode, urlsplit

from django.conf import settings
from lxml import etree

from catalog.models import MatchedBy

_CHUNK = 64 * 1024
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
# The Bib-1 use attribute of each search key (Z39.50). 1211 is the OCLC number.
BIB1_USE = {
    MatchedBy.RECORD: 12,  # Local-number
    MatchedBy.LCCN: 9,
    MatchedBy.OCLC: 1211,
    MatchedBy.ISBN: 7,
    MatchedBy.ISSN: 8,
    "title": 4,
    "author": 1003,
}


class CatalogError(Exception):
    """The catalog gave no usable answer; the message says why, for staff."""


@dataclass
class Deadline:
    """One lookup's time, shared by every search it makes."""

    ends: float

    @classmethod
    def starting_now(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def left(self) -> float:
        remaining = self.ends - time.monotonic()
        if remaining <= 0:
            raise too_slow()
        return remaining


def too_slow() -> CatalogError:
    return CatalogError(f"No answer within {settings.CATALOG_TIMEOUT:g} seconds.")


@dataclass(frozen=True)
class Query:
    """One search: by an identifier (any of `values`), or by title words and an author."""

    key: str  # a MatchedBy value
    values: tuple[str, ...]
    author: str = ""

    def cql(self) -> str:
        indexes = settings.CATALOG_INDEXES
        if self.key == MatchedBy.TITLE:
            clauses = [f'{indexes["title"]} all "{_term(self.values[0])}"']
            if self.author:
                clauses.append(f'{indexes["author"]} all "{_term(self.author)}"')
            return " and ".join(clauses)
        return " or ".join(f'{indexes[self.key]}="{_term(value)}"' for value in self.values)

    def pqf(self) -> str:
        if self.key == MatchedBy.TITLE:
            title = f'@attr 1=4 @attr 4=6 "{_term(self.values[0])}"'
            if not self.author:
                return title
            return f'@and {title} @attr 1=1003 @attr 4=6 "{_term(self.author)}"'
        terms = [f'@attr 1={BIB1_USE[self.key]} @attr 4=1 "{_term(v)}"' for v in self.values]
        return "@or " * (len(terms) - 1) + " ".join(terms)

    def __str__(self) -> str:
        said = " or ".join(self.values) + (f" by {self.author}" if self.author else "")
        return f"{MatchedBy(self.key).label} {said}"


def _term(value: str) -> str:
    """A search term without the characters that would end or escape its quotes."""
    return " ".join(re.sub(r'["\\\\]', " ", value).split())[:200]


def configured() -> bool:
    return bool(settings.CATALOG_SRU_URL or settings.CATALOG_Z3950_TARGET)


def search(query: Query, deadline: Deadline) -> list[etree._Element]:
    """The records the catalog finds for one query (up to CATALOG_MAX_RECORDS)."""
    if settings.CATALOG_SRU_URL:
        return _sru_records(_sru_answer(query, deadline))
    return _zoomsh_records(_zoomsh_answer(query, deadline))


# --- SRU -------------------------------------------------------------------------------------


def _sru_path(query: Query) -> tuple[SplitResult, str]:
    url = urlsplit(settings.CATALOG_SRU_URL)
    version = settings.CATALOG_SRU_VERSION
    params = {
        "version": version,
        "operation": "searchRetrieve",
        "query": query.cql(),
        "recordSchema": settings.CATALOG_RECORD_SCHEMA,
        "maximumRecords": settings.CATALOG_MAX_RECORDS,
        "recordXMLEscaping" if version.startswith("2") else "recordPacking": "xml",
    }
    joiner = "&" if url.query else ""
    return url, f"{url.path or '/'}?{url.query}{joiner}{urlencode(params)}"


def _sru_answer(query: Query, deadline: Deadline) -> bytes:
    url, path = _sru_path(query)
    cls = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    connection = cls(url.hostname or "", url.port, timeout=deadline.left())
    try:
        connection.connect()
        sock = connection.sock
        sock.settimeout(deadline.left())
        connection.request("GET", path, headers={"Accept": "application/xml, text/xml"})
        response = connection.getresponse()
        if response.status != 200:
            raise CatalogError(f"The catalog answered HTTP {response.status}.")
        return _read_within(response, sock, deadline)
    except TimeoutError as error:
        raise too_slow() from error
    except (OSError, http.client.HTTPException) as error:
        raise CatalogError(f"The catalog could not be reached ({error}).") from error
    finally:
        connection.close()


def _read_within(
    response: http.client.HTTPResponse, sock: socket.socket, deadline: Deadline
) -> bytes:
    """The body, chunk by chunk, each read bounded by the time left and the size allowed: a
    catalog that trickles its answer is cut off at the deadline like one that never answers."""
    body = bytearray()
    while chunk := response.read1(_CHUNK):
        body += chunk
        if len(body) > settings.CATALOG_MAX_BYTES:
            raise CatalogError(f"The answer was larger than {settings.CATALOG_MAX_BYTES} bytes.")
        sock.settimeout(deadline.left())
    return bytes(body)


def _sru_records(body: bytes) -> list[etree._Element]:
    root = _parse(body)
    if etree.QName(root).localname != "searchRetrieveResponse":
        raise CatalogError("The catalog's answer is not an SRU searchRetrieve response.")
    diagnostics = root.xpath("//*[local-name()='diagnostic']/*[local-name()='message']/text()")
    if diagnostics:
        raise CatalogError(f"The catalog answered with an error: {diagnostics[0][:200]}.")
    found = root.xpath("//*[local-name()='record']/*[local-name()='recordData']/*")
    return list(found)[: settings.CATALOG_MAX_RECORDS]


def _parse(body: bytes) -> etree._Element:
    try:
        return etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as error:
        raise CatalogError(f"The catalog's answer is not well-formed XML ({error}).") from error


# --- Z39.50 ----------------------------------------------------------------------------------

_RECORD_HEADER = re.compile(rb"^\d+ database=.*$", re.MULTILINE)
# zoomsh reports a failed connection or search on standard output, and exits 0.
_ZOOM_ERROR = re.compile(rb"^\S+ error: (.*)$", re.MULTILINE)


def _zoomsh_answer(query: Query, deadline: Deadline) -> bytes:
    zoomsh = shutil.which("zoomsh")
    if zoomsh is None:
        raise CatalogError("zoomsh (YAZ) is not installed: Z39.50 cannot be used.")
    commands = [
        f"connect {settings.CATALOG_Z3950_TARGET}",
        "set preferredRecordSyntax xml",
        f"set elementSetName {settings.CATALOG_RECORD_SCHEMA}",
        f"search {query.pqf()}",
        f"show 0 {settings.CATALOG_MAX_RECORDS} xml",
        "quit",
    ]
    try:
        # An argument list, never a shell: the program found above, its commands from settings
        # and search terms stripped of quotes (_term).
        done = subprocess.run(  # nosec B603
            [zoomsh, *commands], capture_output=True, timeout=deadline.left(), check=False
        )
    except subprocess.TimeoutExpired as error:
        raise too_slow() from error
    if len(done.stdout) > settings.CATALOG_MAX_BYTES:
        raise CatalogError(f"The answer was larger than {settings.CATALOG_MAX_BYTES} bytes.")
    failed = _ZOOM_ERROR.search(done.stdout)
    if failed or done.returncode != 0:
        said = failed[1] if failed else done.stderr.strip()
        raise CatalogError(f"Z39.50: {said.decode(errors='replace')[:200]}.")
    return done.stdout


def _zoomsh_records(output: bytes) -> list[etree._Element]:
    """zoomsh prints a header line before each record ("0 database=... syntax=XML ...")."""
    parts = _RECORD_HEADER.split(output)[1:]
    return [_parse(part.strip()) for part in parts if part.strip()]
