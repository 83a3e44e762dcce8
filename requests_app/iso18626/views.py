"""`POST /iso18626/`: every ISO 18626 message a partner sends, the expiring copy link, and the
desk's button that sends a message that did not go through again.

A message is always answered with HTTP 200 and its confirmation, OK or ERROR (peers take any
other status for a transport failure). HTTP 4xx is only for a body that is no message at all,
and then nothing is stored (docs/iso18626.md, "The endpoint")."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from illdesk.network import client_ip
from requests_app.iso18626 import limits, outbox, receive, xml
from requests_app.iso18626.messages import DOWNLOAD_SALT
from requests_app.iso18626.models import IsoMessage
from requests_app.models import Request
from requests_app.views import delivered_file_response

XML = "application/xml; charset=utf-8"
logger = logging.getLogger(__name__)


@csrf_exempt  # machine to machine: partners authenticate in the message (docs/iso18626.md)
@require_POST
def endpoint(request: HttpRequest) -> HttpResponse:
    received = timezone.now()
    address = client_ip(request)
    if limits.over_rate("address", address):
        return _busy()
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isascii() or not declared.isdigit():
        return _refuse("a Content-Length in digits is required", 411)
    if int(declared) > settings.ISO18626_MAX_BYTES:
        return _refuse(f"the body is over {settings.ISO18626_MAX_BYTES} bytes", 413)
    body = request.read(settings.ISO18626_MAX_BYTES + 1)
    if len(body) > settings.ISO18626_MAX_BYTES:
        return _refuse(f"the body is over {settings.ISO18626_MAX_BYTES} bytes", 413)
    try:
        parsed = xml.parse(body)
    except xml.NotAMessage as not_a_message:
        return _refuse(str(not_a_message), 400)
    if limits.over_rate("agency", receive.claimed_agency(parsed)):
        return _busy()
    message = receive.Received(
        parsed=parsed,
        size=len(body),
        digest=hashlib.sha256(body).hexdigest(),
        client_address=address,
        header_token=_bearer(request.META.get("HTTP_AUTHORIZATION", "")),
        at=received,
    )
    try:
        reply = receive.receive(message)
    except receive.OverQuota:
        return _busy()
    if reply is None:
        return _refuse(f"{parsed.kind} is only ever an answer, never sent to us", 400)
    return ConfirmationResponse(reply)


class ConfirmationResponse(HttpResponse):
    """The confirmation. The web server closes the response once it has written it: then the
    messages about the request that waited behind it may go (docs/iso18626.md, "Messages we
    send")."""

    def __init__(self, reply: receive.Reply) -> None:
        super().__init__(reply.confirmation, content_type=XML)
        self.reply = reply

    def close(self) -> None:
        # Before the base class ends the request (request_finished closes the connection).
        if self.reply.request_id is not None:
            outbox.confirmation_sent(self.reply.request_id, self.reply.confirming_since)
        super().close()


def _busy() -> HttpResponse:
    """Peers take any status but 200 for a transport failure and send the message again later,
    which is what a sender over its limits should do (docs/iso18626.md, "Limits")."""
    response = HttpResponse(
        "Too many messages: send again later.\n", status=429, content_type="text/plain"
    )
    response["Retry-After"] = str(limits.RATE_WINDOW_SECONDS)
    return response


def _refuse(reason: str, status: int) -> HttpResponse:
    return HttpResponse(
        f"Not an ISO 18626 message: {reason}\n", status=status, content_type="text/plain"
    )


def _bearer(value: str) -> str:
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


# Whoever holds the link gets the copy, logged in or not, so the logged-in pages' Cache-Control
# (illdesk/middleware.py) does not cover it: no cache may keep it (docs/operations.md).
@never_cache
@require_GET
def copy(request: HttpRequest, token: str) -> HttpResponse:
    """A delivered copy for the partner's system, by the signed link sent in CopyCompleted."""
    max_age = settings.REQUESTS_DELIVERY_DAYS * 24 * 3600
    try:
        pk = signing.loads(token, salt=DOWNLOAD_SALT, max_age=max_age)
    except signing.BadSignature:
        raise Http404("No such copy") from None
    item = get_object_or_404(Request, pk=pk, iso_transaction__isnull=False)
    return delivered_file_response(item)


@require_POST
@staff_member_required
@permission_required("requests_app.change_request", raise_exception=True)
def resend(request: HttpRequest, pk: int, message_id: int) -> HttpResponse:
    """Staff send a message that did not go through again, from the request's desk page."""
    message = get_object_or_404(
        IsoMessage, pk=message_id, request_id=pk, direction=IsoMessage.Direction.OUT
    )
    if outbox.resend_message(message):
        logger.info("request %s: ISO 18626 message %s resent by %s", pk, message.pk, request.user)
        messages.success(request, f"Request {pk}: the message to the library's system is queued.")
    else:
        messages.error(request, "That message went through meanwhile, or a later one did.")
    return redirect("desk:detail", pk=pk)
