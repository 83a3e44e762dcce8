"""Values that once gave HTTP 500 get an answer instead: a page number of thousands of digits,
a Renew of a loan due on the last representable day (docs/iso18626.md, "The endpoint")."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from requests_app import services
from requests_app.iso18626.models import IsoMessage
from requests_app.models import Request
from tests.factories import make_institution, make_staff
from tests.requests_app.iso18626.helpers import (
    action,
    copy_request,
    find,
    loan_request,
    make_partner,
    post,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def partner() -> Any:
    return make_partner(make_institution())


def _status(response: Any) -> str:
    assert response.status_code == 200
    return find(response.content, "confirmationHeader/messageStatus")


@pytest.mark.parametrize("pages", ["9" * 4_301, "1-" + "2" * 5_000, "0" * 5_000 + "7"])
def test_a_page_number_of_thousands_of_digits_is_answered(client: Client, pages: str) -> None:
    body = copy_request("pages", article="Long").replace(b"10-20", pages.encode())

    assert _status(post(client, body)) == "OK"

    # Pages the portal's form cannot read go to the notes as sent (docs/iso18626.md, "Requests").
    request = Request.objects.get()
    assert request.pages == "" and f"Pages as sent: {pages[:40]}" in request.delivery_notes


def test_reshares_start_page_of_thousands_of_digits_is_answered(client: Client) -> None:
    record = (
        "<bibliographicRecordId><bibliographicRecordIdentifierCode>startPage"
        f"</bibliographicRecordIdentifierCode><bibliographicRecordIdentifier>{'5' * 5000}"
        "</bibliographicRecordIdentifier></bibliographicRecordId>"
        "<bibliographicRecordId><bibliographicRecordIdentifierCode>numberOfPages"
        f"</bibliographicRecordIdentifierCode><bibliographicRecordIdentifier>{'6' * 5000}"
        "</bibliographicRecordIdentifier></bibliographicRecordId>"
    )
    body = copy_request("start", article="Start").replace(
        b"<pagesRequested>10-20</pagesRequested>", b""
    )
    body = body.replace(b"</bibliographicInfo>", record.encode() + b"</bibliographicInfo>")

    assert _status(post(client, body)) in ("OK", "ERROR")


def test_renewing_a_loan_due_on_the_last_day_there_is_answers_no(client: Client) -> None:
    post(client, loan_request("far"))
    loan = Request.objects.get()
    services.ship_loan(
        loan, seen=loan.status, due_date=date(9000, 12, 31), acting_user=make_staff()
    )

    answer = _status(post(client, action("far", "Renew")))

    assert answer == "OK"
    sent = IsoMessage.objects.filter(request=loan, direction="out").last()
    assert sent is not None and find(sent.raw.encode(), "messageInfo/answerYesNo") == "N"
    loan.refresh_from_db()
    assert loan.due_date == date(9000, 12, 31) and loan.renewals == 0
