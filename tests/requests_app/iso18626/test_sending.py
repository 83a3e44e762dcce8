"""Sending to a partner: the address is vetted again before every send; only the parsed fields
of the partner's confirmation are kept, never its body; an HTTP 200 that is no confirmation (a
proxy's page) is a transport failure and retried; staff send a message that did not go through
again from the desk (docs/iso18626.md, "Messages we send")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connections
from django.test import Client

from illdesk.roles import VERIFIER
from requests_app.iso18626 import sending
from requests_app.iso18626.models import IsoMessage, IsoPartner
from requests_app.models import Request
from tests.factories import make_institution, make_staff
from tests.requests_app.iso18626.helpers import envelope, loan_request, make_partner, post
from tests.requests_app.iso18626.simulator import Requester

pytestmark = pytest.mark.django_db


@pytest.fixture
def requester() -> Iterator[Requester]:
    simulator = Requester(app_url="http://127.0.0.1:9")
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def item(client: Client, requester: Requester) -> Request:
    make_partner(make_institution(), address=requester.address)
    post(client, loan_request("r-1"))
    return Request.objects.get()


def _sent(item: Request) -> IsoMessage:
    return IsoMessage.objects.get(request=item, direction="out")


def test_only_the_confirmations_parsed_fields_are_kept(item: Request, requester: Requester) -> None:
    requester.page = envelope(
        "<supplyingAgencyMessageConfirmation><confirmationHeader>"
        "<messageStatus>ERROR</messageStatus></confirmationHeader><errorData>"
        "<errorType>BadlyFormedMessage</errorType>"
        f"<errorValue>{'internal-data ' * 1000}</errorValue></errorData>"
        "</supplyingAgencyMessageConfirmation>"
    )

    sending.send_pending(item.pk)

    message = _sent(item)
    assert message.delivery == IsoMessage.Delivery.REJECTED
    assert message.confirmation == ""
    assert message.message_status == "ERROR"
    assert (
        message.error.startswith("BadlyFormedMessage: internal-data") and len(message.error) == 300
    )


def test_a_proxy_page_answered_with_http_200_is_retried(
    item: Request, requester: Requester
) -> None:
    requester.page = b"<html><body>Gateway login SECRET-PAGE</body></html>"

    sending.send_pending(item.pk)

    message = _sent(item)
    assert message.delivery == IsoMessage.Delivery.PENDING
    assert message.attempts == 1 and message.next_attempt_at is not None
    assert "no ISO 18626 confirmation" in message.error
    assert "SECRET-PAGE" not in message.error + message.confirmation + message.message_status


def test_a_partner_that_trickles_its_answer_is_a_transport_failure(
    item: Request, requester: Requester, settings: Any
) -> None:
    """Each byte comes well within the timeout, the whole answer long after it: the worker must
    not wait past its lease, or another worker would send the message again meanwhile."""
    settings.ISO18626_SEND_TIMEOUT = 1
    requester.trickle = 0.02

    sending.send_pending(item.pk)

    message = _sent(item)
    assert message.delivery == IsoMessage.Delivery.PENDING and message.attempts == 1
    assert "no complete answer within 1 s" in message.error


@pytest.mark.parametrize(
    "address",
    [
        "https://169.254.169.254/latest/meta-data/",
        "https://127.0.0.1:6379/",
        "https://[::1]:6379/",
        "https://93.184.215.14:99999/",
    ],
)
def test_the_address_is_vetted_again_before_sending(
    item: Request, requester: Requester, settings: Any, address: str
) -> None:
    settings.ISO18626_ALLOWED_NETWORKS = []
    IsoPartner.objects.update(address=address)

    sending.send_pending(item.pk)

    message = _sent(item)
    assert message.delivery == IsoMessage.Delivery.PENDING and message.attempts == 1
    assert "port" in message.error or "never send to" in message.error
    assert requester.received == []


def test_the_simulator_on_loopback_is_refused_without_the_test_setting(
    item: Request, requester: Requester, settings: Any
) -> None:
    settings.ISO18626_ALLOWED_NETWORKS = []

    sending.send_pending(item.pk)

    assert requester.received == [] and "127.0.0.1" in _sent(item).error


@pytest.fixture
def desk() -> Client:
    staff = Client()
    staff.force_login(make_staff())
    return staff


def test_staff_send_a_failed_message_again_from_the_desk(
    item: Request, requester: Requester, desk: Client, django_capture_on_commit_callbacks: Any
) -> None:
    IsoMessage.objects.filter(direction="out").update(
        delivery=IsoMessage.Delivery.FAILED, attempts=10, error="HTTP 503"
    )
    message = _sent(item)
    page = desk.get(f"/desk/{item.pk}/").content.decode()
    url = f"/desk/{item.pk}/iso18626/{message.pk}/resend/"

    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(url)

    assert f'action="{url}"' in page and "Send again" in page
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.delivery == IsoMessage.Delivery.SENT and message.attempts == 1
    assert [m.request_id for m in requester.received] == ["r-1"]


def test_a_message_overtaken_by_a_delivered_one_is_not_sent_again(
    item: Request, requester: Requester, desk: Client
) -> None:
    old = _sent(item)
    IsoMessage.objects.filter(pk=old.pk).update(delivery=IsoMessage.Delivery.FAILED)
    newer = IsoMessage.objects.create(
        partner=old.partner,
        request=item,
        direction="out",
        kind=old.kind,
        raw=old.raw,
        delivery=IsoMessage.Delivery.SENT,
    )

    page = desk.get(f"/desk/{item.pk}/").content.decode()
    response = desk.post(f"/desk/{item.pk}/iso18626/{old.pk}/resend/")

    assert "Send again" not in page
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.delivery == IsoMessage.Delivery.FAILED and newer.pk > old.pk
    assert requester.received == []


def test_a_view_only_role_cannot_send_again(
    item: Request, requester: Requester, django_user_model: Any
) -> None:
    call_command("setup_roles")
    user = django_user_model.objects.create_user("verifier", is_staff=True)
    user.groups.add(Group.objects.get(name=VERIFIER))
    verifier = Client()
    verifier.force_login(user)
    IsoMessage.objects.filter(direction="out").update(delivery=IsoMessage.Delivery.FAILED)

    response = verifier.post(f"/desk/{item.pk}/iso18626/{_sent(item).pk}/resend/")

    assert response.status_code == 403
    assert _sent(item).delivery == IsoMessage.Delivery.FAILED


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_while_the_partner_is_asked(
    client: Client, requester: Requester
) -> None:
    ours = connections["default"]  # this thread's connection, which sends after commit
    open_while_asked: list[bool] = []
    requester.observe = lambda: open_while_asked.append(ours.in_atomic_block)
    make_partner(make_institution(), address=requester.address)

    post(client, loan_request("r-1"))

    assert open_while_asked == [False]
    assert _sent(Request.objects.get()).delivery == IsoMessage.Delivery.SENT
