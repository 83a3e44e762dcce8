"""Building our `supplyingAgencyMessage`s: the request as it is now, shaped for the partner's ILL
system (peers.PEERS), with its status (STATUS_TABLE), terms, delivery and return information
(docs/iso18626.md, "Messages we send").

Its cost elements (docs/fees.md, "ISO 18626"):

- `offeredCosts` (messageInfo): on a WillSupply, what supplying will charge. A conditional reply
  names the charge whatever it is (a charge above the library's maximum cost is offered this
  way, for the library to accept); a plain WillSupply names it only within the maximum, or once
  the library has accepted a conditional reply with it. A price quote names its price.
- `deliveryCosts` (deliveryInfo): on Loaned / CopyCompleted, what supplying it was charged; a
  supply above the maximum is refused before it is charged (`fees.services.charge_for_transition`),
  so it is never more than the library agreed to.

Peers read these elements as docs/iso18626.md, "Peers", says (`peers.PEERS`: ReShare's condition
markers around the offer's note, Alma's "Condition: ..., Cost: ..." in the note)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from fees import services as fees
from fees.models import Charge
from fees.services import Cost
from illdesk.office import office_contact
from requests_app.iso18626 import xml
from requests_app.iso18626.models import IsoTransaction
from requests_app.iso18626.peers import Peer, peer_of
from requests_app.iso18626.statuses import (
    REASON_UNFILLED,
    STATUS_TABLE,
    SUPPLIED,
    IsoStatus,
    LoanCondition,
    Reason,
    is_recalled,
    loan_condition,
)
from requests_app.models import RefusalReason, Request, Status

DOWNLOAD_SALT = "iso18626.copy"
# The nested (element, content) pairs xml.build writes, built up in order.
Tree = list[tuple[str, xml.Content]]


@dataclass(frozen=True)
class CurrentStatus:
    iso: IsoStatus
    note: str


def status_of(request: Request) -> CurrentStatus:
    """The ISO status of the request now (STATUS_TABLE; a recalled loan is Recalled), and what
    the status note says."""
    row = STATUS_TABLE[Status(request.status)]
    note = row.note
    iso = (
        IsoStatus.RECALLED if request.status == Status.ON_LOAN and is_recalled(request) else row.iso
    )
    if request.status == Status.CONDITIONAL:
        note = f"{row.note} {request.conditions}".strip()
    elif request.status == Status.QUOTED and request.quote_amount is not None:
        note = f"{row.note} US ${request.quote_amount:,.2f}. {request.quote_note}".strip()
    elif request.status == Status.REFUSED:
        note = request.reason
    return CurrentStatus(iso, note)


@dataclass(frozen=True)
class Built:
    body: bytes
    status: IsoStatus
    note: str


def build_status_message(
    request: Request, link: IsoTransaction, reason: Reason, *, answer: str | None, note: str = ""
) -> Built:
    """A supplyingAgencyMessage about the request as it is now, shaped for the partner's ILL
    system (peers.PEERS)."""
    peer = peer_of(link.partner)
    current = status_of(request)
    iso = current.iso
    if iso == IsoStatus.EXPECT_TO_SUPPLY and not peer.expect_to_supply:
        iso = IsoStatus.WILL_SUPPLY
    offer = request.status_row.offered
    elements = cost_elements(request)
    cost = elements.offered
    condition = loan_condition(request) if request.status == Status.CONDITIONAL else None
    condition = (
        LoanCondition.OTHER if offer and cost is not None and condition is None else condition
    )
    text = " ".join(
        filter(
            None,
            [
                note,
                _terms_note(peer, condition, cost) if offer else "",
                peer.conditions_prefix if offer else "",
                current.note,
                peer.conditions_suffix if offer else "",
                _link_note(request),
                _return_note() if peer.return_address_in_note and iso == IsoStatus.LOANED else "",
            ],
        )
    )
    message_info: Tree = [
        ("reasonForMessage", str(reason)),
        ("answerYesNo", answer),
        ("note", text or None),
        ("reasonUnfilled", _reason_unfilled(request)),
        ("offeredCosts", _costs(cost) if cost is not None else None),
    ]
    status_info: Tree = [
        ("status", str(iso)),
        (
            "dueDate",
            xml.due_date(request.due_date) if request.due_date and _on_loan(request) else None,
        ),
        ("lastChange", xml.stamp(request.updated_at)),
    ]
    tree: Tree = [
        ("header", header(link, supplying_request_id=str(request.pk))),
        ("messageInfo", message_info),
        ("statusInfo", status_info),
        ("deliveryInfo", _delivery_info(request, iso, condition, elements.delivery)),
        ("returnInfo", _return_info() if iso in _LOAN_OUT else None),
    ]
    return Built(xml.build(tree, "supplyingAgencyMessage"), iso, text)


_LOAN_OUT = (IsoStatus.LOANED, IsoStatus.OVERDUE, IsoStatus.RECALLED)


def header(link: IsoTransaction, *, supplying_request_id: str) -> Tree:
    partner = link.partner
    return [
        ("supplyingAgencyId", xml.our_agency()),
        ("requestingAgencyId", xml.agency(partner.agency_id_type, partner.agency_id_value)),
        ("multipleItemRequestId", ""),
        ("timestamp", xml.stamp()),
        ("requestingAgencyRequestId", link.requesting_agency_request_id),
        ("supplyingAgencyRequestId", supplying_request_id),
    ]


def _on_loan(request: Request) -> bool:
    return request.status in Request.LOAN_OUT_STATUSES and request.due_date is not None


def _reason_unfilled(request: Request) -> str | None:
    if request.status != Status.REFUSED or not request.refusal_reason:
        return None
    return REASON_UNFILLED[RefusalReason(request.refusal_reason)]


def _costs(cost: Cost) -> Tree:
    return [("currencyCode", cost.currency), ("monetaryValue", f"{cost.amount:.2f}")]


def _terms_note(peer: Peer, condition: LoanCondition | None, cost: Cost | None) -> str:
    """ "Condition: ..., Cost: 12.50 USD" for a peer that shows neither element."""
    if not peer.terms_in_note:
        return ""
    terms = [
        f"Condition: {condition}" if condition else "",
        f"Cost: {cost.amount:.2f} {cost.currency}" if cost else "",
    ]
    return ", ".join(filter(None, terms))


def _delivery_info(
    request: Request, iso: IsoStatus, condition: LoanCondition | None, cost: Cost | None
) -> Tree | None:
    """What was sent (a copy's link, a loan's barcode: the request number on its book band), or
    the condition of an offer (the schema wants a dateSent: the time of the offer)."""
    if condition is not None:
        return [("dateSent", xml.stamp(request.updated_at)), ("loanCondition", str(condition))]
    supplied = (IsoStatus.COPY_COMPLETED, *_LOAN_OUT)
    if iso not in supplied or request.supplied_at is None:
        return None
    if iso == IsoStatus.COPY_COMPLETED:
        item_id = download_url(request) if request.delivered_file else None
        via = "URL" if request.delivered_file else "Mail"
    else:
        item_id, via = str(request.pk), "Mail"
    return [
        ("dateSent", xml.stamp(request.supplied_at)),
        ("itemId", item_id),
        ("sentVia", via),
        ("deliveryCosts", _costs(cost) if cost is not None else None),
    ]


def _return_info() -> Tree:
    """Where a loan comes back to: the office's name and address (OFFICE_NAME, OFFICE_ADDRESS)."""
    office = office_contact()
    lines = office.address_lines
    address = [("line1", lines[0]), ("line2", ", ".join(lines[1:]) or None)] if lines else None
    return [
        ("returnAgencyId", xml.our_agency()),
        ("name", office.name),
        ("physicalAddress", address),
    ]


def _return_note() -> str:
    office = office_contact()
    return "Return to: " + ", ".join([office.name, *office.address_lines]) + "."


def _link_note(request: Request) -> str:
    if request.status != Status.DELIVERED or not request.delivered_file:
        return ""
    expires = request.file_expires_at
    until = f" until {expires:%Y-%m-%d}" if expires else ""
    return f"Download the copy{until}: {download_url(request)}"


def download_url(request: Request) -> str:
    token = signing.dumps(request.pk, salt=DOWNLOAD_SALT)
    return settings.SITE_URL.rstrip("/") + reverse("iso18626:copy", args=[token])


@dataclass(frozen=True)
class CostElements:
    offered: fees.Cost | None  # messageInfo/offeredCosts
    delivery: fees.Cost | None  # deliveryInfo/deliveryCosts


def cost_elements(request: Request) -> CostElements:
    """The costs a message about the request as it is now carries."""
    if request.status == Status.QUOTED and request.quote_amount is not None:
        return CostElements(Cost(request.quote_amount, "USD"), None)
    row = request.status_row
    will_supply = row.partner.iso == IsoStatus.WILL_SUPPLY and not row.asks_quote
    if will_supply and not request.is_duplication:  # in process, or a conditional reply
        quote = fees.likely_charge(request)
        if quote is None:
            return CostElements(None, None)
        if request.status == Status.IN_PROCESS and fees.above_maximum(request, quote):
            return CostElements(None, None)
        return CostElements(Cost(quote.amount, quote.currency), None)
    if request.status in SUPPLIED:
        charge = Charge.objects.for_supply().filter(request=request).first()
        return CostElements(None, Cost(charge.amount, charge.currency) if charge else None)
    return CostElements(None, None)
