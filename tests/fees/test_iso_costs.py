"""ISO 18626: a supplied request's message tells the partner what supplying it charged."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fees.models import Fee, FeeService
from requests_app import services
from requests_app.iso18626.models import IsoMessage
from requests_app.models import Request
from tests.factories import make_institution
from tests.requests_app.iso18626.helpers import assert_valid, find, loan_request, make_partner, post

pytestmark = pytest.mark.django_db


def shipped_by_iso(client: Client, staff: Any) -> bytes:
    make_partner(make_institution())
    post(client, loan_request("r-1"))
    loan = Request.objects.get()
    due = timezone.localdate() + timedelta(days=14)
    services.ship_loan(loan, seen=loan.status, due_date=due, acting_user=staff)
    sent = IsoMessage.objects.filter(request=loan, direction="out").last()
    assert sent is not None
    return sent.raw.encode()


def test_the_loaned_message_carries_the_delivery_costs(
    client: Client, staff: Any, schedule: dict[FeeService, Fee]
) -> None:
    sent = shipped_by_iso(client, staff)
    assert_valid(sent)
    assert find(sent, "statusInfo/status") == "Loaned"
    assert find(sent, "deliveryInfo/deliveryCosts/monetaryValue") == "15.00"
    assert find(sent, "deliveryInfo/deliveryCosts/currencyCode") == "USD"


def test_a_supply_without_a_charge_sends_no_delivery_costs(client: Client, staff: Any) -> None:
    sent = shipped_by_iso(client, staff)
    assert_valid(sent)
    assert b"deliveryCosts" not in sent


def test_a_conditional_reply_above_the_maximum_offers_the_cost(
    client: Client, staff: Any, schedule: dict[FeeService, Fee]
) -> None:
    make_partner(make_institution())
    post(client, loan_request("r-1"))
    Request.objects.update(max_cost=Decimal("10.00"))
    loan = Request.objects.get()
    services.reply_conditionally(
        loan, seen=loan.status, conditions="The loan costs USD 15.00.", acting_user=staff
    )
    sent = IsoMessage.objects.filter(request=loan, direction="out").last()
    assert sent is not None
    raw = sent.raw.encode()
    assert_valid(raw)
    assert find(raw, "statusInfo/status") == "WillSupply"
    assert find(raw, "deliveryInfo/loanCondition") != ""
    assert find(raw, "messageInfo/offeredCosts/monetaryValue") == "15.00"
    assert find(raw, "messageInfo/offeredCosts/currencyCode") == "USD"
