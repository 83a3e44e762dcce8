"""From an ISO 18626 `request` to the data of the portal's own request forms.

The forms then validate it exactly as they validate a librarian's input, and the same submit
services decide and store it. Citation data sits in the standard's places and in ReShare's
(docs/iso18626.md, "Field mapping")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.isbn import validate as isbn_check
from stdnum.issn import validate as issn_check

from requests_app.iso18626 import xml
from requests_app.iso18626.statuses import COPYRIGHT_COMPLIANCE
from requests_app.models import Service

_DATE = re.compile(r"^(\d{4})(-\d{2}(-\d{2})?)?")
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_CCL_BASIS = (
    ("public domain", "public_domain"),
    ("fair use", "fair_use"),
    ("older than", "older_than_window"),
)

# Where each form field comes from, for the errorValue of an ERROR confirmation.
FIELD_ELEMENTS = {
    "title": "bibliographicInfo/title",
    "article_title": "bibliographicInfo/titleOfComponent",
    "issn": "bibliographicItemId (ISSN)",
    "isbn": "bibliographicItemId (ISBN)",
    "lccn": "bibliographicItemId (LCCN)",
    "oclc_number": "bibliographicItemId (OCLC)",
    "publication_date": "publicationInfo/publicationDate",
    "pages": "bibliographicInfo/pagesRequested",
    "total_pages": "bibliographicInfo/estimatedNoPages",
    "statement": "serviceInfo/copyrightCompliance (US-CCG or US-CCL)",
    "basis": "serviceInfo/note (a US-CCL request names its basis: public domain, fair use, "
    "or older than five years)",
    "note": "serviceInfo/note",
    "need_by": "serviceInfo/needBeforeDate",
    "max_cost": "billingInfo/maximumCosts",
    "work_kind": "bibliographicInfo",
}


@dataclass(frozen=True)
class Mapped:
    service: str
    data: dict[str, str]
    problems: tuple[str, ...]


class Unmappable(Exception):
    """A value the office cannot take (the confirmation's errorValue is the message)."""


def map_request(element: Any) -> Mapped:
    ids = _identifiers(element)
    service = _service(element, ids)
    problems: list[str] = []
    common = _common(element, ids, problems)
    if service == Service.COPY:
        return Mapped(service, {**common, **_copy(element, ids, common)}, tuple(problems))
    return Mapped(service, {**common, **_loan(element, ids)}, tuple(problems))


def _identifiers(element: Any) -> dict[str, str]:
    """bibliographicItemId codes in upper case, then ReShare's bibliographicRecordId codes in
    lower case (issn, eissn, stitle, doi, startPage, numberOfPages...)."""
    found: dict[str, str] = {}
    bib = xml.child(element, "bibliographicInfo")
    if bib is None:
        return found
    for item in xml.children(bib, "bibliographicItemId"):
        code = xml.text(item, "bibliographicItemIdentifierCode").upper()
        found.setdefault(code, xml.text(item, "bibliographicItemIdentifier"))
    for record in xml.children(bib, "bibliographicRecordId"):
        code = xml.text(record, "bibliographicRecordIdentifierCode").lower()
        found.setdefault(code, xml.text(record, "bibliographicRecordIdentifier"))
    return found


def _service(element: Any, ids: dict[str, str]) -> str:
    value = xml.text(element, "serviceInfo", "serviceType")
    if value == "Copy":
        return Service.COPY
    if value == "Loan":
        return Service.LOAN
    if value == "CopyOrLoan":
        wants_part = xml.text(element, "bibliographicInfo", "titleOfComponent") or _pages(
            ids, element
        )
        return Service.COPY if wants_part else Service.LOAN
    raise Unmappable(f"serviceInfo/serviceType: {value or 'missing'} (Loan, Copy or CopyOrLoan)")


def _common(element: Any, ids: dict[str, str], problems: list[str]) -> dict[str, str]:
    notes = [xml.text(element, "serviceInfo", "note")]
    doi = ids.get("doi") or ids.get("DOI")
    notes.append(f"DOI {doi}" if doi else "")
    issn = _identifier(ids.get("ISSN") or ids.get("issn") or ids.get("eissn"), "ISSN", issn_check)
    isbn = _identifier(ids.get("ISBN") or ids.get("isbn"), "ISBN", isbn_check)
    for invalid in (issn, isbn):
        if invalid.rejected:
            problems.append(invalid.rejected)
            notes.append(invalid.rejected)
    return {
        "issn": issn.value,
        "isbn": isbn.value,
        "volume": xml.text(element, "bibliographicInfo", "volume"),
        "patron_id": xml.text(element, "patronInfo", "patronId")[:100],
        "delivery_notes": " ".join(filter(None, notes)),
        "publication_date": _date(
            xml.text(element, "publicationInfo", "publicationDate"), problems
        ),
    }


@dataclass(frozen=True)
class _Checked:
    value: str
    rejected: str = ""


def _identifier(value: str | None, label: str, check: Any) -> _Checked:
    """A valid identifier is kept; an invalid one (peers send ISBN 1983) goes to the notes
    instead of refusing the whole request."""
    if not value:
        return _Checked("")
    try:
        check(value)
    except StdnumError:
        return _Checked("", f"{label} as sent, not valid: {value[:40]}")
    return _Checked(value)


def _date(value: str, problems: list[str]) -> str:
    match = _DATE.match(value)
    if match:
        return match.group(0)
    year = _YEAR.search(value)
    if value:
        problems.append(f"publicationDate {value!r} read as {year.group(0) if year else 'none'}")
    return year.group(0) if year else ""


def _loan(element: Any, ids: dict[str, str]) -> dict[str, str]:
    return {
        "title": xml.text(element, "bibliographicInfo", "title"),
        "author": xml.text(element, "bibliographicInfo", "author"),
        "publisher": xml.text(element, "publicationInfo", "publisher"),
        "place": xml.text(element, "publicationInfo", "placeOfPublication"),
        "edition": xml.text(element, "bibliographicInfo", "edition"),
        "lccn": ids.get("LCCN") or ids.get("lccn") or "",
        "oclc_number": ids.get("OCLC") or ids.get("oclc") or "",
        "need_by": _need_by(xml.text(element, "serviceInfo", "needBeforeDate")),
        "max_cost": _max_cost(element),
        "tried_elsewhere": "on",
    }


def _need_by(value: str) -> str:
    """Peers send need-before dates long past (ReShare's tests send 1900): keep future ones."""
    match = re.match(r"^\d{4}-\d{2}-\d{2}", value)
    if not match or match.group(0) < timezone.localdate().isoformat():
        return ""
    return match.group(0)


def _max_cost(element: Any) -> str:
    costs = xml.child(element, "billingInfo", "maximumCosts")
    if costs is None or xml.text(costs, "currencyCode").upper() != "USD":
        return ""
    return xml.text(costs, "monetaryValue")


def _copy(element: Any, ids: dict[str, str], common: dict[str, str]) -> dict[str, str]:
    bib_title = xml.text(element, "bibliographicInfo", "title")
    journal = ids.get("stitle", "")
    component = xml.text(element, "bibliographicInfo", "titleOfComponent")
    periodical = bool(common["issn"] or journal or not common["isbn"])
    pages = _pages(ids, element)
    total = xml.text(element, "bibliographicInfo", "estimatedNoPages")
    total = total if total.isascii() and total.isdigit() else ""
    _in_range(pages, "bibliographicInfo/pagesRequested")
    _in_range(total, "bibliographicInfo/estimatedNoPages")
    statement = _statement(element)
    note = xml.text(element, "serviceInfo", "note")
    return {
        "work_kind": "periodical" if periodical else "non_periodical",
        "title": journal or bib_title,
        "article_title": component or (bib_title if journal else ""),
        "author": xml.text(element, "bibliographicInfo", "authorOfComponent")
        or xml.text(element, "bibliographicInfo", "author"),
        "issue": xml.text(element, "bibliographicInfo", "issue"),
        "pages": pages,
        "total_pages": total,
        "statement": statement,
        "basis": _ccl_basis(note, common["publication_date"]) if statement == "CCL" else "",
        "note": note,
        "own_copy_covers_item": "",
        "permission_reference": "",
        "extent": "part" if not periodical and pages and total else "one_article",
        "material": "text",
        "purpose": "research",
    }


MAX_PAGE = 100_000
_NUMBER = re.compile(r"\d+")


def _in_range(value: str, where: str) -> None:
    """Page numbers a database column can hold: no volume has 100,000 pages."""
    if any(int(number) > MAX_PAGE for number in _NUMBER.findall(value) if number.isascii()):
        raise Unmappable(f"{where}: {value[:40]} (page numbers go up to {MAX_PAGE:,})")


def _pages(ids: dict[str, str], element: Any) -> str:
    pages = xml.text(element, "bibliographicInfo", "pagesRequested")
    start, count = ids.get("startpage", ""), ids.get("numberofpages", "")
    if pages or not start:
        return pages
    if count.isascii() and count.isdigit() and start.isascii() and start.isdigit():
        return f"{start}-{int(start) + int(count) - 1}" if int(count) > 1 else start
    return start


def _statement(element: Any) -> str:
    value = xml.text(element, "serviceInfo", "copyrightCompliance").upper()
    if value and value not in COPYRIGHT_COMPLIANCE:
        raise Unmappable(
            f"serviceInfo/copyrightCompliance: {value} (this office takes US-CCG or US-CCL)"
        )
    return COPYRIGHT_COMPLIANCE.get(value, "")


def _ccl_basis(note: str, publication_date: str) -> str:
    lowered = note.lower()
    for words, basis in _CCL_BASIS:
        if words in lowered:
            return basis
    year = publication_date[:4]
    window = settings.COPYRIGHT_WINDOW_YEARS
    if year.isdigit() and int(year) <= timezone.localdate().year - window:
        return "older_than_window"
    return ""
