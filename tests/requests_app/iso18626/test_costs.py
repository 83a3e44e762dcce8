"""ISO 18626 costs (docs/fees.md, "ISO 18626"): `billingInfo` read and kept; `offeredCosts` on
WillSupply only within the library's maximum, a cost above it offered as a conditional reply the
partner answers with its own marker, and `deliveryCosts` on Loaned / CopyCompleted."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from fees.models import BillingInfo, Charge, Fee, FeeService
from fees.services import ChargeAboveMaximum, cost_conditions
from requests_app import services
from requests_app.iso18626.models import (
    ALMA_AWAITING_CONDITIONS,
    RESHARE_ADD_CONDITION,
    IsoMessage,
    IsoPartner,
)
from requests_app.models import Request, Status
from tests.factories import make_institution
from tests.fees.conftest import make_schedule
from tests.requests_app.iso18626.helpers import (
    NS,
    SAMPLES,
    action,
    assert_valid,
    find,
    loan_request,
    make_partner,
    post,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def schedule(db: None) -> dict[FeeService, Fee]:
    return make_schedule()


BILLING = (
    "<billingInfo><paymentMethod>IFMAccount</paymentMethod>"
    "<maximumCosts><currencyCode>{currency}</currencyCode>"
    "<monetaryValue>{amount}</monetaryValue></maximumCosts>"
    "<billingMethod>Invoice</billingMethod><billingName>Acquisitions, Test Library</billingName>"
    "<address><physicalAddress><line1>1 Library Way</line1><locality>Springfield</locality>"
    "<postalCode>01101</postalCode><country>US</country></physicalAddress></address>"
    "</billingInfo>"
)


def requested(client: Client, *, amount: str, currency: str = "USD", quirks: str = "") -> Request:
    partner = make_partner(make_institution())
    if quirks:
        IsoPartner.objects.filter(pk=partner.pk).update(quirks=quirks)
    billing = BILLING.format(amount=amount, currency=currency)
    body = loan_request("r-1").replace(b"</request>", f"{billing}</request>".encode())
    assert_valid(body)
    assert find(post(client, body).content, "confirmationHeader/messageStatus") == "OK"
    return Request.objects.get()


def last_sent(item: Request) -> bytes:
    sent = IsoMessage.objects.filter(request=item, direction="out").exclude(
        summary__startswith="Notification"
    )
    message = sent.order_by("pk").last()
    assert message is not None
    raw = message.raw.encode()
    assert_valid(raw)
    return raw


def ship(item: Request, staff: Any) -> Request:
    item.refresh_from_db()
    due = timezone.localdate() + timedelta(days=14)
    return services.ship_loan(item, seen=item.status, due_date=due, acting_user=staff)


def test_the_reshare_sample_s_billing_info_is_kept_and_shown_on_the_desk(
    client: Client, desk: Client, schedule: dict[FeeService, Fee]
) -> None:
    # The billingInfo element exactly as ReShare writes it, in a request the office can take
    # (the sample's other elements are placeholders it refuses, such as copyrightCompliance1).
    sample = etree.parse(str(next(p for p in SAMPLES if p.name == "modrs-request.xml")))
    element = sample.getroot().find(f"{{{NS}}}billingInfo")
    assert element is not None
    billing_info = etree.tostring(element)
    make_partner(make_institution())
    body = loan_request("r-1").replace(b"</request>", billing_info + b"</request>")
    answer = post(client, body)
    assert find(answer.content, "confirmationHeader/messageStatus") == "OK", answer.content

    billing = BillingInfo.objects.get()
    assert (billing.payment_method, billing.billing_method, billing.billing_name) == (
        "paymentMethod1",
        "billingMethod1",
        "billingName1",
    )
    assert (billing.maximum_sent, str(billing.maximum_amount), billing.maximum_currency) == (
        True,
        "1.00",
        "CURRENCYCODE1",
    )
    page = desk.get(reverse("desk:detail", args=[billing.request_id])).content.decode()
    assert "<dt>Bill to</dt><dd>billingName1</dd>" in page
    assert "<dt>Payment method</dt><dd>paymentMethod1</dd>" in page


def test_a_maximum_in_another_currency_is_never_charged_silently(
    client: Client, staff: Any, schedule: dict[FeeService, Fee]
) -> None:
    loan = requested(client, amount="100.00", currency="EUR")
    kept = BillingInfo.objects.get(request=loan)
    assert kept.address == "1 Library Way\nSpringfield\n01101\nUS"
    assert loan.max_cost is None  # the column holds US dollars

    with pytest.raises(ChargeAboveMaximum, match="maximum cost of EUR 100.00"):
        ship(loan, staff)

    loan.refresh_from_db()
    assert loan.status == Status.NEW and not Charge.objects.exists()
    assert "costs USD 15.00, above your maximum cost of EUR 100.00" in cost_conditions(loan)


def test_will_supply_offers_the_cost_within_the_maximum(
    client: Client, staff: Any, schedule: dict[FeeService, Fee]
) -> None:
    loan = requested(client, amount="20.00")
    services.accept_request(loan, seen=loan.status, acting_user=staff)

    sent = last_sent(loan)
    assert find(sent, "statusInfo/status") == "WillSupply"
    assert find(sent, "messageInfo/offeredCosts/monetaryValue") == "15.00"
    assert find(sent, "messageInfo/offeredCosts/currencyCode") == "USD"
    assert find(sent, "deliveryInfo/loanCondition") == ""

    ship(loan, staff)
    loaned = last_sent(loan)
    assert find(loaned, "statusInfo/status") == "Loaned"
    assert find(loaned, "deliveryInfo/deliveryCosts/monetaryValue") == "15.00"


def test_will_supply_does_not_offer_a_cost_above_the_maximum(
    client: Client, staff: Any, schedule: dict[FeeService, Fee]
) -> None:
    loan = requested(client, amount="10.00")
    services.accept_request(loan, seen=loan.status, acting_user=staff)

    sent = last_sent(loan)
    assert find(sent, "statusInfo/status") == "WillSupply"
    assert b"offeredCosts" not in sent


@pytest.mark.parametrize(
    ("quirks", "marker", "agreement"),
    [
        (IsoPartner.Quirks.RESHARE, RESHARE_ADD_CONDITION, "#ReShareLoanConditionAgreeResponse#"),
        (IsoPartner.Quirks.ALMA, ALMA_AWAITING_CONDITIONS, "ACCEPT"),
    ],
)
def test_a_cost_above_the_maximum_is_offered_agreed_and_then_charged(
    client: Client,
    staff: Any,
    schedule: dict[FeeService, Fee],
    quirks: str,
    marker: str,
    agreement: str,
) -> None:
    loan = requested(client, amount="10.00", quirks=quirks)
    services.reply_conditionally(
        loan, seen=loan.status, conditions=cost_conditions(loan), acting_user=staff
    )
    offer = last_sent(loan)
    assert find(offer, "statusInfo/status") == "WillSupply"
    assert find(offer, "messageInfo/offeredCosts/monetaryValue") == "15.00"
    assert find(offer, "deliveryInfo/loanCondition") == "Other"
    assert marker in find(offer, "messageInfo/note")
    if quirks == IsoPartner.Quirks.ALMA:
        assert "Cost: 15.00 USD" in find(offer, "messageInfo/note")

    post(client, action("r-1", "Notification", agreement))
    loan.refresh_from_db()
    assert loan.status == Status.IN_PROCESS

    ship(loan, staff)
    loaned = last_sent(loan)
    assert find(loaned, "statusInfo/status") == "Loaned"
    assert find(loaned, "deliveryInfo/deliveryCosts/monetaryValue") == "15.00"
    assert find(loaned, "deliveryInfo/deliveryCosts/currencyCode") == "USD"
    assert Charge.objects.get(request=loan).amount == 15
