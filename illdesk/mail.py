"""Django's SMTP email backend with a total deadline on each send (docs/operations.md, "Email").

EMAIL_TIMEOUT bounds each wait on the SMTP server, not the exchange: a server that trickles its
replies a byte a second would hold the worker past its lease on the outbox message
(illdesk/outbox.py), and another worker would send the email again. Each `send_messages` (the
greeting, TLS, log-in and every message) must end within EMAIL_SEND_DEADLINE seconds; at the
deadline the connection is cut (illdesk/network.py) and DeadlineExceeded raised, a transient
failure the outbox retries. Settings name this backend for every SMTP EMAIL_URL.
"""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends import smtp

from illdesk.network import Deadline, DeadlineExceeded, WatchedTLS


class EmailBackend(smtp.EmailBackend):
    _partial_connection: smtplib.SMTP | None  # Django's: the connection while it is opened
    _deadline: Deadline | None = None  # the send under way's

    @property
    def connection_class(self) -> Any:
        # The socket is watched as soon as it is connected: the greeting is read before the
        # connection is handed back.
        watched = _WatchedSMTP_SSL if self.use_ssl else _WatchedSMTP
        return partial(watched, watch=self._watch)

    @property
    def ssl_context(self) -> Any:
        # SMTP over TLS and STARTTLS: the TLS socket is watched before its handshake.
        return WatchedTLS(super().ssl_context, self._watch)

    def _watch(self, sock: socket.socket) -> None:
        if self._deadline is not None:
            self._deadline.watch(sock)

    def _socket(self) -> socket.socket | None:
        connection = self.connection or self._partial_connection
        return getattr(connection, "sock", None)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        seconds = settings.EMAIL_SEND_DEADLINE
        with Deadline(seconds, current=self._socket) as deadline:
            self._deadline = deadline
            try:
                sent = super().send_messages(email_messages)
            except OSError:  # smtplib.SMTPException is one
                if deadline.passed:
                    self._forget_connection()
                    raise DeadlineExceeded(f"not sent within {seconds:g} s") from None
                raise
            finally:
                self._deadline = None
        if deadline.passed:  # failed silently, or cut as it said goodbye: the messages went
            self._forget_connection()
        return sent

    def _forget_connection(self) -> None:
        """The cut connection is of no more use (a caller that opened it keeps the backend)."""
        for connection in (self.connection, self._partial_connection):
            if connection is not None:
                connection.close()
        self.connection = self._partial_connection = None


class _Watching(smtplib.SMTP):
    """An SMTP connection that hands its socket to `watch` as soon as it is connected, before
    the greeting is read (or the TLS handshake made: the backend's ssl_context)."""

    _watch_socket: Callable[[socket.socket], None]

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock: socket.socket = super()._get_socket(host, port, timeout)  # type: ignore[misc]
        self._watch_socket(sock)
        return sock


class _WatchedSMTP(_Watching):
    def __init__(self, *args: Any, watch: Callable[[socket.socket], None], **kwargs: Any) -> None:
        self._watch_socket = watch
        super().__init__(*args, **kwargs)


class _WatchedSMTP_SSL(smtplib.SMTP_SSL, _Watching):  # noqa: N801 (smtplib's name)
    def __init__(self, *args: Any, watch: Callable[[socket.socket], None], **kwargs: Any) -> None:
        self._watch_socket = watch
        super().__init__(*args, **kwargs)
