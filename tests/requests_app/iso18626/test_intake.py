"""Requests from partners: who is served, how citations map, idempotency and Retry, and the
first message queued in the outbox (sent by the worker: see test_lifecycles)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from registration.models import Institution
from requests_app.iso18626.models import IsoMessage, IsoPartner, IsoTransaction
from requests_app.iso18626.statuses import STATUS_TABLE
from requests_app.models import Request, Status
from tests.factories import make_institution
from tests.requests_app.iso18626.helpers import (
    assert_valid,
    copy_request,
    envelope,
    find,
    header,
    loan_request,
    make_partner,
    post,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner() -> IsoPartner:
    return make_partner(make_institution())


def _status(response: Any) -> str:
    assert response.status_code == 200
    assert_valid(response.content)
    return find(response.content, "confirmationHeader/messageStatus")


def _error(response: Any) -> str:
    assert _status(response) == "ERROR"
    return find(response.content, "errorData/errorValue")


def test_every_workflow_status_has_a_row_in_the_status_table() -> None:
    assert set(STATUS_TABLE) == set(Status)


def test_a_loan_request_becomes_a_request_of_the_partners_institution(
    client: Client, partner: IsoPartner
) -> None:
    response = post(client, loan_request("r-1"))

    assert _status(response) == "OK"
    request = Request.objects.get()
    assert (request.institution, request.service, request.title) == (
        partner.institution,
        "loan",
        "Lord of the Rings",
    )
    assert request.submitted_by == partner.institution.user
    outgoing = IsoMessage.objects.get(direction="out")
    assert_valid(outgoing.raw.encode())
    assert find(outgoing.raw.encode(), "messageInfo/reasonForMessage") == "RequestResponse"
    assert find(outgoing.raw.encode(), "header/supplyingAgencyRequestId") == str(request.pk)


def test_an_unknown_agency_gets_an_error_and_only_the_log_keeps_it(client: Client) -> None:
    value = _error(post(client, loan_request("r-1", requester="NOBODY")))

    assert "not a registered" in value
    assert Request.objects.count() == 0 and IsoTransaction.objects.count() == 0
    assert IsoMessage.objects.get().partner is None


@pytest.mark.parametrize("change", ["suspended", "no_account", "partner_off"])
def test_an_institution_that_may_not_use_the_portal_is_refused(
    client: Client, partner: IsoPartner, change: str
) -> None:
    institution: Institution = partner.institution
    if change == "suspended":
        Institution.objects.filter(pk=institution.pk).update(is_active=False)
    elif change == "no_account":
        Institution.objects.filter(pk=institution.pk).update(user=None)
    else:
        IsoPartner.objects.filter(pk=partner.pk).update(is_active=False)

    assert "not a registered" in _error(post(client, loan_request("r-1")))
    assert Request.objects.count() == 0


def test_a_wrong_header_token_is_refused(client: Client, partner: IsoPartner) -> None:
    assert "not a registered" in _error(post(client, loan_request("r-1"), token="wrong"))
    assert Request.objects.count() == 0


def test_the_security_code_is_stored_hashed_and_checked(client: Client) -> None:
    partner = make_partner(make_institution(), token="", account=("acct", "s3cret-code"))
    auth = (
        "<requestingAgencyAuthentication><accountId>acct</accountId>"
        "<securityCode>{}</securityCode></requestingAgencyAuthentication>"
    )
    body = loan_request("r-1").decode()
    end = "</requestingAgencyRequestId>"

    wrong = post(client, body.replace(end, end + auth.format("nope")).encode(), token="")
    right = post(client, body.replace(end, end + auth.format("s3cret-code")).encode(), token="")

    assert "s3cret" not in partner.security_code_hash
    assert _status(wrong) == "ERROR" and _status(right) == "OK"
    assert all("s3cret" not in m.raw for m in IsoMessage.objects.all())


def test_a_message_for_another_supplier_is_refused(client: Client, partner: IsoPartner) -> None:
    assert "supplyingAgencyId" in _error(post(client, loan_request("r-1", supplier="OTHER")))


def test_the_same_request_again_replays_the_stored_confirmation(
    client: Client, partner: IsoPartner
) -> None:
    first = post(client, loan_request("r-1"))
    again = post(client, loan_request("r-1"))

    assert again.content == first.content
    assert Request.objects.count() == 1 and IsoMessage.objects.filter(direction="out").count() == 1


def test_another_request_under_a_used_id_is_an_error(client: Client, partner: IsoPartner) -> None:
    post(client, loan_request("r-1"))

    assert "already used" in _error(post(client, loan_request("r-1", title="Another book")))
    assert Request.objects.count() == 1


def test_a_retry_replaces_the_previous_request(client: Client, partner: IsoPartner) -> None:
    post(client, copy_request("old", article="An article"))

    response = post(
        client, copy_request("new", article="An article", request_type="Retry", previous="old")
    )

    assert _status(response) == "OK"
    old, new = (
        Request.objects.get(iso_transaction__requesting_agency_request_id=i) for i in ("old", "new")
    )
    assert old.status == Status.CANCELLED and new.status == Status.NEW
    assert new.events.filter(action="library_message", text__contains="Retry of").exists()


def test_a_retry_of_an_unknown_request_is_an_error(client: Client, partner: IsoPartner) -> None:
    body = copy_request("new", article="A", request_type="Retry", previous="never-sent")

    assert "requestingAgencyPreviousRequestId" in _error(post(client, body))
    assert Request.objects.count() == 0


@pytest.mark.parametrize("compliance", ["us-ccg", "US-CCG", "Us-Ccg"])
def test_copyright_compliance_is_read_in_any_case(
    client: Client, partner: IsoPartner, compliance: str
) -> None:
    assert _status(post(client, copy_request("c-1", article="A", compliance=compliance))) == "OK"
    assert Request.objects.get().record.decisions.get().outcome == "ACCEPT_CCG"


@pytest.mark.parametrize(
    ("compliance", "expected"),
    [("", "copyrightCompliance"), ("UK-CLA", "US-CCG or US-CCL"), ("US-CCL", "basis")],
)
def test_a_copy_without_a_usable_compliance_statement_is_an_error(
    client: Client, partner: IsoPartner, compliance: str, expected: str
) -> None:
    body = copy_request("c-1", article="A", compliance=compliance)
    if not compliance:
        body = body.replace(b"<copyrightCompliance></copyrightCompliance>", b"")

    assert expected in _error(post(client, body))
    assert Request.objects.count() == 0


def test_a_ccl_copy_of_an_old_article_is_taken_on_that_basis(
    client: Client, partner: IsoPartner
) -> None:
    body = copy_request("c-1", article="Old one", compliance="US-CCL", year="1990")

    assert _status(post(client, body)) == "OK"
    assert Request.objects.get().record.decisions.get().outcome == "ACCEPT_CCL"


def test_the_sixth_copy_of_one_journal_is_held_and_the_partner_told(
    client: Client, partner: IsoPartner
) -> None:
    for n in range(6):
        post(client, copy_request(f"c-{n}", article=f"Article {n}", patron=f"p{n}"))

    held = Request.objects.get(iso_transaction__requesting_agency_request_id="c-5")
    assert held.status == Status.AWAITING_CLEARANCE
    assert Request.objects.filter(status=Status.NEW).count() == 5
    message = IsoMessage.objects.filter(request=held, direction="out").get().raw.encode()
    assert find(message, "statusInfo/status") == "ExpectToSupply"
    assert "copyright" in find(message, "messageInfo/note").lower()


def test_reshare_citation_places_are_read(client: Client, partner: IsoPartner) -> None:
    records = "".join(
        f"<bibliographicRecordId><bibliographicRecordIdentifierCode>{code}"
        f"</bibliographicRecordIdentifierCode><bibliographicRecordIdentifier>{value}"
        "</bibliographicRecordIdentifier></bibliographicRecordId>"
        for code, value in [
            ("issn", "0028-0836"),
            ("stitle", "Nature"),
            ("startPage", "101"),
            ("numberOfPages", "5"),
            ("doi", "10.1000/xyz"),
        ]
    )
    body = envelope(
        f"<request><header>{header('rs-1')}</header><bibliographicInfo>"
        f"<title>An article title</title><author>Smith</author><volume>7</volume>{records}"
        "</bibliographicInfo><publicationInfo><publicationDate>2024-05-01T00:00:00+0000"
        "</publicationDate></publicationInfo><serviceInfo><serviceType>Copy</serviceType>"
        "<copyrightCompliance>us-ccg</copyrightCompliance></serviceInfo></request>"
    )

    assert _status(post(client, body)) == "OK"
    request = Request.objects.get()
    assert (request.title, request.article_title, request.issn) == (
        "Nature",
        "An article title",
        "0028-0836",
    )
    assert (request.pages, request.publication_date) == ("101-105", "2024-05-01")
    assert "10.1000/xyz" in request.delivery_notes


@pytest.mark.parametrize(
    ("element", "value"),
    [
        ("pagesRequested", "1-2147483648"),
        ("pagesRequested", "1-99999999999999999999999"),
        ("estimatedNoPages", "99999999999999999999"),
    ],
)
def test_page_numbers_no_column_can_hold_go_to_the_notes_not_a_server_error(
    client: Client, partner: IsoPartner, element: str, value: str
) -> None:
    pages = value if element == "pagesRequested" else "10-20"
    total = f"<estimatedNoPages>{value}</estimatedNoPages>" if element != "pagesRequested" else ""
    body = copy_request("big", article="A", issn="").replace(
        b"<pagesRequested>10-20</pagesRequested>",
        f"<pagesRequested>{pages}</pagesRequested>{total}".encode(),
    )

    assert _status(post(client, body)) == "OK"
    assert value in Request.objects.get().delivery_notes


def test_a_request_id_longer_than_we_keep_is_an_error(client: Client, partner: IsoPartner) -> None:
    assert "requestingAgencyRequestId" in _error(post(client, loan_request("x" * 201)))
    assert Request.objects.count() == 0
