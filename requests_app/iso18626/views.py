"""`POST /iso18626/`: every ISO 18626 message a partner sends, and the expiring copy link.

A message is always answered with HTTP 200 and its confirmation, OK or ERROR (peers take any
other status for a transport failure). HTTP 4xx is only for a body that is no message at all,
and then nothing is stored (docs/iso18626.md, "The endpoint")."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from requests_app.iso18626 import receive, xml
from requests_app.iso18626.outbox import DOWNLOAD_SALT
from requests_app.models import Request
from requests_app.views import delivered_file_response

XML = "application/xml; charset=utf-8"


@csrf_exempt  # machine to machine: partners authenticate in the message (docs/iso18626.md)
@require_POST
def endpoint(request: HttpRequest) -> HttpResponse:
    received = timezone.now()
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
    token = _bearer(request.META.get("HTTP_AUTHORIZATION", ""))
    answer = receive.receive(parsed, body, header_token=token, received=received)
    if answer is None:
        return _refuse(f"{parsed.kind} is only ever an answer, never sent to us", 400)
    return HttpResponse(answer, content_type=XML)


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
