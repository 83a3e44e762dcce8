"""Hostile input is refused quickly, with nothing stored and nothing read from disk or the
network: entity expansion, external entities, an oversized body, random bytes."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from requests_app.iso18626 import xml
from requests_app.iso18626.models import IsoMessage
from requests_app.models import Request
from tests.factories import make_institution
from tests.requests_app.iso18626.helpers import loan_request, make_partner, post

pytestmark = pytest.mark.django_db

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<ISO18626Message xmlns="http://illtransactions.org/2013/iso18626" version="1.2">
<request><header><requestingAgencyRequestId>&lol9;</requestingAgencyRequestId></header>
</request></ISO18626Message>"""


def _external_entity(target: Path) -> bytes:
    return (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{target}">]>'
        '<ISO18626Message xmlns="http://illtransactions.org/2013/iso18626" version="1.2">'
        "<request><header><requestingAgencyRequestId>&xxe;</requestingAgencyRequestId>"
        "</header></request></ISO18626Message>"
    ).encode()


def _refused(response: Any, started: float) -> None:
    assert response.status_code in (400, 411, 413)
    assert time.monotonic() - started < 2.0
    assert IsoMessage.objects.count() == 0 and Request.objects.count() == 0


@pytest.fixture(autouse=True)
def partner() -> Any:
    return make_partner(make_institution())


def test_billion_laughs_is_refused_quickly(client: Client) -> None:
    started = time.monotonic()
    response = post(client, BILLION_LAUGHS)

    _refused(response, started)
    assert b"lollol" not in response.content


def test_an_external_entity_is_refused_and_the_file_never_read(
    client: Client, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    os.utime(secret, (1_000_000, 1_000_000))
    started = time.monotonic()

    response = post(client, _external_entity(secret))

    _refused(response, started)
    assert b"TOP-SECRET" not in response.content
    assert secret.stat().st_atime == 1_000_000


def test_a_document_type_declaration_hidden_in_utf16_is_still_refused() -> None:
    body = BILLION_LAUGHS.replace(b'<?xml version="1.0"?>', b"").decode().encode("utf-16")

    with pytest.raises(xml.NotAMessage, match="document type"):
        xml.parse(body)


def test_a_body_over_the_cap_is_refused_unread(client: Client, settings: Any) -> None:
    settings.ISO18626_MAX_BYTES = 4096
    body = loan_request("big", title="x" * 10_000)
    started = time.monotonic()

    _refused(post(client, body), started)


def test_random_bytes_are_refused(client: Client) -> None:
    started = time.monotonic()

    _refused(post(client, os.urandom(2048)), started)


def test_a_well_formed_document_that_is_no_message_is_refused(client: Client) -> None:
    started = time.monotonic()

    _refused(post(client, b"<html><body>hello</body></html>"), started)


def _cpu_seconds_to_answer(client: Client, repeats: int) -> float:
    """The least CPU time of this process (not the wall clock) over three posts of a message
    with `repeats` copies of one element."""
    body = loan_request("many", title="Many").replace(
        b"</request>", b"<a/>" * repeats + b"</request>"
    )
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        assert post(client, body).status_code == 200
        best = min(best, time.process_time() - started)
    return best


def test_reading_a_message_grows_linearly_with_repeated_elements(client: Client) -> None:
    small = _cpu_seconds_to_answer(client, 4_000)
    large = _cpu_seconds_to_answer(client, 32_000)

    # Eight times the elements: about eight times the work when linear, some sixty-four when
    # quadratic in the repeated name as the log's dict once was.
    assert large / small < 16


def test_the_logs_parsed_view_of_a_huge_message_is_bounded_and_says_so(client: Client) -> None:
    body = loan_request("many", title="Many").replace(
        b"</request>", b"<a>x</a>" * 5_000 + b"</request>"
    )

    post(client, body)

    logged = IsoMessage.objects.get(direction="in")
    assert logged.parsed["header"]["requestingAgencyRequestId"] == "many"
    assert logged.parsed[xml.LEFT_OUT] is True
    assert len(logged.parsed["a"]) < xml.PARSED_VIEW_ELEMENTS
    assert logged.raw.count("<a>x</a>") == 5_000
