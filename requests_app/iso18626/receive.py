"""Who sent a message, what it gets, and the log row that keeps both.

Only a registered partner of an active, verified institution is served; any other sender gets an
ERROR confirmation and nothing is stored but the log row (docs/iso18626.md, "Connecting")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models.functions import Upper

from requests_app.iso18626 import actions, intake, xml
from requests_app.iso18626.confirmations import CONFIRMATION_OF, Answer, confirm, error
from requests_app.iso18626.models import IsoMessage, IsoPartner
from requests_app.iso18626.statuses import ErrorType
from requests_app.models import Request

_NOT_A_PARTNER = (
    "requestingAgencyId: not a registered ISO 18626 partner of this office, or its "
    "authentication failed (register the library, then ask the office for a partner profile)"
)


def receive(
    parsed: xml.Parsed, body: bytes, *, header_token: str, received: datetime
) -> bytes | None:
    """The confirmation for a parsed message, or None for a confirmation sent to us."""
    if parsed.kind not in CONFIRMATION_OF:
        return None
    header = xml.child(parsed.element, "header")
    partner = identify(header, header_token=header_token)
    request: Request | None = None
    problems: tuple[str, ...] = ()
    if partner is None:
        answer = error(ErrorType.UNRECOGNISED_DATA_VALUE, _NOT_A_PARTNER)
        confirmation = confirm(parsed.kind, parsed.element, answer, received)
    elif (wrong := _wrong_supplier(header)) is not None:
        answer = wrong
        confirmation = confirm(parsed.kind, parsed.element, answer, received)
    else:
        answer, confirmation, request, problems = _handle(partner, parsed, received)
    problems = (*parsed.problems, *problems)
    _log(parsed, body, partner, request, answer, confirmation, problems, received)
    return confirmation


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


def identify(header: Any, *, header_token: str) -> IsoPartner | None:
    """The active partner of an institution that may use the portal, authenticated by every
    credential configured for it (requestingAgencyAuthentication and/or the header token)."""
    agency = xml.child(header, "requestingAgencyId")
    type_, value = xml.text(agency, "agencyIdType"), xml.text(agency, "agencyIdValue")
    if not type_ or not value:
        return None
    partner = (
        IsoPartner.objects.select_related("institution__user")
        .annotate(type_upper=Upper("agency_id_type"), value_upper=Upper("agency_id_value"))
        .filter(type_upper=type_.upper(), value_upper=value.upper(), is_active=True)
        .first()
    )
    if partner is None or not partner.institution.may_use_portal:
        return None
    auth = xml.child(header, "requestingAgencyAuthentication")
    accepted = partner.authenticates(
        account_id=xml.text(auth, "accountId"),
        security_code=xml.text(auth, "securityCode"),
        header_token=header_token,
    )
    return partner if accepted else None


def _wrong_supplier(header: Any) -> Answer | None:
    agency = xml.child(header, "supplyingAgencyId")
    value = xml.text(agency, "agencyIdValue")
    if value.upper() == settings.ISO18626_AGENCY_ID_VALUE.upper():
        return None
    ours = f"{settings.ISO18626_AGENCY_ID_TYPE}:{settings.ISO18626_AGENCY_ID_VALUE}"
    return error(ErrorType.UNRECOGNISED_DATA_VALUE, f"supplyingAgencyId: {value}; we are {ours}")


def _log(
    parsed: xml.Parsed,
    body: bytes,
    partner: IsoPartner | None,
    request: Request | None,
    answer: Answer,
    confirmation: bytes,
    problems: tuple[str, ...],
    received: datetime,
) -> None:
    header = xml.child(parsed.element, "header")
    summary = " ".join(
        filter(
            None,
            [xml.text(parsed.element, "action"), xml.text(header, "requestingAgencyRequestId")],
        )
    )
    IsoMessage.objects.create(
        partner=partner,
        request=request,
        direction=IsoMessage.Direction.IN,
        kind=parsed.kind,
        summary=summary[:200],
        raw=xml.redacted(body).decode(errors="replace"),
        parsed=xml.to_dict(parsed.element),
        problems=list(problems),
        confirmation=confirmation.decode(),
        message_status=answer.status,
        error=f"{answer.error_type}: {answer.error_value}"[:300] if answer.error_type else "",
        created_at=received,
    )
