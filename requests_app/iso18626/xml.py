"""Reading and writing ISO 18626 XML.

Reading is safe and lenient: no DTD, no entities, no network, a size cap applied by the caller;
elements are found by local name so a missing or odd namespace prefix does not matter, and what
departs from the v1.2 schema is collected as problems for the log instead of refusing the message
(real peers, ReShare among them, send messages that fail the schema: docs/iso18626.md).
Writing always produces v1.2 messages in the standard's element order, our confirmations among
them (docs/iso18626.md, "The endpoint")."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Sequence
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import TypeAlias

from django.conf import settings
from django.utils import timezone
from lxml import etree

from requests_app.iso18626.statuses import ErrorType, PartnerAction, Reason

NS = "http://illtransactions.org/2013/iso18626"
VERSION = "1.2"
SCHEMA_PATH = Path(__file__).with_name("schema") / "ISO-18626-v1_2.xsd"
MESSAGE_KINDS = (
    "request",
    "requestConfirmation",
    "supplyingAgencyMessage",
    "supplyingAgencyMessageConfirmation",
    "requestingAgencyMessage",
    "requestingAgencyMessageConfirmation",
)
_MAX_PROBLEMS = 20


Element: TypeAlias = etree._Element
# What `build` writes: (name, content) pairs in order; content is text, more pairs for a nested
# element, or None for an element left out.
Content: TypeAlias = "str | Sequence[tuple[str, Content]] | None"
Tree: TypeAlias = Sequence[tuple[str, Content]]
# The log's view of an element: its text, or its children by name (a list when repeated);
# LEFT_OUT's value is True.
View: TypeAlias = "str | bool | dict[str, View | list[View]]"


class NotAMessage(Exception):
    """The body is not an ISO 18626 message at all (HTTP 400, nothing stored)."""


def _parser() -> etree.XMLParser:
    """No DTD, no entities, no network: a parser of its own for each parse."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
        remove_comments=True,
    )


@dataclass(frozen=True)
class Parsed:
    """A parsed message: its kind, its element, its version and what departs from v1.2."""

    kind: str
    element: Element
    version: str
    problems: tuple[str, ...]


def parse(body: bytes) -> Parsed:
    """Parse a body already within the size cap; raise NotAMessage for anything else.

    A document type declaration is refused before parsing, in every encoding the parser could
    read the body in: a DTD is where entity bombs and external entities live, and no ISO 18626
    message has one. The parser detects UTF-16 and UTF-32 with or without a byte order mark
    (XML 1.0, appendix F), EBCDIC, and any encoding the declaration names, so each of those
    readings is searched (_readings)."""
    if _DTD_BYTES.search(body) or any(_DTD_TEXT.search(text) for text in _readings(body)):
        raise NotAMessage("a document type declaration is not allowed")
    try:
        root = etree.fromstring(body, parser=_parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        raise NotAMessage(f"not well-formed XML ({error})") from None
    if root.getroottree().docinfo.doctype:
        raise NotAMessage("a document type declaration is not allowed")
    problems: list[str] = []
    element: Element | None = root
    name = etree.QName(root).localname
    if name in MESSAGE_KINDS:
        problems.append(f"{name} is not wrapped in ISO18626Message")
    elif name != "ISO18626Message":
        raise NotAMessage(f"the root element is {name}, not ISO18626Message")
    else:
        inner = (child for child in root if isinstance(child.tag, str))
        element = next((e for e in inner if etree.QName(e).localname in MESSAGE_KINDS), None)
    if element is None:
        raise NotAMessage("ISO18626Message holds no message")
    attributes = root.attrib.items()
    found = (str(v).strip() for n, v in attributes if etree.QName(n).localname == "version")
    version = next(found, "")
    if version != VERSION:
        problems.append(f"version {version or 'missing'}: read as {VERSION}")
    problems.extend(schema_problems(root))
    kind = etree.QName(element).localname
    return Parsed(kind, element, version, tuple(problems[:_MAX_PROBLEMS]))


_DTD_BYTES = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_DTD_TEXT = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")


def _readings(body: bytes) -> Iterator[str]:
    # Every character of UTF-16 or UTF-32 markup ("<" is U+003C) has a zero byte, and an
    # EBCDIC document does not begin with an ASCII "<": other bodies need no wide reading.
    names: list[str] = []
    if b"\x00" in body:
        names += ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"]
    if not body.lstrip().startswith((b"<", codecs.BOM_UTF8)):
        names.append("cp037")
    if declared := _DECLARED.match(body[:200]):
        names.append(declared.group(1).decode())
    for name in names:
        try:
            yield body.decode(name, errors="ignore")
        except LookupError:  # an encoding Python does not know; the parser refuses it too
            continue


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH), parser=_parser()))


def schema_problems(root: Element) -> list[str]:
    """What the v1.2 schema says about the document (an empty list when it validates)."""
    schema = _schema()
    if etree.QName(root).localname == "ISO18626Message" and schema.validate(root):
        return []
    if etree.QName(root).localname != "ISO18626Message":
        return ["not validated: no ISO18626Message envelope"]
    return [f"line {e.line}: {e.message}" for e in list(schema.error_log)[:_MAX_PROBLEMS]]


# --- Reading by local name -------------------------------------------------------------------


SECRET_ELEMENTS = frozenset({"securityCode"})
REDACTED = "(redacted)"


def logged_text(element: Element) -> str:
    """The whole parsed document as text for the log, with every securityCode emptied. It is
    taken from the tree, not the bytes, so a code written in CDATA, split by a comment or spelt
    with character references is redacted like any other, and the text is what the parser
    decoded (by byte order mark or declaration), never raw UTF-16 or UTF-32 bytes."""
    root = deepcopy(element.getroottree().getroot())
    for found in root.iter(*(f"{{*}}{name}" for name in SECRET_ELEMENTS)):
        tail = found.tail
        found.clear()
        found.text, found.tail = REDACTED, tail
    return str(etree.tostring(root, encoding="unicode"))


def child(element: Element | None, *path: str) -> Element | None:
    """The first element along `path` (by local name), or None. `{*}name` matches in any
    namespace or none, searched by lxml itself: a message with tens of thousands of children
    costs little however often it is asked for one by name."""
    for name in path:
        if element is None:
            return None
        element = element.find(f"{{*}}{name}")
    return element


def text(element: Element | None, *path: str) -> str:
    found = child(element, *path)
    return "" if found is None else (found.text or "").strip()


def _local(element: Element) -> str:
    """The element's name without its namespace (`{ns}name` -> `name`). lxml's QName says the
    same, but builds an object each time: the log's view asks thousands of names, at half the
    cost this way (docs/performance.md, "ISO 18626 parsing")."""
    return str(element.tag).rpartition("}")[2]


# A real message has under two hundred elements; the log's parsed view stops here (the message's
# text keeps the rest), so what a body of repeated elements costs to log is bounded.
PARSED_VIEW_ELEMENTS = 2_000
LEFT_OUT = "(left out)"


def to_dict(element: Element) -> View:
    """A JSON-able view of an element for the log: text leaves, lists for repeated names. One
    pass over the tree, at most PARSED_VIEW_ELEMENTS elements; an element whose children were
    not all read holds LEFT_OUT (docs/iso18626.md, "The endpoint")."""
    top: dict[str, list[View]] = {}
    frames: list[tuple[Element, dict[str, list[View]]]] = []
    started = 0
    for event, found in etree.iterwalk(element, events=("start", "end"), tag=etree.Element):
        if event == "end":
            done, grouped = frames.pop()
            (frames[-1][1] if frames else top).setdefault(_local(done), []).append(
                _view(done, grouped)
            )
        elif started == PARSED_VIEW_ELEMENTS:
            break
        else:
            started += 1
            frames.append((found, {}))
    while frames:  # the walk stopped early: close what it had opened
        done, grouped = frames.pop()
        grouped[LEFT_OUT] = [True]
        (frames[-1][1] if frames else top).setdefault(_local(done), []).append(_view(done, grouped))
    return top[_local(element)][0]


def _view(element: Element, grouped: dict[str, list[View]]) -> View:
    if _local(element) in SECRET_ELEMENTS:
        return REDACTED
    if not grouped:
        return (element.text or "").strip()
    return {name: values[0] if len(values) == 1 else values for name, values in grouped.items()}


# --- Writing ---------------------------------------------------------------------------------


def build(tree: Tree, kind: str) -> bytes:
    """Serialise `(name, value)` pairs, in order, under ISO18626Message/kind. A value is a
    string, or a sequence of pairs for a nested element; None leaves the element out."""
    root = etree.Element(f"{{{NS}}}ISO18626Message", nsmap={None: NS, "ill": NS})
    root.set(f"{{{NS}}}version", VERSION)
    _fill(etree.SubElement(root, f"{{{NS}}}{kind}"), tree)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _fill(parent: Element, tree: Tree) -> None:
    for name, value in tree:
        if value is None:
            continue
        element = etree.SubElement(parent, f"{{{NS}}}{name}")
        if isinstance(value, str):
            element.text = value
        else:
            _fill(element, value)


def stamp(moment: datetime | None = None) -> str:
    """An xs:dateTime in UTC with milliseconds, as the standard's examples write it."""
    value = (moment or timezone.now()).astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def due_date(day: date) -> str:
    """A due date as the xs:dateTime the schema wants: noon UTC of that day, which is the same
    day in every time zone from UTC-11 to UTC+11, so a partner that reads the date, or converts
    the time to its own zone, reads the office's due date (the end of the day in UTC is already
    the next day east of it)."""
    return f"{day:%Y-%m-%d}T12:00:00Z"


def our_agency() -> Tree:
    """Our agency id (ISO18626_AGENCY_ID_TYPE and _VALUE), as our messages name it."""
    return [
        ("agencyIdType", settings.ISO18626_AGENCY_ID_TYPE),
        ("agencyIdValue", settings.ISO18626_AGENCY_ID_VALUE),
    ]


# --- Our confirmations: always v1.2, always HTTP 200, OK or ERROR with errorData ---------------


CONFIRMATION_OF = {
    "request": "requestConfirmation",
    "requestingAgencyMessage": "requestingAgencyMessageConfirmation",
    "supplyingAgencyMessage": "supplyingAgencyMessageConfirmation",
}


@dataclass(frozen=True)
class Answer:
    """What a message gets: OK, or ERROR with the errorType and a value saying what to fix."""

    status: str = "OK"  # messageStatus
    error_type: ErrorType | None = None
    error_value: str = ""


OK = Answer()


def error(error_type: ErrorType, value: str) -> Answer:
    return Answer("ERROR", error_type, value[:500])


def confirm(kind: str, element: Element, answer: Answer, received: datetime) -> bytes:
    """The confirmation of `kind` for the received `element` (its header echoed back)."""
    header = child(element, "header")
    sender = child(header, "requestingAgencyId")
    confirmation_header: list[tuple[str, Content]] = [
        ("supplyingAgencyId", our_agency()),
        (
            "requestingAgencyId",
            None
            if sender is None
            else [
                ("agencyIdType", text(sender, "agencyIdType")),
                ("agencyIdValue", text(sender, "agencyIdValue")),
            ],
        ),
        ("timestamp", stamp()),
        ("requestingAgencyRequestId", text(header, "requestingAgencyRequestId") or None),
        ("timestampReceived", stamp(received)),
        ("messageStatus", answer.status),
    ]
    tree: list[tuple[str, Content]] = [("confirmationHeader", confirmation_header)]
    if kind == "requestingAgencyMessage":
        tree.append(("action", _echo(text(element, "action"), PartnerAction)))
    elif kind == "supplyingAgencyMessage":
        tree.append(
            ("reasonForMessage", _echo(text(element, "messageInfo", "reasonForMessage"), Reason))
        )
    if answer.error_type:
        error_data = [("errorType", str(answer.error_type)), ("errorValue", answer.error_value)]
        tree.append(("errorData", error_data))
    return build(tree, CONFIRMATION_OF[kind])


def _echo(value: str, allowed: type[PartnerAction] | type[Reason]) -> str | None:
    """Echo the received value only when it is one the schema allows."""
    return value if value in {str(member) for member in allowed} else None
