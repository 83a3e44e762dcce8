"""Requesting-agency messages go to the services the portal and desk use; each answer is queued
in the outbox as the standard's response (sent by the worker: see test_lifecycles)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from requests_app import services
from requests_app.iso18626.models import IsoMessage
from requests_app.models import Request, Status
from requests_app.scheduled import mark_overdue_loans
from tests.factories import make_institution, make_staff
from tests.requests_app.iso18626.helpers import (
    action,
    assert_valid,
    find,
    loan_request,
    make_partner,
    post,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def loan(client: Client) -> Request:
    make_partner(make_institution())
    post(client, loan_request("r-1"))
    return Request.objects.get()


@pytest.fixture
def staff() -> Any:
    return make_staff()


def _last_sent(request: Request) -> bytes:
    return IsoMessage.objects.filter(request=request, direction="out").last().raw.encode()  # type: ignore[union-attr]


def _answer(response: Any) -> str:
    return find(response.content, "confirmationHeader/messageStatus")


def _ship(loan: Request, staff: Any) -> None:
    due = timezone.localdate() + timedelta(days=14)
    services.ship_loan(loan, seen=loan.status, due_date=due, acting_user=staff)


def test_a_cancel_while_new_cancels_and_answers_yes(client: Client, loan: Request) -> None:
    assert _answer(post(client, action("r-1", "Cancel"))) == "OK"

    loan.refresh_from_db()
    assert loan.status == Status.CANCELLED
    sent = _last_sent(loan)
    assert find(sent, "messageInfo/reasonForMessage") == "CancelResponse"
    assert find(sent, "messageInfo/answerYesNo") == "Y"


def test_a_cancel_in_process_waits_for_staff_whose_cancel_answers_it(
    client: Client, loan: Request, staff: Any
) -> None:
    services.accept_request(loan, seen=loan.status, acting_user=staff)
    post(client, action("r-1", "Cancel"))
    loan.refresh_from_db()
    assert loan.status == Status.IN_PROCESS and loan.iso_transaction.cancel_asked

    services.cancel_request(loan, seen=loan.status, reason="As asked", acting_user=staff)

    sent = _last_sent(loan)
    assert (find(sent, "messageInfo/reasonForMessage"), find(sent, "statusInfo/status")) == (
        "CancelResponse",
        "Cancelled",
    )


def test_a_cancel_in_process_that_staff_ship_is_answered_no(
    client: Client, loan: Request, staff: Any
) -> None:
    services.accept_request(loan, seen=loan.status, acting_user=staff)
    post(client, action("r-1", "Cancel"))

    _ship(loan, staff)

    sent = _last_sent(loan)
    assert find(sent, "messageInfo/answerYesNo") == "N"
    assert find(sent, "statusInfo/status") == "Loaned"


def test_a_second_renewal_is_refused(client: Client, loan: Request, staff: Any) -> None:
    _ship(loan, staff)
    post(client, action("r-1", "Renew"))
    first = _last_sent(loan)
    post(client, action("r-1", "Renew"))
    second = _last_sent(loan)

    assert find(first, "messageInfo/answerYesNo") == "Y"
    assert find(second, "messageInfo/answerYesNo") == "N"
    loan.refresh_from_db()
    assert loan.renewals == 1


def test_a_status_request_is_answered_with_the_current_status(
    client: Client, loan: Request, staff: Any
) -> None:
    _ship(loan, staff)

    post(client, action("r-1", "StatusRequest"))

    sent = _last_sent(loan)
    assert find(sent, "messageInfo/reasonForMessage") == "StatusRequestResponse"
    assert find(sent, "statusInfo/status") == "Loaned"


def test_agreeing_to_conditions_continues_the_request(
    client: Client, loan: Request, staff: Any
) -> None:
    services.reply_conditionally(
        loan, seen=loan.status, conditions="Library use only", acting_user=staff
    )
    offer = _last_sent(loan)

    post(client, action("r-1", "Notification", "#ReShareLoanConditionAgreeResponse#"))

    loan.refresh_from_db()
    assert loan.status == Status.IN_PROCESS
    assert find(offer, "statusInfo/status") == "WillSupply"
    assert "Library use only" in find(offer, "messageInfo/note")


@pytest.mark.parametrize("name", ["ShippedForward", "Teleport"])
def test_an_unsupported_action_is_an_error(client: Client, loan: Request, name: str) -> None:
    response = post(client, action("r-1", name))

    assert find(response.content, "errorData/errorType") == "UnsupportedActionType"


def test_another_partners_request_id_is_not_found(client: Client, loan: Request) -> None:
    other = make_partner(make_institution(), agency=("OCLC", "OTHER"))
    body = action("r-1", "Cancel").replace(b">REQ<", f">{other.agency_id_value}<".encode())

    response = post(client, body)

    assert find(response.content, "errorData/errorType") == "UnrecognisedDataValue"
    loan.refresh_from_db()
    assert loan.status == Status.NEW


def test_received_is_noted_on_the_timeline(client: Client, loan: Request) -> None:
    post(client, action("r-1", "Received", "Arrived fine"))

    assert loan.events.filter(action="library_message", text__contains="Arrived fine").exists()


def test_a_staff_message_reaches_the_partner_as_a_notification(loan: Request, staff: Any) -> None:
    services.send_message(loan, text="The volume is at the bindery until May.", acting_user=staff)

    sent = _last_sent(loan)
    assert find(sent, "messageInfo/reasonForMessage") == "Notification"
    assert "at the bindery" in find(sent, "messageInfo/note")
    assert find(sent, "statusInfo/status") == "ExpectToSupply"


def test_the_daily_job_tells_the_partner_a_loan_is_overdue(loan: Request, staff: Any) -> None:
    _ship(loan, staff)
    assert loan.due_date is not None

    mark_overdue_loans(today=loan.due_date + timedelta(days=1))

    sent = _last_sent(loan)
    assert find(sent, "statusInfo/status") == "Overdue"
    assert find(sent, "statusInfo/dueDate").startswith(loan.due_date.isoformat())


def test_a_recall_tells_the_partner_recalled_with_the_new_due_date(
    loan: Request, staff: Any
) -> None:
    _ship(loan, staff)
    sooner = timezone.localdate() + timedelta(days=3)

    services.recall_loan(loan, seen=loan.status, due_date=sooner, acting_user=staff)

    sent = _last_sent(loan)
    assert_valid(sent)
    assert find(sent, "messageInfo/reasonForMessage") == "StatusChange"
    assert find(sent, "statusInfo/status") == "Recalled"
    assert find(sent, "statusInfo/dueDate").startswith(sooner.isoformat())
