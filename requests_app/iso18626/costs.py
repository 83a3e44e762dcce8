"""ISO 18626 costs (docs/fees.md, "ISO 18626"): a request's `billingInfo`, read and kept, and the
cost elements of the messages we send.

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
from decimal import Decimal, InvalidOperation

from django.db.models import CharField

from fees import services as fees
from fees.models import BillingInfo, Charge
from requests_app.iso18626 import xml
from requests_app.iso18626.statuses import SUPPLIED, IsoStatus
from requests_app.models import Request, Status

_LENGTHS = {
    field.name: field.max_length or 0
    for field in BillingInfo._meta.fields
    if isinstance(field, CharField)
}
_ADDRESS_LINES = ("line1", "line2", "locality", "postalCode", "region", "country")
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


def keep_billing(request: Request, element: xml.Element) -> None:
    """Keep the request's `billingInfo` with it; called in the intake's transaction."""
    billing = read_billing(element)
    if billing is not None:
        billing.request = request
        billing.save()


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


@dataclass(frozen=True)
class CostElements:
    offered: fees.Cost | None  # messageInfo/offeredCosts
    delivery: fees.Cost | None  # deliveryInfo/deliveryCosts


def cost_elements(request: Request) -> CostElements:
    """The costs a message about the request as it is now carries."""
    if request.status == Status.QUOTED and request.quote_amount is not None:
        return CostElements(fees.Cost(request.quote_amount, "USD"), None)
    row = request.status_row
    will_supply = row.partner.iso == IsoStatus.WILL_SUPPLY and not row.asks_quote
    if will_supply and not request.is_duplication:  # in process, or a conditional reply
        quote = fees.likely_charge(request)
        if quote is None:
            return CostElements(None, None)
        if request.status == Status.IN_PROCESS and fees.above_maximum(request, quote):
            return CostElements(None, None)
        return CostElements(fees.Cost(quote.amount, quote.currency), None)
    if request.status in SUPPLIED:
        charge = Charge.objects.for_supply().filter(request=request).first()
        return CostElements(None, fees.Cost(charge.amount, charge.currency) if charge else None)
    return CostElements(None, None)
