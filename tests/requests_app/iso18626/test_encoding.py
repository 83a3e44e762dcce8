"""Messages in UTF-16 and UTF-32 (XML 1.0 allows both, by byte order mark or declaration) are
read, answered and logged like UTF-8 ones, on PostgreSQL too; the log row is written with the
message's effects or not at all; the security code is redacted however it is written; and the
document type check sees every encoding the parser could read."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test import Client

from requests_app.iso18626 import xml
from requests_app.iso18626.models import IsoMessage
from requests_app.models import Request
from tests.factories import make_institution
from tests.requests_app.iso18626.helpers import find, loan_request, make_partner, post

pytestmark = pytest.mark.django_db

CODE = "s3cret-code"


def _in(encoding: str, body: bytes) -> bytes:
    """The message re-encoded, its declaration naming the encoding (no byte order mark unless
    the codec writes one: "utf-16" and "utf-32" do, "-le"/"-be" do not)."""
    text = body.decode().replace('encoding="UTF-8"', f'encoding="{encoding.upper()}"')
    return text.encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-be"])
def test_a_wide_encoding_is_answered_and_logged_once(client: Client, encoding: str) -> None:
    make_partner(make_institution())

    response = post(client, _in(encoding, loan_request("wide-1", title="Gödel, Escher, Bach")))

    assert response.status_code == 200
    assert find(response.content, "confirmationHeader/messageStatus") == "OK"
    assert Request.objects.get().title == "Gödel, Escher, Bach"
    logged = IsoMessage.objects.get(direction="in")
    assert "\x00" not in logged.raw and "Gödel, Escher, Bach" in logged.raw
    assert logged.size == len(_in(encoding, loan_request("wide-1", title="Gödel, Escher, Bach")))


def _with_code(body: bytes, written: str) -> bytes:
    end = "</requestingAgencyRequestId>"
    auth = (
        "<requestingAgencyAuthentication><accountId>acct</accountId>"
        f"<securityCode>{written}</securityCode></requestingAgencyAuthentication>"
    )
    return body.decode().replace(end, end + auth, 1).encode()


@pytest.mark.parametrize(
    "written",
    [
        CODE,
        "<![CDATA[s3cret-code]]>",
        "s3cr<!-- a comment -->et-code",
        "s3&#99;ret-&#x63;ode",
    ],
    ids=["plain", "cdata", "split by a comment", "character references"],
)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_the_security_code_is_redacted_however_it_is_written(
    client: Client, written: str, encoding: str
) -> None:
    make_partner(make_institution(), token="", account=("acct", CODE))
    body = _in(encoding, _with_code(loan_request("coded"), written))

    response = post(client, body, token="")

    assert find(response.content, "confirmationHeader/messageStatus") == "OK"
    logged = IsoMessage.objects.get(direction="in")
    for piece in ("s3cr", "et-code", "&#99;", "CDATA"):
        assert piece not in logged.raw and piece not in str(logged.parsed)
    assert "(redacted)" in logged.raw


@pytest.mark.postgres_only
def test_the_log_row_is_written_with_the_effects_or_not_at_all() -> None:
    make_partner(make_institution())
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_log() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'the log is full'; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_log BEFORE INSERT ON requests_app_isomessage FOR EACH ROW "
            "WHEN (NEW.direction = 'in') EXECUTE FUNCTION refuse_log()"
        )

    response = post(Client(raise_request_exception=False), loan_request("lost-log"))

    assert response.status_code == 500
    assert Request.objects.count() == 0 and IsoMessage.objects.count() == 0


BOMB = (
    '<?xml version="1.0" encoding="{}"?><!DOCTYPE r [<!ENTITY a "aaaa">]>'
    '<ISO18626Message xmlns="http://illtransactions.org/2013/iso18626"><request><header>'
    "<requestingAgencyRequestId>&a;</requestingAgencyRequestId></header></request>"
    "</ISO18626Message>"
)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_a_document_type_declaration_is_refused_before_parsing_in_any_encoding(
    encoding: str,
) -> None:
    body = BOMB.format(encoding.upper()).encode(encoding)

    with (
        mock.patch.object(xml.etree, "fromstring", wraps=xml.etree.fromstring) as parser,
        pytest.raises(xml.NotAMessage, match="document type"),
    ):
        xml.parse(body)

    assert parser.call_count == 0


def test_a_wide_body_that_is_no_message_is_refused_with_nothing_stored(client: Client) -> Any:
    response = post(client, "<html><body>hello</body></html>".encode("utf-32"))

    assert response.status_code == 400 and IsoMessage.objects.count() == 0
