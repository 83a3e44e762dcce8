"""Staff see a request's ISO 18626 messages on the desk and in the admin; the log goes with the
request's record when it is purged."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from registration.models import Institution
from requests_app.iso18626.models import IsoMessage, IsoPartner, IsoTransaction
from requests_app.models import Request
from tests.factories import make_institution, make_staff
from tests.requests_app.factories import make_loan
from tests.requests_app.iso18626.helpers import loan_request, make_partner, post

pytestmark = pytest.mark.django_db
# An address literal: checked as a public address without a name lookup (tests stay offline).
PUBLIC_ADDRESS = "https://93.184.215.14/iso18626"


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


def _partner_form(institution_id: int, **changes: str) -> dict[str, Any]:
    return {
        "institution": str(institution_id),
        "agency_id_type": "OCLC",
        "agency_id_value": "NEW",
        "address": PUBLIC_ADDRESS,
        "account_id": "acct",
        "security_code": "code-typed-once",
        "header_token": "t" * 40,
        "quirks": "standard",
        "is_active": "on",
        **changes,
    }


def test_staff_add_a_partner_whose_secrets_are_stored_hashed(admin_client: Client) -> None:
    institution = make_institution()

    response = admin_client.post(
        "/admin/requests_app/isopartner/add/", _partner_form(institution.pk)
    )

    assert response.status_code == 302
    partner = IsoPartner.objects.get()
    assert "code-typed-once" not in partner.security_code_hash
    assert "t" * 40 not in partner.header_token_hash
    assert partner.authenticates(
        account_id="acct", security_code="code-typed-once", header_token="t" * 40
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"header_token": "short"}, "32+ characters"),
        ({"security_code": "", "header_token": ""}, "security code, a header token"),
        ({"account_id": ""}, "goes with an account id"),
    ],
)
def test_the_partner_form_refuses_weak_or_missing_credentials(
    admin_client: Client, changes: dict[str, str], message: str
) -> None:
    form = _partner_form(make_institution().pk, **changes)

    response = admin_client.post("/admin/requests_app/isopartner/add/", form)

    assert response.status_code == 200 and message in response.content.decode()
    assert IsoPartner.objects.count() == 0


def test_an_unverified_institution_cannot_be_a_partner(admin_client: Client) -> None:
    institution = make_institution()
    Institution.objects.filter(pk=institution.pk).update(user=None)

    response = admin_client.post(
        "/admin/requests_app/isopartner/add/", _partner_form(institution.pk)
    )

    assert "Only a verified, active institution" in response.content.decode()
    assert IsoPartner.objects.count() == 0


def test_the_log_lists_the_request_before_our_answer_to_it(desk: Client, item: Request) -> None:
    page = desk.get(f"/desk/{item.pk}/").content.decode()

    assert page.index("request r-1") < page.index("RequestResponse")
