"""The one table from the office workflow to ISO 18626, and the enums of the standard we use.

Every workflow status has one row: the ISO status a partner is told when a request reaches it,
and whether that is a final answer. The outbox, the status request and the tests all read it
(docs/iso18626.md, "Status mapping")."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from requests_app.models import Action, RefusalReason, Request, RequestEvent, Status


class IsoStatus(StrEnum):
    REQUEST_RECEIVED = "RequestReceived"
    EXPECT_TO_SUPPLY = "ExpectToSupply"
    WILL_SUPPLY = "WillSupply"
    LOANED = "Loaned"
    OVERDUE = "Overdue"
    RECALLED = "Recalled"
    UNFILLED = "Unfilled"
    COPY_COMPLETED = "CopyCompleted"
    LOAN_COMPLETED = "LoanCompleted"
    COMPLETED_WITHOUT_RETURN = "CompletedWithoutReturn"
    CANCELLED = "Cancelled"


class Reason(StrEnum):
    """supplyingAgencyMessage/messageInfo/reasonForMessage."""

    REQUEST_RESPONSE = "RequestResponse"
    STATUS_REQUEST_RESPONSE = "StatusRequestResponse"
    RENEW_RESPONSE = "RenewResponse"
    CANCEL_RESPONSE = "CancelResponse"
    STATUS_CHANGE = "StatusChange"
    NOTIFICATION = "Notification"


class ErrorType(StrEnum):
    UNSUPPORTED_ACTION_TYPE = "UnsupportedActionType"
    UNSUPPORTED_REASON_FOR_MESSAGE_TYPE = "UnsupportedReasonForMessageType"
    UNRECOGNISED_DATA_ELEMENT = "UnrecognisedDataElement"
    UNRECOGNISED_DATA_VALUE = "UnrecognisedDataValue"
    BADLY_FORMED_MESSAGE = "BadlyFormedMessage"


class PartnerAction(StrEnum):
    """requestingAgencyMessage/action."""

    STATUS_REQUEST = "StatusRequest"
    RECEIVED = "Received"
    CANCEL = "Cancel"
    RENEW = "Renew"
    SHIPPED_RETURN = "ShippedReturn"
    SHIPPED_FORWARD = "ShippedForward"
    NOTIFICATION = "Notification"


@dataclass(frozen=True)
class Row:
    iso: IsoStatus
    note: str = ""


STATUS_TABLE: dict[Status, Row] = {
    Status.NEW: Row(IsoStatus.EXPECT_TO_SUPPLY),
    Status.AWAITING_CLEARANCE: Row(
        IsoStatus.EXPECT_TO_SUPPLY, "Held for copyright permission (rule of five)."
    ),
    Status.IN_PROCESS: Row(IsoStatus.WILL_SUPPLY),
    Status.CONDITIONAL: Row(IsoStatus.WILL_SUPPLY, "Conditional:"),
    Status.QUOTED: Row(IsoStatus.WILL_SUPPLY, "Price quote to approve:"),
    Status.DELIVERED: Row(IsoStatus.COPY_COMPLETED),
    Status.ON_LOAN: Row(IsoStatus.LOANED),
    Status.OVERDUE: Row(IsoStatus.OVERDUE),
    Status.RETURNED: Row(IsoStatus.LOAN_COMPLETED),
    Status.LOST: Row(IsoStatus.COMPLETED_WITHOUT_RETURN),
    Status.REFUSED: Row(IsoStatus.UNFILLED),
    Status.CANCELLED: Row(IsoStatus.CANCELLED),
}

# messageInfo/reasonUnfilled for each refusal reason (the standard's open list of values).
REASON_UNFILLED: dict[RefusalReason, str] = {
    RefusalReason.NOT_OWNED: "NotHeld",
    RefusalReason.IN_USE: "NotAvailableForILL",
    RefusalReason.TOO_FRAGILE: "PoorCondition",
    RefusalReason.COPYRIGHT: "PolicyProblem",
    RefusalReason.POLICY: "PolicyProblem",
}

# serviceInfo/copyrightCompliance (any case) -> the compliance statement of the copy form.
COPYRIGHT_COMPLIANCE = {"US-CCG": "CCG", "US-CCL": "CCL"}

# Statuses in which the item has been supplied: a Cancel can no longer stop it.
SUPPLIED = (Status.DELIVERED, Status.ON_LOAN, Status.OVERDUE, Status.RETURNED, Status.LOST)
# Statuses in which the request ended without being supplied: what a partner's Cancel asks for,
# so the CancelResponse says yes.
ENDED_UNSUPPLIED = (Status.CANCELLED, Status.REFUSED)


class LoanCondition(StrEnum):
    """deliveryInfo/loanCondition: the standard's values, and ReShare's `Other` for the rest."""

    LIBRARY_USE_ONLY = "LibraryUseOnly"
    NO_REPRODUCTION = "NoReproduction"
    SIGNATURE_REQUIRED = "SignatureRequired"
    SPECIAL_COLLECTIONS_SUPERVISION = "SpecCollSupervReq"
    OTHER = "Other"


# The words of a conditional reply that name a standard condition, most specific first.
CONDITION_WORDS: tuple[tuple[tuple[str, ...], LoanCondition], ...] = (
    (("supervis",), LoanCondition.SPECIAL_COLLECTIONS_SUPERVISION),
    (("library use only", "in-library use", "reading room"), LoanCondition.LIBRARY_USE_ONLY),
    (("no cop", "no reproduction", "not be copied", "no photocop"), LoanCondition.NO_REPRODUCTION),
    (("signature",), LoanCondition.SIGNATURE_REQUIRED),
)


def loan_condition(request: Request) -> LoanCondition:
    """The code a conditional reply is sent with; the conditions' own words go in the note."""
    if request.library_use_only:
        return LoanCondition.LIBRARY_USE_ONLY
    if request.no_copying:
        return LoanCondition.NO_REPRODUCTION
    text = request.conditions.lower()
    for words, condition in CONDITION_WORDS:
        if any(word in text for word in words):
            return condition
    return LoanCondition.OTHER


# --- The loan out: what happened since it was lent or last renewed ---------------------------

_LENT = (Action.SHIPPED, Action.RENEWED)


def since_lent(request: Request) -> set[str]:
    """The recall and renewal decisions taken since the loan was shipped or last renewed."""
    actions = (
        RequestEvent.objects.filter(
            request_id=request.pk,
            action__in=(*_LENT, Action.RECALLED, Action.RENEWAL_DECLINED),
        )
        .order_by("-created_at", "-pk")
        .values_list("action", flat=True)
    )
    found: set[str] = set()
    for action in actions:
        if action in _LENT:
            break
        found.add(action)
    return found


def is_recalled(request: Request) -> bool:
    return request.status in Request.LOAN_OUT_STATUSES and Action.RECALLED in since_lent(request)
