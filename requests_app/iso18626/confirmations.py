"""The confirmations we answer with: always v1.2, always HTTP 200, OK or ERROR with errorData."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from requests_app.iso18626 import xml
from requests_app.iso18626.messages import our_agency
from requests_app.iso18626.statuses import ErrorType, PartnerAction, Reason

CONFIRMATION_OF = {
    "request": "requestConfirmation",
    "requestingAgencyMessage": "requestingAgencyMessageConfirmation",
    "supplyingAgencyMessage": "supplyingAgencyMessageConfirmation",
}


@dataclass(frozen=True)
class Answer:
    """What a message gets: OK, or ERROR with the errorType and a value saying what to fix."""

    error_type: ErrorType | None = None
    error_value: str = ""

    @property
    def status(self) -> str:
        return "ERROR" if self.error_type else "OK"


OK = Answer()


def error(error_type: ErrorType, value: str) -> Answer:
    return Answer(error_type, value[:500])


def confirm(kind: str, element: xml.Element, answer: Answer, received: datetime) -> bytes:
    """The confirmation of `kind` for the received `element` (its header echoed back)."""
    header = xml.child(element, "header")
    confirmation_header: list[tuple[str, xml.Content]] = [
        ("supplyingAgencyId", our_agency()),
        ("requestingAgencyId", _agency(header, "requestingAgencyId")),
        ("timestamp", xml.stamp()),
        ("requestingAgencyRequestId", _present(xml.text(header, "requestingAgencyRequestId"))),
        ("timestampReceived", xml.stamp(received)),
        ("messageStatus", answer.status),
    ]
    tree: list[tuple[str, xml.Content]] = [("confirmationHeader", confirmation_header)]
    if kind == "requestingAgencyMessage":
        tree.append(("action", _echo(xml.text(element, "action"), PartnerAction)))
    elif kind == "supplyingAgencyMessage":
        reason = xml.text(element, "messageInfo", "reasonForMessage")
        tree.append(("reasonForMessage", _echo(reason, Reason)))
    if answer.error_type:
        error_data = [("errorType", str(answer.error_type)), ("errorValue", answer.error_value)]
        tree.append(("errorData", error_data))
    return xml.build(tree, CONFIRMATION_OF[kind])


def _agency(header: xml.Element | None, name: str) -> xml.Tree | None:
    found = xml.child(header, name)
    if found is None:
        return None
    return xml.agency(xml.text(found, "agencyIdType"), xml.text(found, "agencyIdValue"))


def _present(value: str) -> str | None:
    return value or None


def _echo(value: str, allowed: type[PartnerAction] | type[Reason]) -> str | None:
    """Echo the received value only when it is one the schema allows."""
    return value if value in {str(member) for member in allowed} else None
