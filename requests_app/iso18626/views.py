"""`POST /iso18626/`: every ISO 18626 message a partner sends: who sent it, what it may cost the
office, what it gets, and the log row that keeps both; the expiring copy link; and the desk's
button that sends a message that did not go through again.

A message is always answered with HTTP 200 and its confirmation, OK or ERROR (peers take any
other status for a transport failure). HTTP 4xx is only for a body that is no message at all,
and then nothing is stored (docs/iso18626.md, "The endpoint"). Only a registered partner of an
active, verified institution is served; any other sender gets an ERROR confirmation and nothing
is stored but the metadata of its message (docs/iso18626.md, "Connecting").

What one sender may cost (docs/iso18626.md, "Limits"): messages per minute per client address
and per agency id, security-code failures per (agency id, client address) as the log-in lockout
counts them, and the bytes one partner may add to the log in a day. The counters live in the
shared cache (Redis in production); with the cache unreachable they are not applied and the
outage is logged (docs/operations.md, "When Redis is down"): a partner's messages keep flowing,
and authentication itself never depends on the cache."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Upper
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from redis.exceptions import RedisError

from illdesk.cache import count_in_window
from illdesk.network import client_ip
from requests_app.iso18626 import actions, intake, models, outbox, xml
from requests_app.iso18626.models import IsoMessage, IsoPartner, IsoTransaction
from requests_app.iso18626.outbox import DOWNLOAD_SALT
from requests_app.iso18626.statuses import ErrorType
from requests_app.models import Request
from requests_app.views import delivered_file_response

XML = "application/xml; charset=utf-8"
logger = logging.getLogger(__name__)
# What the cache raises with Redis unreachable, with Django's Redis backend and with django-redis
# (which CACHE_URL=redis://... selects through django-environ) alike.
CACHE_DOWN = (RedisError, OSError)
RATE_WINDOW_SECONDS = 60
QUOTA_WINDOW = timedelta(days=1)
_NOT_A_PARTNER = (
    "requestingAgencyId: not a registered ISO 18626 partner of this office, or its "
    "authentication failed (register the library, then ask the office for a partner profile)"
)


@csrf_exempt  # machine to machine: partners authenticate in the message (docs/iso18626.md)
@require_POST
def endpoint(request: HttpRequest) -> HttpResponse:
    received = timezone.now()
    address = client_ip(request)
    if over_rate("address", address):
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
    header = xml.child(parsed.element, "header")
    agency = xml.child(header, "requestingAgencyId")
    agency_type, agency_value = xml.text(agency, "agencyIdType"), xml.text(agency, "agencyIdValue")
    message = Received(
        parsed=parsed,
        header=header,
        agency_type=agency_type,
        agency_value=agency_value,
        claimed_agency=f"{agency_type}:{agency_value}"[:100],
        size=len(body),
        digest=hashlib.sha256(body).hexdigest(),
        client_address=address,
        at=received,
    )
    if over_rate("agency", message.claimed_agency):
        return _busy()
    if parsed.kind not in xml.CONFIRMATION_OF:
        return _refuse(f"{parsed.kind} is only ever an answer, never sent to us", 400)
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    partner = identify(message, header_token=token.strip() if scheme.lower() == "bearer" else "")
    if partner is not None and over_quota(partner):
        return _busy()
    return receive(message, partner)


@dataclass(frozen=True)
class Received:
    """A message as it arrived: the parsed tree and its header, the sender's agency id as
    written (`claimed_agency`: `type:value`, for the limits and the log), and what is known of
    its body and client."""

    parsed: xml.Parsed
    header: xml.Element | None
    agency_type: str
    agency_value: str
    claimed_agency: str
    size: int
    digest: str
    client_address: str | None
    at: datetime


def receive(message: Received, partner: IsoPartner | None) -> ConfirmationResponse:
    """The confirmation for a message. The effects and the log row are written in one
    transaction: a message is either handled and logged, or neither, and the partner's resend
    finds it so. Nothing about the request is sent until the web server has the confirmation
    (ConfirmationResponse)."""
    parsed = message.parsed
    if partner is None:
        answer = xml.error(ErrorType.UNRECOGNISED_DATA_VALUE, _NOT_A_PARTNER)
        IsoMessage.objects.create(**_metadata(message, answer), authenticated=False, raw="")
        return ConfirmationResponse(xml.confirm(parsed.kind, parsed.element, answer, message.at))
    with transaction.atomic():
        request: Request | None = None
        problems: tuple[str, ...] = ()
        confirmation: bytes | None = None  # a request's is the intake's (stored, replayed)
        supplier = xml.text(message.header, "supplyingAgencyId", "agencyIdValue")
        if supplier.upper() != settings.ISO18626_AGENCY_ID_VALUE.upper():
            ours = f"{settings.ISO18626_AGENCY_ID_TYPE}:{settings.ISO18626_AGENCY_ID_VALUE}"
            value = f"supplyingAgencyId: {supplier}; we are {ours}"
            answer = xml.error(ErrorType.UNRECOGNISED_DATA_VALUE, value)
        elif parsed.kind == "request":
            taken = intake.receive_request(partner, parsed.element, message.at)
            answer, request, problems = taken.answer, taken.request, taken.problems
            confirmation = taken.confirmation
        elif parsed.kind == "requestingAgencyMessage":
            answer, request = actions.receive_action(partner, parsed.element)
        else:
            value = "supplyingAgencyMessage: this office is a supplying agency only"
            answer = xml.error(ErrorType.UNSUPPORTED_ACTION_TYPE, value)
        if confirmation is None:
            confirmation = xml.confirm(parsed.kind, parsed.element, answer, message.at)
        _log(message, partner, request, answer, confirmation, (*parsed.problems, *problems))
        # Nothing about the request goes to the partner before this confirmation (the sender
        # waits, sending.awaiting_confirmation); none is held when it has no partner link.
        links = IsoTransaction.objects.filter(request=request)
        if request is None or not links.update(confirming_since=message.at):
            return ConfirmationResponse(confirmation)
    return ConfirmationResponse(confirmation, request.pk, message.at)


class ConfirmationResponse(HttpResponse):
    """The confirmation. The web server closes the response once it has written it: then the
    messages about the request that waited behind it may go (docs/iso18626.md, "Messages we
    send")."""

    def __init__(
        self,
        confirmation: bytes,
        request_id: int | None = None,
        confirming_since: datetime | None = None,
    ) -> None:
        super().__init__(confirmation, content_type=XML)
        self.request_id, self.confirming_since = request_id, confirming_since

    def close(self) -> None:
        # Before the base class ends the request (request_finished closes the connection).
        if self.request_id is not None:
            outbox.confirmation_sent(self.request_id, self.confirming_since)
        super().close()


def identify(message: Received, *, header_token: str) -> IsoPartner | None:
    """The active partner of an institution that may use the portal, authenticated by every
    credential configured for it (requestingAgencyAuthentication and/or the header token).

    AXES_FAILURE_LIMIT failed authentications of one agency id from one client address lock
    that pair for AXES_COOLOFF_TIME from the failure that locked it, as the log-in does: during
    the lock even the right code is refused, while the partner's own system, from its own
    address, is not locked out by someone else's guesses. The right code clears the count."""
    auth = xml.child(message.header, "requestingAgencyAuthentication")
    account_id, code = xml.text(auth, "accountId"), xml.text(auth, "securityCode")
    failures = _key(
        "auth-failures", message.claimed_agency.upper(), message.client_address or "unknown"
    )
    try:
        if int(cache.get(failures) or 0) >= settings.AXES_FAILURE_LIMIT:
            return None
    except CACHE_DOWN as error:
        logger.warning("ISO 18626 authentication throttle not applied (%s)", type(error).__name__)
    type_, value = message.agency_type, message.agency_value
    partner = (
        IsoPartner.objects.select_related("institution__user")
        .annotate(type_upper=Upper("agency_id_type"), value_upper=Upper("agency_id_value"))
        .filter(type_upper=type_.upper(), value_upper=value.upper(), is_active=True)
        .first()
        if type_ and value
        else None
    )
    if partner is None or not partner.institution.may_use_portal:
        models.spend_a_code_check(code)
    elif partner.authenticates(
        account_id=account_id, security_code=code, header_token=header_token
    ):
        try:
            cache.delete(failures)
        except CACHE_DOWN as error:
            logger.warning("ISO 18626 authentication throttle not reset (%s)", type(error).__name__)
        return partner
    authentication_failed(failures, message)
    return None


def _log(
    message: Received,
    partner: IsoPartner,
    request: Request | None,
    answer: xml.Answer,
    confirmation: bytes,
    problems: tuple[str, ...],
) -> None:
    element = message.parsed.element
    their_id = xml.text(message.header, "requestingAgencyRequestId")
    summary = " ".join(filter(None, [xml.text(element, "action"), their_id]))
    IsoMessage.objects.create(
        **_metadata(message, answer),
        partner=partner,
        request=request,
        summary=summary[:200],
        raw=xml.logged_text(element),
        parsed=xml.to_dict(element),
        problems=list(problems),
        confirmation=confirmation.decode(),
    )


def _metadata(message: Received, answer: xml.Answer) -> dict[str, object]:
    return {
        "direction": IsoMessage.Direction.IN,
        "kind": message.parsed.kind,
        "claimed_agency": message.claimed_agency,
        "client_address": message.client_address,
        "size": message.size,
        "digest": message.digest,
        "message_status": answer.status,
        "error": f"{answer.error_type}: {answer.error_value}"[:300] if answer.error_type else "",
        "created_at": message.at,
    }


def _busy() -> HttpResponse:
    """Peers take any status but 200 for a transport failure and send the message again later,
    which is what a sender over its limits should do (docs/iso18626.md, "Limits")."""
    response = HttpResponse(
        "Too many messages: send again later.\n", status=429, content_type="text/plain"
    )
    response["Retry-After"] = str(RATE_WINDOW_SECONDS)
    return response


def _refuse(reason: str, status: int) -> HttpResponse:
    return HttpResponse(
        f"Not an ISO 18626 message: {reason}\n", status=status, content_type="text/plain"
    )


# --- What one sender may cost ------------------------------------------------------------------


def over_rate(kind: str, who: str | None) -> bool:
    """Count one message from `who` (a client address or an agency id) and say whether it is
    over ISO18626_RATE_LIMIT for this minute."""
    key = _key("rate", kind, (who or "unknown").upper())
    try:
        return count_in_window(key, RATE_WINDOW_SECONDS) > settings.ISO18626_RATE_LIMIT
    except CACHE_DOWN as error:
        logger.warning("ISO 18626 rate limit not applied (%s)", type(error).__name__)
        return False


def _key(*parts: str) -> str:
    """A cache key of fixed length and safe characters, whatever the sender wrote."""
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    return f"iso18626:{parts[0]}:{digest}"


def authentication_failed(failures: str, message: Received) -> None:
    """One more failure counted under its (agency id, client address) key."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    try:
        locks = count_in_window(failures, seconds) == settings.AXES_FAILURE_LIMIT
        if locks:
            # The lock lasts the cool-off from this failure; a locked pair is not checked, so
            # failures during the lock do not extend it.
            cache.touch(failures, seconds)
    except CACHE_DOWN as error:
        logger.warning("ISO 18626 authentication failure not counted (%s)", type(error).__name__)
        return
    if locks:
        agency, client = message.claimed_agency, message.client_address
        logger.warning("ISO 18626: agency %s locked out for client %s", agency, client)


def over_quota(partner: IsoPartner) -> bool:
    """The partner's messages of the last day already hold ISO18626_PARTNER_DAILY_BYTES."""
    since = timezone.now() - QUOTA_WINDOW
    received = IsoMessage.objects.filter(
        partner=partner, direction=IsoMessage.Direction.IN, created_at__gte=since
    )
    stored = received.aggregate(total=Sum("size"))["total"] or 0
    return int(stored) >= settings.ISO18626_PARTNER_DAILY_BYTES


# --- The desk and the copy link -----------------------------------------------------------------


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
