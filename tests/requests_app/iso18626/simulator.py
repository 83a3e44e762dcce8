"""A requesting agency, written here from ISO 18626 (v1.2): a small HTTP server that receives
the office's supplyingAgencyMessages and confirms them, and a client that POSTs the requester's
messages to the live application. `down` makes the server answer 503, as a peer under
maintenance does; `conditions_answer` is the note it sends back, as a Notification, when it is
offered conditions or a price (`deliveryInfo/loanCondition`), as ReShare and Alma do with their
own markers."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lxml import etree

from tests.requests_app.iso18626.helpers import NS, TOKEN, assert_valid, envelope, find
from tests.requests_app.iso18626.helpers import action as action_message
from tests.services import free_port


@dataclass
class Received:
    body: bytes

    @property
    def reason(self) -> str:
        return find(self.body, "messageInfo/reasonForMessage")

    @property
    def status(self) -> str:
        return find(self.body, "statusInfo/status")

    @property
    def request_id(self) -> str:
        return find(self.body, "header/requestingAgencyRequestId")

    def get(self, path: str) -> str:
        return find(self.body, path)


@dataclass
class Requester:
    """The requester simulator: messages it received, and its outage switch."""

    app_url: str
    port: int = field(default_factory=free_port)
    down: bool = False
    reject: bool = False
    conditions_answer: str = ""
    # When set, answered with HTTP 200 instead of a confirmation (a proxy's page).
    page: bytes | None = None
    # When set, the answer is written a byte at a time, this many seconds apart (a slow partner).
    trickle: float = 0.0
    # Called as each message arrives, before it is answered.
    observe: Callable[[], None] | None = None
    refused: int = 0
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}/iso18626"

    def start(self) -> None:
        requester = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the http.server API)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if requester.down:
                    requester.refused += 1
                    self.send_response(503)
                    self.end_headers()
                    return
                if requester.observe is not None:
                    requester.observe()
                with requester._lock:
                    requester.received.append(Received(body))
                answer = requester.page or _confirmation(body, ok=not requester.reject)
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                try:
                    for index in range(len(answer)) if requester.trickle else ():
                        self.wfile.write(answer[index : index + 1])
                        self.wfile.flush()
                        time.sleep(requester.trickle)
                    self.wfile.write(b"" if requester.trickle else answer)
                except OSError:  # the sender gave up waiting
                    return
                if requester.conditions_answer and find(body, "deliveryInfo/loanCondition"):
                    threading.Thread(target=requester.answer_conditions, args=(body,)).start()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def send(self, body: bytes, *, token: str = TOKEN) -> bytes:
        """POST one message to the application; its confirmation (valid v1.2, else it fails)."""
        request = urllib.request.Request(
            f"{self.app_url}/iso18626/",
            data=body,
            headers={"Content-Type": "application/xml", "Authorization": f"Bearer {token}"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            assert response.status == 200
            answer: bytes = response.read()
        assert_valid(answer)
        return answer

    def answer_conditions(self, offer: bytes) -> None:
        """The peer's staff agree or decline: a Notification carrying its marker."""
        request_id = find(offer, "header/requestingAgencyRequestId")
        self.send(action_message(request_id, "Notification", self.conditions_answer))

    def post_raw(self, body: bytes, *, token: str = TOKEN) -> tuple[int, bytes]:
        """POST any body; the HTTP status and the answer, whatever they are."""
        request = urllib.request.Request(
            f"{self.app_url}/iso18626/",
            data=body,
            headers={"Content-Type": "application/xml", "Authorization": f"Bearer {token}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return int(response.status), bytes(response.read())
        except urllib.error.HTTPError as refused:
            return int(refused.code), bytes(refused.read())

    def messages_for(self, request_id: str) -> list[Received]:
        with self._lock:
            return [m for m in self.received if m.request_id == request_id]

    def wait_for(self, request_id: str, count: int, timeout: float = 60.0) -> list[Received]:
        """The first `count` messages about one request, each valid against v1.2."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.messages_for(request_id)
            if len(found) >= count:
                for message in found:
                    assert_valid(message.body)
                return found
            time.sleep(0.1)
        got = [(m.reason, m.status) for m in self.messages_for(request_id)]
        raise AssertionError(f"{count} messages for {request_id} expected, got {got}")


def _confirmation(body: bytes, *, ok: bool = True) -> bytes:
    """supplyingAgencyMessageConfirmation OK (or ERROR), echoing the message's header and
    reason."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    request_id = find(body, "header/requestingAgencyRequestId")
    reason = find(body, "messageInfo/reasonForMessage")
    root = etree.fromstring(body)
    assert etree.QName(root[0]).localname == "supplyingAgencyMessage", body
    inner = (
        "<supplyingAgencyMessageConfirmation><confirmationHeader>"
        f"<timestamp>{stamp}</timestamp>"
        f"<requestingAgencyRequestId>{request_id}</requestingAgencyRequestId>"
        f"<timestampReceived>{stamp}</timestampReceived>"
        f"<messageStatus>{'OK' if ok else 'ERROR'}</messageStatus>"
        f"</confirmationHeader><reasonForMessage>{reason}</reasonForMessage>"
        + (
            ""
            if ok
            else "<errorData><errorType>UnrecognisedDataValue</errorType>"
            "<errorValue>simulated refusal</errorValue></errorData>"
        )
        + "</supplyingAgencyMessageConfirmation>"
    )
    answer = envelope(inner)
    assert NS in answer.decode()
    return answer
