"""From an ISO 18626 `request` to the data of the portal's own request forms.

The forms then validate it exactly as they validate a librarian's input, and the same submit
services decide and store it. Citation data sits in the standard's places and in ReShare's
(docs/iso18626.md, "Field mapping")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db.models import CharField
from django.utils import timezone
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.isbn import validate as isbn_check
from stdnum.issn import validate as issn_check

from copyright_rules.facts import (
    Basis,
    Extent,
    Statement,
    WorkKind,
    canonical,
    parse_publication_date,
)
from copyright_rules.rules import inside_window
from copyright_rules.services import rule_settings
from fees.models import BillingInfo
from illdesk.numbers import parse_number
from requests_app.citations import PAGE_MAX, normalize_date, read_pages
from requests_app.iso18626 import xml
from requests_app.iso18626.models import Direction, IsoMessage, clean_note
from requests_app.models import DeliveryMethod, Request, Service

# A publication date that starts with a real calendar date (ReShare adds a time: 2024-05-01T00:00).
_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?(?![\d-])")
_MAX_COST = Request._meta.get_field("max_cost")
_ADDRESS_MAX = 1000
_ADDRESS_LINES = ("line1", "line2", "locality", "postalCode", "region", "country")
# The coded CCL basis a partner puts in serviceInfo/note (docs/iso18626.md, "Copyright"): the
# basis is never read from the note's words (docs/copyright.md section 10, ruling 9).
BASIS_CODE = re.compile(r"#CCL-BASIS:([A-Za-z_]+)#")
BASIS_CODES = ", ".join(f"#CCL-BASIS:{basis.value}#" for basis in Basis)

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
    "basis": f"serviceInfo/note (a US-CCL request of an item inside the five-year window codes "
    f"its basis, one of {BASIS_CODES})",
    "note": "serviceInfo/note (a fair-use basis is explained after its code)",
    "need_by": "serviceInfo/needBeforeDate",
    "max_cost": "billingInfo/maximumCosts",
    "work_kind": "bibliographicInfo",
}


@dataclass(frozen=True)
class Mapped:
    """The form data, and what the forms do not ask: the delivery address the partner's system
    gave (kept for staff), and what departs from the standard (for the log)."""

    service: str
    data: dict[str, str]
    problems: tuple[str, ...]
    delivery_address: str = ""


class Unmappable(Exception):
    """A value the office cannot take (the confirmation's errorValue is the message)."""


def map_request(element: xml.Element) -> Mapped:
    ids = _identifiers(element)
    pages = _pages(ids, element)
    sent = xml.text(element, "serviceInfo", "serviceType")
    kind = sent
    if sent == "CopyOrLoan":  # a copy when a part of the work is asked for
        wants_part = xml.text(element, "bibliographicInfo", "titleOfComponent") or pages
        kind = "Copy" if wants_part else "Loan"
    service = {"Copy": Service.COPY, "Loan": Service.LOAN}.get(kind)
    if service is None:
        raise Unmappable(f"serviceInfo/serviceType: {sent or 'missing'} (Loan, Copy or CopyOrLoan)")
    problems: list[str] = []
    note = clean_note(xml.text(element, "serviceInfo", "note"))
    # The CCL basis code is read into the basis (_ccl_basis), not left for staff to decode.
    notes = [BASIS_CODE.sub("", note).strip()]
    common = _common(element, ids, problems, notes)
    if service == Service.COPY:
        data = {**common, **_copy(element, ids, common, notes, pages=pages, note=note)}
    else:
        data = {**common, **_loan(element, ids)}
    data["delivery_notes"] = " ".join(filter(None, notes))
    address, preference = _delivery_address(element)
    if service == Service.COPY:
        data["delivery_preference"] = preference
    return Mapped(service, data, tuple(problems), address)


def _identifiers(element: xml.Element) -> dict[str, str]:
    """bibliographicItemId codes in upper case, then ReShare's bibliographicRecordId codes in
    lower case (issn, eissn, stitle, doi, startPage, numberOfPages...)."""
    found: dict[str, str] = {}
    bib = xml.child(element, "bibliographicInfo")
    if bib is None:
        return found
    for item in bib.iterchildren("{*}bibliographicItemId"):
        code = xml.text(item, "bibliographicItemIdentifierCode").upper()
        found.setdefault(code, xml.text(item, "bibliographicItemIdentifier"))
    for record in bib.iterchildren("{*}bibliographicRecordId"):
        code = xml.text(record, "bibliographicRecordIdentifierCode").lower()
        found.setdefault(code, xml.text(record, "bibliographicRecordIdentifier"))
    return found


def _common(
    element: xml.Element, ids: dict[str, str], problems: list[str], notes: list[str]
) -> dict[str, str]:
    doi = ids.get("doi") or ids.get("DOI")
    notes.append(f"DOI {doi}" if doi else "")
    # A valid ISSN or ISBN is kept; an invalid one (peers send ISBN 1983) goes to the notes
    # instead of refusing the whole request.
    checked = {"ISSN": ids.get("ISSN") or ids.get("issn") or ids.get("eissn") or ""}
    checked["ISBN"] = ids.get("ISBN") or ids.get("isbn") or ""
    for label, check in (("ISSN", issn_check), ("ISBN", isbn_check)):
        try:
            if checked[label]:
                check(checked[label])
        except StdnumError:
            rejected = f"{label} as sent, not valid: {checked[label][:40]}"
            problems.append(rejected)
            notes.append(rejected)
            checked[label] = ""
    record_id = xml.text(element, "bibliographicInfo", "supplierUniqueRecordId")
    if record_id:
        notes.append(f"Our catalogue record (supplierUniqueRecordId): {record_id[:200]}")
    # A leading calendar date as sent; anything else as the citation links read dates
    # ("2021-22" is the year 2021, not a 22nd month).
    published = xml.text(element, "publicationInfo", "publicationDate")
    calendar = _DATE.match(published)
    read = calendar.group(0) if calendar else normalize_date(published)
    if published and not calendar and read != published:
        problems.append(f"publicationDate {published[:40]!r} read as {read or 'none'}")
    title = xml.text(element, "bibliographicInfo", "title")
    return {
        "title": title or (placeholder_title(record_id) if record_id else ""),
        "issn": checked["ISSN"],
        "isbn": checked["ISBN"],
        "volume": xml.text(element, "bibliographicInfo", "volume"),
        "patron_id": xml.text(element, "patronInfo", "patronId")[:100],
        "publication_date": read,
        "need_by": _need_by(xml.text(element, "serviceInfo", "needBeforeDate"), notes),
        "max_cost": _max_cost(element, notes),
    }


def placeholder_title(record_id: str) -> str:
    """The title of a request that names only our catalogue record (the forms need a title);
    the catalog lookup searches by the record id instead (docs/catalog.md, "Lookups")."""
    return f"Catalogue record {record_id[:200]}"


def supplier_record_id(item: Request) -> str:
    """Our catalogue's record id (supplierUniqueRecordId) named by the partner's ISO 18626
    request that became `item`, read from its logged message; "" when there is none."""
    raw = (
        IsoMessage.objects.filter(
            request=item, direction=Direction.IN, kind="request", authenticated=True
        )
        .order_by("pk")
        .values_list("raw", flat=True)
        .first()
    )
    if not raw:
        return ""
    try:
        parsed = xml.parse(raw.encode())
    except xml.NotAMessage:
        return ""
    return xml.text(parsed.element, "bibliographicInfo", "supplierUniqueRecordId")[:200]


def _loan(element: xml.Element, ids: dict[str, str]) -> dict[str, str]:
    return {
        "author": xml.text(element, "bibliographicInfo", "author"),
        "publisher": xml.text(element, "publicationInfo", "publisher"),
        "place": xml.text(element, "publicationInfo", "placeOfPublication"),
        "edition": xml.text(element, "bibliographicInfo", "edition"),
        "lccn": ids.get("LCCN") or ids.get("lccn") or "",
        "oclc_number": ids.get("OCLC") or ids.get("oclc") or "",
        "tried_elsewhere": "on",
    }


def _need_by(value: str, notes: list[str]) -> str:
    """Peers send need-before dates long past (ReShare's tests send 1900): keep future ones. A
    date that does not exist goes to the notes as sent; it never refuses the request."""
    match = re.match(r"^\d{4}-\d{2}-\d{2}", value, re.ASCII)
    if not match:
        return ""
    try:
        date.fromisoformat(match.group(0))
    except ValueError:
        notes.append(f"Need by as sent: {value[:40]}")
        return ""
    return "" if match.group(0) < timezone.localdate().isoformat() else match.group(0)


def _max_cost(element: xml.Element, notes: list[str]) -> str:
    """A maximum in US dollars the column can hold; any other goes to the notes as sent."""
    costs = xml.child(element, "billingInfo", "maximumCosts")
    if costs is None:
        return ""
    currency = xml.text(costs, "currencyCode").upper()
    value = xml.text(costs, "monetaryValue")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        amount = Decimal("NaN")
    if amount.is_finite() and amount.adjusted() < 20:
        amount = amount.quantize(Decimal("0.01"))  # in cents, as stored: 999999.999 is 1000000.00
    fits = amount.is_finite() and 0 <= amount < 10 ** (
        (_MAX_COST.max_digits or 0) - (_MAX_COST.decimal_places or 0)
    )
    if currency == "USD" and fits:
        return str(amount)
    if value:
        notes.append(f"Maximum cost: {value[:20]} {currency[:10]}".strip())
    return ""


def _delivery_address(element: xml.Element) -> tuple[str, str]:
    """The addresses of requestedDeliveryInfo, in their sortOrder, as text for staff; and the
    delivery the first one implies (an electronic address: electronic; a postal one: mail)."""
    found = []
    for info in element.iterchildren("{*}requestedDeliveryInfo"):
        order = parse_number(xml.text(info, "sortOrder")) or 0
        electronic = xml.child(info, "address", "electronicAddress")
        physical = xml.child(info, "address", "physicalAddress")
        if electronic is not None:
            kind = xml.text(electronic, "electronicAddressType")
            data = xml.text(electronic, "electronicAddressData")
            found.append((order, ": ".join(filter(None, [kind, data])), DeliveryMethod.ELECTRONIC))
        elif physical is not None:
            lines = [xml.text(physical, name) for name in _ADDRESS_LINES]
            found.append((order, "\n".join(filter(None, lines)), DeliveryMethod.MAIL))
    found = sorted((item for item in found if item[1]), key=lambda item: item[0])
    if not found:
        return "", ""
    text = "\n".join(address for _, address, _ in found)
    return text[:_ADDRESS_MAX], str(found[0][2])


def _copy(
    element: xml.Element,
    ids: dict[str, str],
    common: dict[str, str],
    notes: list[str],
    *,
    pages: str,
    note: str,
) -> dict[str, str]:
    journal = ids.get("stitle", "")
    component = xml.text(element, "bibliographicInfo", "titleOfComponent")
    periodical = bool(common["issn"] or journal or not common["isbn"])
    # Pages as the portal's form reads them; what it cannot read goes to the notes as sent (the
    # standard allows free text here, so it never refuses a request).
    read = read_pages(pages) if pages else ""
    if read is None:
        notes.append(f"Pages as sent: {pages[:100]}")
    total = xml.text(element, "bibliographicInfo", "estimatedNoPages")
    total_pages = parse_number(total, minimum=1, maximum=PAGE_MAX)
    if total and total_pages is None:
        notes.append(f"Total pages as sent: {total[:40]}")
    # CCG or CCL, with or without `US-`, in any case (docs/copyright.md section 10, ruling 9).
    sent = xml.text(element, "serviceInfo", "copyrightCompliance")
    statement = canonical(Statement, sent) or ""
    if sent and not statement:
        raise Unmappable(
            f"serviceInfo/copyrightCompliance: {sent[:40]} (this office takes US-CCG or US-CCL)"
        )
    basis = _ccl_basis(note, common["publication_date"]) if statement == Statement.CCL else ""
    return {
        "work_kind": WorkKind.PERIODICAL if periodical else WorkKind.NON_PERIODICAL,
        "title": journal or common["title"],
        "article_title": component or (common["title"] if journal else ""),
        "author": xml.text(element, "bibliographicInfo", "authorOfComponent")
        or xml.text(element, "bibliographicInfo", "author"),
        "issue": xml.text(element, "bibliographicInfo", "issue"),
        "pages": read or "",
        "total_pages": str(total_pages or ""),
        "statement": statement,
        "basis": basis,
        "note": BASIS_CODE.sub("", note).strip(),
        # The own-copy code states that the library's holding covers the item.
        "own_copy_covers_item": "yes" if basis == Basis.OWN_COPY else "",
        "permission_reference": "",
        # A part of a book is checked for the share of its pages, as the portal checks it
        # (ruling 9): the form asks for the pages and the total pages of the work.
        "extent": Extent.ONE_ARTICLE if periodical else Extent.PART,
        "material": "text",
        "purpose": "research",
    }


def _pages(ids: dict[str, str], element: xml.Element) -> str:
    pages = xml.text(element, "bibliographicInfo", "pagesRequested")
    start, count = ids.get("startpage", ""), ids.get("numberofpages", "")
    if pages or not start:
        return pages
    first = parse_number(start, minimum=1, maximum=PAGE_MAX)
    number = parse_number(count, minimum=1, maximum=PAGE_MAX)
    if first is not None and number is not None and number > 1:
        return f"{first}-{first + number - 1}"
    return start


def _ccl_basis(note: str, publication_date: str) -> str:
    """The basis the partner coded in the note; else older than the window when the date says
    so, as rule R9 reads it; else none, and the form asks for it (ruling 9)."""
    codes = BASIS_CODE.findall(note)
    if codes:
        basis = canonical(Basis, codes[0])
        if basis is None:
            raise Unmappable(
                f"serviceInfo/note: #CCL-BASIS:{codes[0][:40]}# (one of {BASIS_CODES})"
            )
        return basis
    published = parse_publication_date(publication_date)
    settings = rule_settings()
    today = timezone.localdate(timezone=settings.zone)
    if published is not None and not inside_window(published, today, settings):
        return Basis.OLDER_THAN_WINDOW
    return ""


# --- billingInfo, kept with the request (docs/fees.md, "ISO 18626") ---------------------------


_LENGTHS = {
    field.name: field.max_length or 0
    for field in BillingInfo._meta.fields
    if isinstance(field, CharField)
}
_MAXIMUM = Decimal(10) ** 12  # what BillingInfo.maximum_amount holds (14 digits, 2 decimals)


def read_billing(element: xml.Element) -> BillingInfo | None:
    """The request's `billingInfo` as a BillingInfo to keep (not saved), or None without one."""
    billing = xml.child(element, "billingInfo")
    if billing is None:
        return None
    maximum = xml.child(billing, "maximumCosts")
    amount = _amount(xml.text(maximum, "monetaryValue")) if maximum is not None else None
    return BillingInfo(
        payment_method=xml.text(billing, "paymentMethod")[: _LENGTHS["payment_method"]],
        billing_method=xml.text(billing, "billingMethod")[: _LENGTHS["billing_method"]],
        billing_name=xml.text(billing, "billingName")[: _LENGTHS["billing_name"]],
        address=_address(billing),
        maximum_sent=maximum is not None,
        maximum_amount=amount,
        maximum_currency=(
            xml.text(maximum, "currencyCode").upper()[: _LENGTHS["maximum_currency"]]
            if maximum is not None
            else ""
        ),
    )


def _amount(value: str) -> Decimal | None:
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or not 0 <= amount < _MAXIMUM:
        return None
    return amount.quantize(Decimal("0.01"))


def _address(billing: xml.Element) -> str:
    """The billing address as lines for staff: a postal address, or an electronic one."""
    physical = xml.child(billing, "address", "physicalAddress")
    if physical is not None:
        return "\n".join(filter(None, (xml.text(physical, name) for name in _ADDRESS_LINES)))
    electronic = xml.child(billing, "address", "electronicAddress")
    if electronic is not None:
        kind = xml.text(electronic, "electronicAddressType")
        return ": ".join(filter(None, [kind, xml.text(electronic, "electronicAddressData")]))
    return ""
