"""What one sender may cost the office (docs/iso18626.md, "Limits"): a sender that fails
authentication leaves metadata only; messages are limited per client address and per agency id;
one partner's share of the log is bounded; security-code failures lock the (agency id, client
address) pair as the log-in does; and a wrong account id costs what a wrong code costs."""

from __future__ import annotations

import hashlib
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client

from requests_app.iso18626 import models as iso_models
from requests_app.iso18626.models import IsoMessage, IsoPartner
from requests_app.models import Request
from tests.factories import make_institution
from tests.requests_app.iso18626.helpers import find, loan_request, make_partner, post

pytestmark = pytest.mark.django_db

CODE = "s3cret-code"


def _status(response: Any) -> str:
    return find(response.content, "confirmationHeader/messageStatus")


def _with_auth(body: bytes, account: str, code: str) -> bytes:
    end = "</requestingAgencyRequestId>"
    auth = (
        f"<requestingAgencyAuthentication><accountId>{account}</accountId>"
        f"<securityCode>{code}</securityCode></requestingAgencyAuthentication>"
    )
    return body.decode().replace(end, end + auth, 1).encode()


def test_a_stranger_leaves_only_the_metadata_of_its_message(client: Client) -> None:
    body = loan_request("flood", title="x" * 200_000, requester="NOBODY")

    response = post(client, body, token="")

    assert response.status_code == 200 and _status(response) == "ERROR"
    logged = IsoMessage.objects.get()
    assert not logged.authenticated
    assert logged.raw == "" and logged.parsed == {} and logged.confirmation == ""
    assert logged.problems == [] and logged.summary == ""
    assert logged.claimed_agency == "OCLC:NOBODY"
    assert logged.client_address == "127.0.0.1"
    assert logged.size == len(body)
    assert logged.digest == hashlib.sha256(body).hexdigest()
    assert "not a registered ISO 18626 partner" in logged.error


def test_a_known_agency_with_a_wrong_token_leaves_only_metadata_too(client: Client) -> None:
    make_partner(make_institution())

    post(client, loan_request("guess", title="y" * 50_000), token="wrong-token" * 4)

    logged = IsoMessage.objects.get()
    assert not logged.authenticated and logged.raw == "" and logged.partner is None


def test_a_partners_message_is_logged_whole_with_its_metadata(client: Client) -> None:
    partner = make_partner(make_institution())
    body = loan_request("r-1")

    post(client, body)

    logged = IsoMessage.objects.get(direction="in")
    assert logged.authenticated and logged.partner == partner and "r-1" in logged.raw
    assert logged.size == len(body) and logged.claimed_agency == "OCLC:REQ"


def test_messages_from_one_client_address_are_limited(client: Client, settings: Any) -> None:
    settings.ISO18626_RATE_LIMIT = 3
    answers = [post(client, loan_request(f"s-{n}", requester=f"X{n}"), token="") for n in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1]["Retry-After"] == "60"
    assert IsoMessage.objects.count() == 3


def test_messages_for_one_agency_are_limited_from_any_address(
    client: Client, settings: Any
) -> None:
    settings.ISO18626_RATE_LIMIT = 3
    make_partner(make_institution())
    answers = [
        client.post(
            "/iso18626/",
            data=loan_request(f"a-{n}"),
            content_type="application/xml",
            headers={"Authorization": "Bearer x"},
            REMOTE_ADDR=f"192.0.2.{n + 1}",
        )
        for n in range(4)
    ]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]


def test_a_partner_over_its_daily_share_of_the_log_is_asked_to_wait(
    client: Client, settings: Any
) -> None:
    make_partner(make_institution())
    settings.ISO18626_PARTNER_DAILY_BYTES = 2 * len(loan_request("q-0"))
    answers = [post(client, loan_request(f"q-{n}")).status_code for n in range(3)]

    assert answers == [200, 200, 429]
    assert Request.objects.count() == 2
    assert IsoMessage.objects.filter(direction="in").count() == 2


def test_security_code_failures_lock_the_agency_and_address_pair(
    client: Client, settings: Any
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    make_partner(make_institution(), token="", account=("acct", CODE))
    for n in range(3):
        post(client, _with_auth(loan_request(f"g-{n}"), "acct", f"guess-{n}"), token="")

    locked = post(client, _with_auth(loan_request("right"), "acct", CODE), token="")
    elsewhere = client.post(
        "/iso18626/",
        data=_with_auth(loan_request("right"), "acct", CODE),
        content_type="application/xml",
        REMOTE_ADDR="192.0.2.50",
    )

    assert _status(locked) == "ERROR"
    assert _status(elsewhere) == "OK"
    assert Request.objects.count() == 1


def test_the_right_code_clears_earlier_failures(client: Client, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    make_partner(make_institution(), token="", account=("acct", CODE))
    for n in range(2):
        post(client, _with_auth(loan_request(f"g-{n}"), "acct", "wrong"), token="")
    post(client, _with_auth(loan_request("ok-1"), "acct", CODE), token="")
    for n in range(2):
        post(client, _with_auth(loan_request(f"h-{n}"), "acct", "wrong"), token="")

    last = post(client, _with_auth(loan_request("ok-2"), "acct", CODE), token="")

    assert _status(last) == "OK"


@pytest.mark.parametrize(
    ("agency", "account", "code"),
    [
        ("REQ", "acct", "wrong-code"),
        ("REQ", "wrong-account", CODE),
        ("REQ", "wrong-account", "wrong-code"),
        ("NOBODY", "acct", CODE),
    ],
    ids=["wrong code", "wrong account id", "both wrong", "unknown agency"],
)
def test_every_failure_costs_one_argon2_check_like_a_wrong_code(
    client: Client, agency: str, account: str, code: str
) -> None:
    make_partner(make_institution(), token="", account=("acct", CODE))
    body = _with_auth(loan_request("t-1", requester=agency), account, code)

    with mock.patch.object(iso_models, "check_password", wraps=check_password) as checks:
        response = post(client, body, token="")

    assert _status(response) == "ERROR"
    assert checks.call_count == 1
    assert checks.call_args.args[0] == code


@pytest.mark.parametrize("token", ["wrong-token-" + "x" * 30, ""], ids=["wrong", "none"])
def test_a_wrong_token_costs_what_an_unknown_agency_costs(client: Client, token: str) -> None:
    """A partner with a header token only (as behind the crosslink broker) is checked by a
    digest, which costs nothing: its agency id must not answer sooner than an unknown one."""
    make_partner(make_institution())

    with mock.patch.object(iso_models, "check_password", wraps=check_password) as checks:
        response = post(client, loan_request("t-1"), token=token)

    assert _status(response) == "ERROR"
    assert checks.call_count == 1


def test_the_partners_secrets_are_never_in_the_log(client: Client) -> None:
    make_partner(make_institution(), token="", account=("acct", CODE))

    post(client, _with_auth(loan_request("r-1"), "acct", CODE), token="")
    post(client, _with_auth(loan_request("r-2"), "acct", "other-guess"), token="")

    for row in IsoMessage.objects.all():
        assert CODE not in row.raw + str(row.parsed) and "other-guess" not in row.raw
    assert IsoPartner.objects.get().authenticates(
        account_id="acct", security_code=CODE, header_token=""
    )
