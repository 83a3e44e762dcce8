"""Whatever a partner puts in a message's fields, the answer is a confirmation or a 400: never a
server error, and an ERROR stores no request."""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from requests_app.iso18626.models import IsoPartner
from requests_app.models import Request
from tests.factories import make_institution
from tests.requests_app.iso18626.helpers import assert_valid, copy_request, find, make_partner, post

pytestmark = pytest.mark.django_db

FIELDS = (
    "title",
    "titleOfComponent",
    "volume",
    "issue",
    "pagesRequested",
    "bibliographicItemIdentifier",
    "publicationDate",
    "copyrightCompliance",
    "serviceType",
    "requestType",
)
# Text XML 1.0 can carry (no control characters, no surrogates).
_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("0123456789-²٣"),
    max_size=300,
)


@pytest.fixture
def partner() -> IsoPartner:
    return make_partner(make_institution())


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(field=st.sampled_from(FIELDS), value=_TEXT, n=st.integers(0, 10**6))
def test_any_field_value_gets_a_confirmation(
    client: Client, partner: IsoPartner, field: str, value: str, n: int
) -> None:
    body = copy_request(f"fuzz-{n}", article="An article").decode()
    start = body.index(f"<{field}>") + len(field) + 2
    end = body.index(f"</{field}>", start)
    before = Request.objects.count()

    response = post(client, (body[:start] + escape(value) + body[end:]).encode())

    assert response.status_code == 200
    assert_valid(response.content)
    if find(response.content, "confirmationHeader/messageStatus") == "ERROR":
        assert Request.objects.count() == before
