"""Helpers for the ISO 18626 tests: the shared schema and samples, partners, and message
builders written from the standard (v1.2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.test import Client
from lxml import etree

from registration.models import Institution
from requests_app.iso18626.models import IsoPartner

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "iso18626"
SAMPLES = sorted((SHARED / "samples").glob("*.xml"))
NS = "http://illtransactions.org/2013/iso18626"
TOKEN = "partner-header-token-1234567890"
_schema: list[etree.XMLSchema] = []


def schema() -> etree.XMLSchema:
    if not _schema:
        _schema.append(etree.XMLSchema(etree.parse(str(SHARED / "ISO-18626-v1_2.xsd"))))
    return _schema[0]


def assert_valid(document: bytes) -> etree._Element:
    root = etree.fromstring(document)
    assert schema().validate(root), (schema().error_log, document.decode())
    return root


def kind(document: bytes) -> str:
    root = etree.fromstring(document)
    return str(etree.QName(root[0]).localname)


def find(document: bytes, path: str) -> str:
    """Text at a path of local names below the message element ("" when absent)."""
    element: Any = etree.fromstring(document)[0]
    for name in path.split("/"):
        found = element.find(f"{{{NS}}}{name}")
        if found is None:
            return ""
        element = found
    return str(element.text or "")


def make_partner(
    institution: Institution,
    *,
    agency: tuple[str, str] = ("OCLC", "REQ"),
    address: str = "http://127.0.0.1:9/iso18626",
    token: str = TOKEN,
    account: tuple[str, str] | None = None,
) -> IsoPartner:
    partner = IsoPartner(
        institution=institution,
        agency_id_type=agency[0],
        agency_id_value=agency[1],
        address=address,
    )
    if token:
        partner.set_header_token(token)
    if account:
        partner.account_id = account[0]
        partner.set_security_code(account[1])
    partner.save()
    return partner


def post(client: Client, body: bytes, *, token: str = TOKEN, path: str = "/iso18626/") -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(path, data=body, content_type="application/xml", headers=headers)


def _agency(name: str, type_: str, value: str) -> str:
    return (
        f"<{name}><agencyIdType>{type_}</agencyIdType>"
        f"<agencyIdValue>{value}</agencyIdValue></{name}>"
    )


def header(request_id: str, *, requester: str = "REQ", supplier: str = "US-DLC") -> str:
    return (
        _agency("supplyingAgencyId", "ISIL", supplier)
        + _agency("requestingAgencyId", "OCLC", requester)
        + "<multipleItemRequestId></multipleItemRequestId>"
        + "<timestamp>2026-11-30T10:00:00.000Z</timestamp>"
        + f"<requestingAgencyRequestId>{request_id}</requestingAgencyRequestId>"
    )


def envelope(inner: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ISO18626Message xmlns="{NS}" '
        f'xmlns:ill="{NS}" ill:version="1.2">{inner}</ISO18626Message>'
    ).encode()


def loan_request(request_id: str, *, title: str = "Lord of the Rings", **kw: str) -> bytes:
    bib = f"<title>{title}</title><author>JRR Tolkien</author>"
    service = "<requestType>New</requestType><serviceType>Loan</serviceType>"
    return envelope(
        f"<request><header>{header(request_id, **kw)}</header>"
        f"<bibliographicInfo>{bib}</bibliographicInfo>"
        f"<publicationInfo><publicationDate>1954</publicationDate></publicationInfo>"
        f"<serviceInfo>{service}</serviceInfo></request>"
    )


def copy_request(
    request_id: str,
    *,
    article: str,
    journal: str = "Journal of Testing",
    issn: str = "0028-0836",
    year: str = "2025",
    compliance: str = "US-CCG",
    request_type: str = "New",
    previous: str = "",
    patron: str = "",
) -> bytes:
    bib = (
        f"<title>{journal}</title><author>A. Writer</author>"
        f"<titleOfComponent>{article}</titleOfComponent>"
        f"<authorOfComponent>B. Author</authorOfComponent>"
        f"<volume>12</volume><issue>3</issue><pagesRequested>10-20</pagesRequested>"
        f"<bibliographicItemId><bibliographicItemIdentifier>{issn}</bibliographicItemIdentifier>"
        f"<bibliographicItemIdentifierCode>ISSN</bibliographicItemIdentifierCode>"
        f"</bibliographicItemId>"
    )
    prev = (
        f"<requestingAgencyPreviousRequestId>{previous}</requestingAgencyPreviousRequestId>"
        if previous
        else ""
    )
    service = (
        f"<requestType>{request_type}</requestType>{prev}<serviceType>Copy</serviceType>"
        f"<copyrightCompliance>{compliance}</copyrightCompliance>"
    )
    patron_info = f"<patronInfo><patronId>{patron}</patronId></patronInfo>" if patron else ""
    return envelope(
        f"<request><header>{header(request_id)}</header>"
        f"<bibliographicInfo>{bib}</bibliographicInfo>"
        f"<publicationInfo><publicationDate>{year}</publicationDate></publicationInfo>"
        f"<serviceInfo>{service}</serviceInfo>{patron_info}</request>"
    )


def action(request_id: str, name: str, note: str = "") -> bytes:
    note_xml = f"<note>{note}</note>" if note else ""
    return envelope(
        f"<requestingAgencyMessage><header>{header(request_id)}</header>"
        f"<action>{name}</action>{note_xml}</requestingAgencyMessage>"
    )
