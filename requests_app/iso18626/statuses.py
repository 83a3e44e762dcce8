"""The enums of ISO 18626 we use, and what a partner is told in each workflow status.

The ISO status of each workflow status is a column of the one status table
(requests_app/models/status.py), read here as `STATUS_TABLE`; the statuses in which the item was
supplied (`SUPPLIED`: a Cancel can no longer stop it) or the request ended unsupplied
(`ENDED_UNSUPPLIED`: what a Cancel asks for) are the table's too (docs/iso18626.md, "Status
mapping")."""

from __future__ import annotations

from enum import StrEnum

from requests_app.models import (
    ENDED_UNSUPPLIED,
    STATUS_ROWS,
    SUPPLIED,
    Action,
    IsoStatus,
    PartnerStatus,
    RefusalReason,
    Request,
    RequestEvent,
    Status,
)

__all__ = ["ENDED_UNSUPPLIED", "SUPPLIED", "IsoStatus"]  # read by the outbox from here


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


# What a partner is told in each workflow status: the `partner` column of the status table.
STATUS_TABLE: dict[Status, PartnerStatus] = {
    status: row.partner for status, row in STATUS_ROWS.items()
}

# The note of a copy held for staff to confirm its title key (docs/copyright.md section 10,
# ruling 6) instead of the clearance row's: what holds it is the title, not the rule of five.
KEY_TO_CONFIRM_NOTE = (
    "Held for copyright: the title needs staff to confirm which journal it is "
    "before the copy is counted."
)

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
    return request.status_row.loan_out and Action.RECALLED in since_lent(request)
