"""The partner hears in order, and a slow partner holds nobody up (docs/iso18626.md, "Messages we
send"): nothing about a request is sent before our confirmation of the partner's own message has
gone back, with tasks run in-process (the embedded default) and with a worker; a partner that
answers slowly or trickles its answer or its TLS handshake never delays staff work on another
request, and the trickling one is cut at the send's deadline and tried again."""

from __future__ import annotations

import select
import socket
import threading
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from registration.models import Institution
from requests_app.iso18626 import sending, views
from requests_app.iso18626.models import IsoMessage, IsoPartner
from requests_app.models import Request, Status
from tests.factories import make_institution
from tests.requests_app.factories import make_copy
from tests.requests_app.iso18626.helpers import TOKEN, action, loan_request, make_partner
from tests.requests_app.iso18626.simulator import Requester
from tests.services import CeleryWorker, start_celery_worker

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# How long the simulator waits, at most, for the confirmation of its own message before it
# answers ours: our message arriving first holds the confirmation back until then.
PATIENCE = 10.0


class OrderedPartner:
    """The requester simulator, recording for each of our messages whether the confirmation of
    its own last message had reached it before ours arrived."""

    def __init__(self, requester: Requester) -> None:
        self.requester = requester
        self.confirmed = threading.Event()
        self.heard: list[tuple[str, bool]] = []
        requester.observe = self._arrived

    def _arrived(self) -> None:
        # Our message has arrived; wait (bounded) for the confirmation of the partner's own:
        # sent before ours, it comes; held back behind ours, it cannot until this one is
        # answered.
        self.heard.append(("ours", self.confirmed.wait(PATIENCE)))

    def send(self, body: bytes) -> None:
        self.confirmed.clear()
        self.requester.send(body)
        self.confirmed.set()


@pytest.fixture
def partner_server(live_server: Any) -> Iterator[Requester]:
    simulator = Requester(app_url=live_server.url)
    simulator.start()
    yield simulator
    simulator.stop()


def _partner(requester: Requester) -> IsoPartner:
    return make_partner(make_institution(), address=requester.address)


def _hear_in_order(requester: Requester) -> None:
    partner = OrderedPartner(requester)
    _partner(requester)

    partner.send(loan_request("o-1"))
    requester.wait_for("o-1", 1)
    partner.send(action("o-1", "Cancel"))
    requester.wait_for("o-1", 2)

    reasons = [m.reason for m in requester.messages_for("o-1")]
    assert reasons == ["RequestResponse", "CancelResponse"]
    assert partner.heard == [("ours", True), ("ours", True)]


def test_the_partner_has_our_confirmation_before_any_message_in_process(
    partner_server: Requester,
) -> None:
    _hear_in_order(partner_server)


@pytest.fixture
def worker(broker: str, transactional_db: None, tmp_path: Path) -> Iterator[CeleryWorker]:
    started = start_celery_worker(broker, tmp_path / "worker.log", {})
    yield started
    started.stop()


def test_the_partner_has_our_confirmation_before_any_message_with_a_worker(
    worker: CeleryWorker, partner_server: Requester
) -> None:
    _hear_in_order(partner_server)


def test_a_confirmation_that_never_went_out_holds_the_messages_back_only_for_a_while(
    client: Client, partner_server: Requester, settings: Any
) -> None:
    """A partner's message handled, its confirmation lost with the connection (the web server
    never closed the response): its messages wait, then go."""
    _partner(partner_server)
    request = RequestFactory().post(
        reverse("iso18626:endpoint"),
        loan_request("o-2"),
        content_type="application/xml",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert views.endpoint(request).status_code == 200  # never closed: no web server wrote it
    item = Request.objects.get(iso_transaction__requesting_agency_request_id="o-2")

    settings.ISO18626_CONFIRMATION_WAIT = 3600
    assert sending.send_pending(item.pk) is not None
    assert partner_server.messages_for("o-2") == []

    settings.ISO18626_CONFIRMATION_WAIT = 0
    assert sending.send_pending(item.pk) is None
    assert [m.reason for m in partner_server.messages_for("o-2")] == ["RequestResponse"]


# --- A slow partner holds nobody up ----------------------------------------------------------


@pytest.mark.parametrize("slowness", ["answers late", "trickles a byte a second"])
def test_a_slow_partner_never_delays_staff_work_on_another_request(
    partner_server: Requester, desk: Client, institution: Institution, settings: Any, slowness: str
) -> None:
    settings.ISO18626_SEND_TIMEOUT = 8
    holding, released = threading.Event(), threading.Event()
    if slowness == "answers late":

        def hold() -> None:  # answers once the staff action is done (or after 30 s)
            holding.set()
            released.wait(30)

        partner_server.observe = hold
    else:
        partner_server.trickle = 1.0
        partner_server.observe = holding.set
    _partner(partner_server)
    other = make_copy(institution)
    # The partner's request is confirmed; then our RequestResponse goes to the slow partner.
    sender = threading.Thread(target=partner_server.send, args=(loan_request("s-1"),))
    sender.start()
    assert holding.wait(30), "our message never reached the partner"

    response = desk.post(reverse("desk:act", args=[other.pk, "accept"]), {"seen_status": "new"})

    # The staff action is done while our message to the partner is still under way.
    item = Request.objects.get(iso_transaction__requesting_agency_request_id="s-1")
    message = IsoMessage.objects.get(request=item, direction="out")
    under_way = (message.delivery, message.attempts, message.error) == ("pending", 1, "")
    released.set()
    sender.join(30)
    other.refresh_from_db()
    assert response.status_code == 302 and other.status == Status.IN_PROCESS
    assert under_way
    message = _attempted(message)
    if slowness == "trickles a byte a second":  # cut at the deadline, to be tried again
        assert message.delivery == IsoMessage.Delivery.PENDING and message.attempts == 1
        assert "no complete answer within 8 s" in message.error
        partner_server.trickle, partner_server.observe = 0.0, None
        IsoMessage.objects.filter(pk=message.pk).update(next_attempt_at=None)
        assert sending.send_pending(item.pk) is None
        message.refresh_from_db()
    assert message.delivery == IsoMessage.Delivery.SENT


def _attempted(message: IsoMessage) -> IsoMessage:
    """The message once its attempt is recorded (sent, or failed for now)."""
    for _ in range(300):
        message.refresh_from_db()
        if message.delivery != IsoMessage.Delivery.PENDING or message.error:
            return message
        threading.Event().wait(0.1)
    raise AssertionError("the attempt was never recorded")


class TrickledHandshake:
    """A partner's HTTPS address on loopback that never completes a TLS handshake: it reads the
    client's hello, then answers with a handshake record one byte every `interval` seconds, up
    to `limit` bytes. `connected` is set as a client connects; `cut` once the client ended the
    connection while the record was still trickling."""

    def __init__(self, interval: float = 0.1, limit: int = 400) -> None:
        self.interval, self.limit = interval, limit
        self.connected, self.cut = threading.Event(), threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"https://127.0.0.1:{self._listener.getsockname()[1]}/iso18626"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with suppress(OSError):  # the listener is closed
            while True:
                client, _ = self._listener.accept()
                threading.Thread(target=self._trickle, args=(client,), daemon=True).start()

    def _trickle(self, client: socket.socket) -> None:
        self.connected.set()
        # A ServerHello's record header announcing 16 KiB, then its body a byte at a time: the
        # client reads each byte well within its socket timeout, and never a whole record.
        record = b"\x16\x03\x03\x40\x00" + b"\x02" * (self.limit - 5)
        with suppress(OSError), client:
            client.recv(65536)  # the client's hello
            for byte in record:
                client.sendall(bytes([byte]))
                readable, _, _ = select.select([client], [], [], self.interval)
                if readable and not client.recv(65536):
                    self.cut.set()
                    return

    def stop(self) -> None:
        self._listener.close()


@pytest.fixture
def trickled_handshake() -> Iterator[TrickledHandshake]:
    server = TrickledHandshake()
    yield server
    server.stop()


def test_a_partner_that_trickles_its_tls_handshake_is_cut_at_the_deadline(
    partner_server: Requester,
    trickled_handshake: TrickledHandshake,
    desk: Client,
    institution: Institution,
    settings: Any,
) -> None:
    """The socket timeout bounds each wait, and a byte comes well within it: only the send's
    total deadline, holding through the handshake, ends the attempt."""
    settings.ISO18626_SEND_TIMEOUT = 8
    partner = _partner(partner_server)
    IsoPartner.objects.filter(pk=partner.pk).update(address=trickled_handshake.address)
    other = make_copy(institution)
    sender = threading.Thread(target=partner_server.send, args=(loan_request("h-1"),))
    sender.start()
    assert trickled_handshake.connected.wait(30), "our message never reached the partner"

    response = desk.post(reverse("desk:act", args=[other.pk, "accept"]), {"seen_status": "new"})

    item = Request.objects.get(iso_transaction__requesting_agency_request_id="h-1")
    message = IsoMessage.objects.get(request=item, direction="out")
    under_way = (message.delivery, message.attempts, message.error) == ("pending", 1, "")
    sender.join(30)
    other.refresh_from_db()
    assert response.status_code == 302 and other.status == Status.IN_PROCESS
    assert under_way
    message = _attempted(message)
    assert trickled_handshake.cut.is_set(), "the handshake was not cut while it trickled"
    assert message.delivery == IsoMessage.Delivery.PENDING and message.attempts == 1
    assert "no complete answer within 8 s" in message.error and message.next_attempt_at
    # Retried once due, to the partner's address put right.
    IsoPartner.objects.filter(pk=partner.pk).update(address=partner_server.address)
    IsoMessage.objects.filter(pk=message.pk).update(next_attempt_at=None)
    assert sending.send_pending(item.pk) is None
    message.refresh_from_db()
    assert message.delivery == IsoMessage.Delivery.SENT and message.attempts == 2
