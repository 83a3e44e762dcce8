"""Catalog records to holdings: MARCXML bibliographic records with their holdings (852, 866-868)
and items (876-878), read with pymarc, or OPAC records (a MARCXML record with the catalog's
holdings and circulation data, YAZ's "opacxml"). Pure: no Django, no network.

docs/catalog.md, "What is read from a record", lists the fields and subfields."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pymarc
from lxml import etree

from catalog.models import Availability

MARC_NS = "http://www.loc.gov/MARC21/slim"
_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
_AVAILABLE_WORDS = ("available", "on shelf", "checked in", "in library", "not charged")
_OUT_WORDS = ("checked out", "charged", "on loan", "due", "in use", "in transit")


@dataclass(frozen=True)
class Item:
    volume: str  # "v.3", "1999": empty for a single-volume work
    availability: Availability
    due_date: date | None = None


@dataclass(frozen=True)
class Holding:
    record_id: str
    title: str
    call_number: str
    location: str
    statement: str
    items: tuple[Item, ...] = ()


def holdings_of(element: etree._Element) -> list[Holding]:
    """Every holding one record describes (a record with no holdings data gives one holding with
    the bibliographic call number, so that the title is still seen to be in the catalog)."""
    if etree.QName(element).localname == "opacRecord":
        return _opac_holdings(element)
    return _marc_holdings(_marc(element))


def _marc(element: etree._Element) -> pymarc.Record:
    records = pymarc.parse_xml_to_array(io.BytesIO(etree.tostring(element)))
    if not records or records[0] is None:
        raise ValueError("not a MARCXML record")
    return records[0]


def _first(record: pymarc.Record, tag: str, *codes: str) -> str:
    for field in record.get_fields(tag):
        found = " ".join(value.strip() for value in field.get_subfields(*codes) if value.strip())
        if found:
            return found
    return ""


def _title(record: pymarc.Record) -> str:
    return _first(record, "245", "a", "b", "n", "p").rstrip(" /:;.,")


def _record_id(record: pymarc.Record) -> str:
    field = record.get("001")
    return (field.data or "").strip() if field is not None else ""


def _link(field: pymarc.Field) -> str:
    """The holding a field belongs to: the number before the dot of its $8 ("1.2" -> "1")."""
    return (field.get("8") or "").split(".")[0].strip()


def _marc_holdings(record: pymarc.Record) -> list[Holding]:
    title, record_id = _title(record), _record_id(record)
    bib_number = _first(record, "050", "a", "b")
    places: list[pymarc.Field | None] = [*record.get_fields("852")] or [None]
    holdings = []
    for place in places:
        link = _link(place) if place is not None else ""
        belongs = _belongs(link, len(places))
        holdings.append(
            Holding(
                record_id=record_id,
                title=title,
                call_number=_join(place, "k", "h", "i", "m") or bib_number,
                location=_join(place, "b", "c"),
                statement="; ".join(
                    " ".join(field.get_subfields("a", "z")).strip()
                    for field in record.get_fields("866", "867", "868")
                    if belongs(field)
                ),
                items=tuple(
                    _marc_item(field)
                    for field in record.get_fields("876", "877", "878")
                    if belongs(field)
                ),
            )
        )
    return holdings


def _belongs(link: str, places: int) -> Callable[[pymarc.Field], bool]:
    """Which 866-878 fields go with the 852 linked as `link`: with one 852, all of them."""

    def check(field: pymarc.Field) -> bool:
        return places == 1 or _link(field) == link

    return check


def _join(field: pymarc.Field | None, *codes: str) -> str:
    if field is None:
        return ""
    return " ".join(value.strip() for value in field.get_subfields(*codes) if value.strip())


def _marc_item(field: pymarc.Field) -> Item:
    status = " ".join(field.get_subfields("j")).strip()
    return Item(
        volume=" ".join(field.get_subfields("3")).strip(),
        availability=status_availability(status),
        due_date=_date(status),
    )


def status_availability(status: str) -> Availability:
    """An item status as catalogs word it ("Available", "Checked out; due 2026-12-20")."""
    words = status.casefold()
    if any(word in words for word in _OUT_WORDS):
        return Availability.CHECKED_OUT
    if any(word in words for word in _AVAILABLE_WORDS):
        return Availability.AVAILABLE
    return Availability.UNKNOWN


def _date(text: str) -> date | None:
    match = _DATE.search(text or "")
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _text(element: etree._Element, path: str) -> str:
    found = element.find(path)
    return " ".join((found.text or "").split()) if found is not None else ""


def _opac_holdings(element: etree._Element) -> list[Holding]:
    bib = element.find(f"bibliographicRecord/{{{MARC_NS}}}record")
    if bib is None:
        raise ValueError("an OPAC record without a MARCXML bibliographic record")
    record = _marc(bib)
    found = element.findall("holdings/holding")
    if not found:
        return _marc_holdings(record)
    title, record_id = _title(record), _record_id(record)
    return [
        Holding(
            record_id=record_id,
            title=title,
            call_number=_text(holding, "callNumber") or _first(record, "050", "a", "b"),
            location=" ".join(
                filter(None, [_text(holding, "localLocation"), _text(holding, "shelvingLocation")])
            ),
            statement=_text(holding, "enumAndChron"),
            items=tuple(_opac_item(c) for c in holding.findall("circulations/circulation")),
        )
        for holding in found
    ]


def _opac_item(circulation: etree._Element) -> Item:
    now = circulation.find("availableNow")
    value = now.get("value") if now is not None else None
    availability = {"1": Availability.AVAILABLE, "0": Availability.CHECKED_OUT}.get(
        value or "", Availability.UNKNOWN
    )
    return Item(
        volume=_text(circulation, "enumAndChron"),
        availability=availability,
        due_date=_date(_text(circulation, "availabilityDate")),
    )
