"""Staff see a request's ISO 18626 messages on the desk and in the admin; the log goes with the
request's record when it is purged."""

from __future__ import annotations

import pytest
from django.test import Client

from requests_app.iso18626.models import IsoMessage, IsoTransaction
from requests_app.models import Request
from tests.factories import make_institution, make_staff
from tests.requests_app.factories import make_loan
from tests.requests_app.iso18626.helpers import loan_request, make_partner, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(client: Client) -> Request:
    make_partner(make_institution())
    post(client, loan_request("r-1"))
    return Request.objects.get()


@pytest.fixture
def desk() -> Client:
    staff = Client()
    staff.force_login(make_staff())
    return staff


def test_the_desk_shows_the_message_log_and_a_rejected_message(desk: Client, item: Request) -> None:
    IsoMessage.objects.filter(direction="out").update(
        delivery=IsoMessage.Delivery.REJECTED, message_status="ERROR", error="BadlyFormedMessage: x"
    )

    page = desk.get(f"/desk/{item.pk}/").content.decode()

    assert "ISO 18626 messages" in page
    assert "1 message to the library's ILL system did not go through" in page
    assert "Sent, the partner answered ERROR" in page and "BadlyFormedMessage: x" in page


def test_a_request_without_iso_messages_shows_no_log(desk: Client) -> None:
    plain = make_loan(make_institution())

    assert "ISO 18626 messages" not in desk.get(f"/desk/{plain.pk}/").content.decode()


def test_the_admin_lists_the_log_and_partners(admin_client: Client, item: Request) -> None:
    log = admin_client.get("/admin/requests_app/isomessage/")
    partners = admin_client.get("/admin/requests_app/isopartner/")

    assert log.status_code == 200 and "r-1" in log.content.decode()
    assert partners.status_code == 200 and "REQ" in partners.content.decode()


def test_the_log_is_purged_with_the_record(item: Request) -> None:
    item.record.delete()

    assert IsoMessage.objects.filter(request__isnull=False).count() == 0
    assert IsoTransaction.objects.count() == 0
