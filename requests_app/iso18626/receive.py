"""Who sent a message, what it gets, and the log row that keeps both.

Only a registered partner of an active, verified institution is served; any other sender gets an
ERROR confirmation and nothing is stored but the metadata of its message (docs/iso18626.md,
"Connecting")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Upper

from requests_app.iso18626 import actions, intake, limits, models, xml
from requests_app.iso18626.models import IsoMessage, IsoPartner, IsoTransaction
from requests_app.iso18626.statuses import ErrorType
from requests_app.iso18626.xml import CONFIRMATION_OF, Answer, confirm, error
from requests_app.models import Request

_NOT_A_PARTNER = (
    "requestingAgencyId: not a registered ISO 18626 partner of this office, or its "
    "authentication failed (register the library, then ask the office for a partner profile)"
)


class OverQuota(Exception):
    """The partner's messages of the last day already fill its share of the log (HTTP 429)."""


@dataclass(frozen=True)
class Received:
    """A message as it arrived: the parsed tree, and what is known of its body and sender."""

    parsed: xml.Parsed
    size: int
    digest: str
    client_address: str | None
    header_token: str
    at: datetime


def claimed_agency(parsed: xml.Parsed) -> str:
    """requestingAgencyId as the sender wrote it, `type:value`, for the limits and the log."""
    agency = xml.child(parsed.element, "header", "requestingAgencyId")
    return f"{xml.text(agency, 'agencyIdType')}:{xml.text(agency, 'agencyIdValue')}"[:100]


@dataclass(frozen=True)
class Reply:
    """The confirmation, and the request the message was about when messages about it now wait
    for the confirmation to go back (its `confirming_since`, for outbox.confirmation_sent)."""

    confirmation: bytes
    request_id: int | None = None
    confirming_since: datetime | None = None


def receive(message: Received) -> Reply | None:
    """The confirmation for a parsed message, or None for a confirmation sent to us. The effects
    and the log row are written in one transaction: a message is either handled and logged, or
    neither, and the partner's resend finds it so (docs/iso18626.md, "The endpoint"). Nothing
    about the request is sent until the web server has the confirmation."""
    parsed = message.parsed
    if parsed.kind not in CONFIRMATION_OF:
        return None
    header = xml.child(parsed.element, "header")
    partner = identify(header, header_token=message.header_token, client=message.client_address)
    if partner is None:
        answer = error(ErrorType.UNRECOGNISED_DATA_VALUE, _NOT_A_PARTNER)
        confirmation = confirm(parsed.kind, parsed.element, answer, message.at)
        _log_unauthenticated(message, answer)
        return Reply(confirmation)
    if limits.over_quota(partner):
        raise OverQuota(str(partner))
    with transaction.atomic():
        request: Request | None = None
        problems: tuple[str, ...] = ()
        if (wrong := _wrong_supplier(header)) is not None:
            answer = wrong
            confirmation = confirm(parsed.kind, parsed.element, answer, message.at)
        else:
            answer, confirmation, request, problems = _handle(partner, parsed, message.at)
        _log(message, partner, request, answer, confirmation, (*parsed.problems, *problems))
        if request is None or not _hold_messages(request, message.at):
            return Reply(confirmation)
    return Reply(confirmation, request.pk, message.at)


def _hold_messages(request: Request, since: datetime) -> bool:
    """Nothing about the request goes to the partner before this confirmation (the sender waits,
    sending.awaiting_confirmation); False when the request has no partner link."""
    return bool(IsoTransaction.objects.filter(request=request).update(confirming_since=since))


def _handle(
    partner: IsoPartner, parsed: xml.Parsed, received: datetime
) -> tuple[Answer, bytes, Request | None, tuple[str, ...]]:
    if parsed.kind == "request":
        result = intake.receive_request(partner, parsed.element, received)
        return result.answer, result.confirmation, result.request, result.problems
    if parsed.kind == "requestingAgencyMessage":
        answer, request = actions.receive_action(partner, parsed.element)
    else:
        value = "supplyingAgencyMessage: this office is a supplying agency only"
        answer, request = error(ErrorType.UNSUPPORTED_ACTION_TYPE, value), None
    return answer, confirm(parsed.kind, parsed.element, answer, received), request, ()


def identify(
    header: xml.Element | None, *, header_token: str, client: str | None
) -> IsoPartner | None:
    """The active partner of an institution that may use the portal, authenticated by every
    credential configured for it (requestingAgencyAuthentication and/or the header token).
    Failures are counted per (agency id, client address) and lock that pair as the log-in
    does (requests_app/iso18626/limits.py)."""
    agency = xml.child(header, "requestingAgencyId")
    type_, value = xml.text(agency, "agencyIdType"), xml.text(agency, "agencyIdValue")
    auth = xml.child(header, "requestingAgencyAuthentication")
    account_id, code = xml.text(auth, "accountId"), xml.text(auth, "securityCode")
    claimed = f"{type_}:{value}"
    if limits.authentication_locked(claimed, client):
        return None
    partner = _partner(type_, value)
    if partner is None:
        models.spend_a_code_check(code)
    elif partner.authenticates(
        account_id=account_id, security_code=code, header_token=header_token
    ):
        limits.authentication_succeeded(claimed, client)
        return partner
    limits.authentication_failed(claimed, client)
    return None


def _partner(type_: str, value: str) -> IsoPartner | None:
    if not type_ or not value:
        return None
    partner = (
        IsoPartner.objects.select_related("institution__user")
        .annotate(type_upper=Upper("agency_id_type"), value_upper=Upper("agency_id_value"))
        .filter(type_upper=type_.upper(), value_upper=value.upper(), is_active=True)
        .first()
    )
    return partner if partner is not None and partner.institution.may_use_portal else None


def _wrong_supplier(header: xml.Element | None) -> Answer | None:
    agency = xml.child(header, "supplyingAgencyId")
    value = xml.text(agency, "agencyIdValue")
    if value.upper() == settings.ISO18626_AGENCY_ID_VALUE.upper():
        return None
    ours = f"{settings.ISO18626_AGENCY_ID_TYPE}:{settings.ISO18626_AGENCY_ID_VALUE}"
    return error(ErrorType.UNRECOGNISED_DATA_VALUE, f"supplyingAgencyId: {value}; we are {ours}")


def _log(
    message: Received,
    partner: IsoPartner,
    request: Request | None,
    answer: Answer,
    confirmation: bytes,
    problems: tuple[str, ...],
) -> None:
    parsed = message.parsed
    header = xml.child(parsed.element, "header")
    summary = " ".join(
        filter(
            None,
            [xml.text(parsed.element, "action"), xml.text(header, "requestingAgencyRequestId")],
        )
    )
    IsoMessage.objects.create(
        **_metadata(message, answer),
        partner=partner,
        request=request,
        summary=summary[:200],
        raw=xml.logged_text(parsed.element),
        parsed=xml.to_dict(parsed.element),
        problems=list(problems),
        confirmation=confirmation.decode(),
    )


def _log_unauthenticated(message: Received, answer: Answer) -> None:
    """Metadata only: a sender that is no partner cannot fill the log with its bodies."""
    IsoMessage.objects.create(**_metadata(message, answer), authenticated=False, raw="")


def _metadata(message: Received, answer: Answer) -> dict[str, object]:
    return {
        "direction": IsoMessage.Direction.IN,
        "kind": message.parsed.kind,
        "claimed_agency": claimed_agency(message.parsed),
        "client_address": message.client_address,
        "size": message.size,
        "digest": message.digest,
        "message_status": answer.status,
        "error": f"{answer.error_type}: {answer.error_value}"[:300] if answer.error_type else "",
        "created_at": message.at,
    }
