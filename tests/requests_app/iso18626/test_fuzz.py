"""Whatever a partner puts in any element of any message it sends, the answer is a confirmation
or a 400: never a server error, and an ERROR stores no request."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from requests_app.iso18626.models import IsoPartner
from requests_app.models import Request
from tests.factories import make_institution
from tests.requests_app.iso18626.helpers import (
    action,
    assert_valid,
    copy_request,
    find,
    loan_request,
    make_partner,
    post,
)

pytestmark = pytest.mark.django_db

RESHARE_IDS = (
    "<bibliographicRecordId><bibliographicRecordIdentifierCode>startPage"
    "</bibliographicRecordIdentifierCode><bibliographicRecordIdentifier>12"
    "</bibliographicRecordIdentifier></bibliographicRecordId>"
)
EXTRAS = (
    "<estimatedNoPages>40</estimatedNoPages><edition>2nd</edition>",
    "<needBeforeDate>2030-01-01T00:00:00Z</needBeforeDate><note>a note</note>",
    "<billingInfo><maximumCosts><currencyCode>USD</currencyCode>"
    "<monetaryValue>10</monetaryValue></maximumCosts></billingInfo>",
)


def _copy() -> str:
    body = copy_request("fuzz", article="An article", patron="p1").decode()
    body = body.replace("</bibliographicInfo>", EXTRAS[0] + RESHARE_IDS + "</bibliographicInfo>")
    body = body.replace("</serviceInfo>", EXTRAS[1] + "</serviceInfo>")
    return body.replace("</request>", EXTRAS[2] + "</request>")


TEMPLATES = {
    "copy": _copy(),
    "loan": loan_request("fuzz").decode(),
    "action": action("fuzz", "Renew", "a note").decode(),
}


def _leaves(body: str) -> list[tuple[int, str]]:
    """(occurrence, name) of every element holding text: each ISO element the message has."""
    seen: dict[str, int] = {}
    leaves = []
    for element in etree.fromstring(body.encode()).iter():
        if len(element) == 0:
            name = etree.QName(element).localname
            leaves.append((seen.get(name, 0), name))
            seen[name] = seen.get(name, 0) + 1
    return leaves


ELEMENTS = [(kind, leaf) for kind, body in TEMPLATES.items() for leaf in _leaves(body)]
# Text XML 1.0 can carry (no control characters, no surrogates), with the shapes that broke
# readers before: thousands of digits, far dates, non-ASCII digits.
_TEXT = st.one_of(
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("0123456789-²٣"),
        max_size=300,
    ),
    st.builds(lambda d, n: d * n, st.sampled_from("19"), st.integers(4_000, 6_000)),
    st.sampled_from(["9999-12-31", "9999-12-31T23:59:59Z", "0000-01-01", "-1", "1e309", "NaN"]),
)


def _replace(body: str, occurrence: int, name: str, value: str) -> str:
    start = -1
    for _ in range(occurrence + 1):
        start = body.index(f"<{name}>", start + 1)
    start += len(name) + 2
    end = body.index(f"</{name}>", start)
    return body[:start] + escape(value) + body[end:]


@pytest.fixture
def partner(settings: Any) -> IsoPartner:
    settings.ISO18626_RATE_LIMIT = 10_000  # one client sends every example within a minute
    return make_partner(make_institution())


def test_every_element_of_every_message_kind_is_fuzzed() -> None:
    names = {name for _, (_, name) in ELEMENTS}

    assert {"pagesRequested", "bibliographicRecordIdentifier", "action", "patronId"} <= names
    assert {"agencyIdValue", "timestamp", "needBeforeDate", "monetaryValue", "note"} <= names
    assert len(ELEMENTS) > 35


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(element=st.sampled_from(ELEMENTS), value=_TEXT, n=st.integers(0, 10**6))
def test_any_value_in_any_element_gets_a_confirmation(
    client: Client, partner: IsoPartner, element: tuple[str, tuple[int, str]], value: str, n: int
) -> None:
    kind, (occurrence, name) = element
    if kind == "action":  # an action needs its request
        post(client, TEMPLATES["loan"].replace(">fuzz<", f">fuzz-{n}<").encode())
    body = TEMPLATES[kind].replace(">fuzz<", f">fuzz-{n}<")
    before = Request.objects.count()

    response = post(client, _replace(body, occurrence, name, value).encode())

    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert_valid(response.content)
        if (
            kind != "action"
            and find(response.content, "confirmationHeader/messageStatus") == "ERROR"
        ):
            assert Request.objects.count() == before
