"""Every shared sample (crosslink's and ReShare's real messages) is answered without a server
error: a message gets its confirmation type, valid against v1.2; a body that is no message (an
empty envelope, a confirmation sent to us) gets HTTP 400. Each sample is sent twice: from an
unknown agency, and from a registered partner with the sample's own agency ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from lxml import etree

from requests_app.iso18626.models import IsoMessage
from tests.factories import make_institution
from tests.requests_app.iso18626.helpers import (
    NS,
    SAMPLES,
    TOKEN,
    assert_valid,
    kind,
    make_partner,
    post,
)

CONFIRMATION = {
    "request": "requestConfirmation",
    "requestingAgencyMessage": "requestingAgencyMessageConfirmation",
    "supplyingAgencyMessage": "supplyingAgencyMessageConfirmation",
}
pytestmark = pytest.mark.django_db


def _message(path: Path) -> Any:
    root = etree.parse(str(path)).getroot()
    name = etree.QName(root).localname
    if name != "ISO18626Message":
        return root
    inner = [child for child in root if isinstance(child.tag, str)]
    return inner[0] if inner else None


def _text(element: Any, *names: str) -> str:
    for name in names:
        element = None if element is None else element.find(f"{{{NS}}}{name}")
    return "" if element is None else (element.text or "").strip()


def test_there_are_samples_to_answer() -> None:
    assert len(SAMPLES) >= 20


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("registered", [False, True], ids=["unknown", "partner"])
def test_every_sample_is_answered_with_its_confirmation(
    client: Client, settings: Any, path: Path, registered: bool
) -> None:
    message = _message(path)
    expected = CONFIRMATION.get(etree.QName(message).localname) if message is not None else None
    token = ""
    if registered and message is not None:
        token = _register_sender(settings, message)

    response = post(client, path.read_bytes(), token=token)

    if expected is None:
        assert response.status_code == 400
        assert IsoMessage.objects.count() == 0
        return
    assert response.status_code == 200, response.content
    assert kind(response.content) == expected
    assert_valid(response.content)
    logged = IsoMessage.objects.get(direction="in")
    if registered:
        assert logged.confirmation == response.content.decode()
    else:  # a sender that is no partner leaves its metadata only
        assert logged.raw == logged.confirmation == "" and logged.parsed == {}
        assert logged.size == len(path.read_bytes()) and not logged.authenticated
    assert "securityCode1" not in logged.raw
    for sent in IsoMessage.objects.filter(direction="out"):
        assert_valid(sent.raw.encode())


def _register_sender(settings: Any, message: Any) -> str:
    header = message.find(f"{{{NS}}}header")
    requester = (
        _text(header, "requestingAgencyId", "agencyIdType"),
        _text(header, "requestingAgencyId", "agencyIdValue"),
    )
    settings.ISO18626_AGENCY_ID_VALUE = _text(header, "supplyingAgencyId", "agencyIdValue")
    account = (
        _text(header, "requestingAgencyAuthentication", "accountId"),
        _text(header, "requestingAgencyAuthentication", "securityCode"),
    )
    has_account = all(account)
    if all(requester):
        make_partner(
            make_institution(),
            agency=requester,
            token="" if has_account else TOKEN,
            account=account if has_account else None,
        )
    return "" if has_account else TOKEN


def test_a_reshare_request_from_a_partner_becomes_a_request_with_its_problems_logged(
    client: Client, settings: Any
) -> None:
    path = next(p for p in SAMPLES if p.name == "modrs-request.xml")
    _register_sender(settings, _message(path))

    response = post(client, path.read_bytes(), token="")

    logged = IsoMessage.objects.get(direction="in")
    assert logged.problems, "the ReShare sample fails v1.2 and the log says where"
    assert "not wrapped in ISO18626Message" in logged.problems[0]
    assert kind(response.content) == "requestConfirmation"
