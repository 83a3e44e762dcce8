"""The client's IP address, for the log-in lockout, the registration rate limit and the address
stored with a registration's acceptance of the terms (docs/operations.md, "Behind a proxy"); and
the total deadline of an exchange with another server (an ISO 18626 partner, the SMTP server).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable
from contextlib import suppress
from types import TracebackType

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """`REMOTE_ADDR`, unless PROXY_COUNT trusted proxies stand in front of the application.

    Each proxy appends the address it received the request from to X-Forwarded-For, so with N
    proxies the last N-1 entries are our own proxies' and the Nth from the right is the client
    as the outermost proxy saw it. Anything to its left was written by the client and is not
    believed; nor is the header at all when PROXY_COUNT is 0."""
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.PROXY_COUNT
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < count:  # not through every proxy (a health check, or a misconfiguration)
        return remote
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class DeadlineExceeded(TimeoutError):
    """The exchange was cut at its deadline: a transient failure, to be tried again later."""


class Deadline:
    """A total deadline for one exchange with another server, as a context manager.

    A socket's timeout bounds each wait, not the exchange: a server that sends a byte a second
    would hold the worker for ever (past its lease on the message, so another worker would send
    it again). At the deadline the exchange's sockets are shut down, which wakes the read or
    write waiting on them (below TLS, so an encrypted read ends too, and a handshake when its TLS
    socket was watched: WatchedTLS); the client then fails with some OSError, and `passed` tells
    that the deadline was the cause.

    The sockets are those the client library is using at the moment (`current`, read at the
    deadline: STARTTLS replaces a connection's socket) and every one handed to `watch` as it was
    opened: a connection lets go of its socket when the other side ends it, and a socket is
    still being set up before the library keeps it anywhere. Both clients watch every socket,
    its TLS handshake included: the SMTP backend (illdesk/mail.py) and the ISO 18626 sending
    (requests_app/iso18626/sending.py), so a server that trickles its handshake is cut at the
    deadline like one that trickles its answer."""

    def __init__(
        self, seconds: float, current: Callable[[], socket.socket | None] = lambda: None
    ) -> None:
        self.seconds = seconds
        self._current = current
        self._opened: list[socket.socket] = []
        self._passed = threading.Event()
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True

    @property
    def passed(self) -> bool:
        return self._passed.is_set()

    def watch(self, sock: socket.socket) -> socket.socket:
        """Cut this socket too at the deadline (at once if it has passed)."""
        self._opened.append(sock)
        if self.passed:
            _shut(sock)
        return sock

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._timer.cancel()

    def _cut(self) -> None:
        self._passed.set()
        current = self._current()
        for sock in [*self._opened, *([current] if current is not None else [])]:
            _shut(sock)


class WatchedTLS:
    """An SSL context whose sockets are handed to `watch` before their handshake: wrapping a
    socket detaches the plain one, so only the TLS socket can still be cut while the handshake
    waits on the server. Anything else is the context's."""

    def __init__(self, context: ssl.SSLContext, watch: Callable[[socket.socket], object]) -> None:
        self._context, self._watch = context, watch

    def wrap_socket(
        self,
        sock: socket.socket,
        server_side: bool = False,
        do_handshake_on_connect: bool = True,
        suppress_ragged_eofs: bool = True,
        server_hostname: str | bytes | None = None,
        session: ssl.SSLSession | None = None,
    ) -> ssl.SSLSocket:
        wrapped = self._context.wrap_socket(
            sock,
            server_side=server_side,
            do_handshake_on_connect=False,
            suppress_ragged_eofs=suppress_ragged_eofs,
            server_hostname=server_hostname,
            session=session,
        )
        self._watch(wrapped)
        if do_handshake_on_connect:
            try:
                wrapped.do_handshake()
            except BaseException:
                wrapped.close()  # as the context's own wrap_socket does
                raise
        return wrapped

    def __getattr__(self, name: str) -> object:
        return getattr(self._context, name)


def _shut(sock: socket.socket) -> None:
    with suppress(OSError):  # already closed
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
