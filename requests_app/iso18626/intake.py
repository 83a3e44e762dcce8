"""A partner's `request` becomes a request of the office through the portal's own forms and
submit services: the same validation, the same locked copyright decision, the same record.

Idempotent on (partner, requestingAgencyRequestId): the same request again gets the stored
confirmation; another request under a used id is an ERROR. A Retry replaces the request it names
(in requestingAgencyPreviousRequestId, or by reusing its id), cancelled before the retry is decided
(docs/iso18626.md, "Requests")."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.db import DataError, IntegrityError, transaction

from requests_app import services
from requests_app.forms import CitationForm, CopyRequestForm, LoanRequestForm
from requests_app.iso18626 import outbox, xml
from requests_app.iso18626.citation import (
    FIELD_ELEMENTS,
    Mapped,
    Unmappable,
    map_request,
    read_billing,
)
from requests_app.iso18626.models import IsoPartner, IsoTransaction
from requests_app.iso18626.statuses import ErrorType, Reason
from requests_app.iso18626.xml import OK, Answer, confirm, error
from requests_app.lifecycle import Tell
from requests_app.models import Request, Service, Status

MAX_REQUEST_ID = IsoTransaction._meta.get_field("requesting_agency_request_id").max_length or 0
RETRY, REMINDER = "Retry", "Reminder"  # serviceInfo/requestType values that are not New
PREVIOUS_ID = "requestingAgencyPreviousRequestId"


@dataclass(frozen=True)
class Intake:
    answer: Answer
    confirmation: bytes
    request: Request | None = None
    problems: tuple[str, ...] = ()


def receive_request(partner: IsoPartner, element: xml.Element, received: datetime) -> Intake:
    request_id = xml.text(element, "header", "requestingAgencyRequestId")
    if not request_id or len(request_id) > MAX_REQUEST_ID:
        value = f"header/requestingAgencyRequestId: missing or over {MAX_REQUEST_ID} characters"
        return _refuse(element, received, value)
    try:
        mapped = map_request(element)
    except Unmappable as unmappable:
        return _refuse(element, received, str(unmappable))
    retry = xml.text(element, "serviceInfo", "requestType") == RETRY
    content = [mapped.service, mapped.data, mapped.delivery_address] + ([RETRY] if retry else [])
    fingerprint = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    existing = _existing(partner, request_id)
    # A Retry under the id it replaces (illmock, ReShare) acts; the same Retry again replays.
    if existing is not None and not (retry and existing.fingerprint != fingerprint):
        return _repeat(existing, element, received, fingerprint)
    try:
        return _submit_new(partner, element, received, mapped, fingerprint, existing, retry=retry)
    except IntegrityError:  # the same id submitted at the same moment: answer as a repeat
        return _repeat(_existing(partner, request_id), element, received, fingerprint)


class _Refused(Exception):
    """Raised inside the intake transaction so that nothing of the request stays."""


def _refuse(element: xml.Element, received: datetime, value: str) -> Intake:
    answer = error(ErrorType.UNRECOGNISED_DATA_VALUE, value)
    return Intake(answer, confirm("request", element, answer, received))


def _existing(partner: IsoPartner, request_id: str) -> IsoTransaction | None:
    rows = IsoTransaction.objects.select_related("request")
    return rows.filter(partner=partner, requesting_agency_request_id=request_id).first()


def _repeat(
    existing: IsoTransaction | None, element: xml.Element, received: datetime, fingerprint: str
) -> Intake:
    if existing is None:
        return _refuse(element, received, "requestingAgencyRequestId: try again")
    if existing.fingerprint == fingerprint or (
        xml.text(element, "serviceInfo", "requestType") == REMINDER
    ):
        return Intake(OK, existing.confirmation.encode(), existing.request)
    return _refuse(
        element,
        received,
        "requestingAgencyRequestId: already used for a different request; use a new id "
        f"(or requestType Retry, with {PREVIOUS_ID} naming the request it replaces)",
    )


def _submit_new(
    partner: IsoPartner,
    element: xml.Element,
    received: datetime,
    mapped: Mapped,
    fingerprint: str,
    existing: IsoTransaction | None,
    *,
    retry: bool,
) -> Intake:
    form: CitationForm = (
        CopyRequestForm(mapped.data)
        if mapped.service == Service.COPY
        else LoanRequestForm(mapped.data)
    )
    if not form.is_valid():
        return _refuse(element, received, _form_errors(form))
    request_id = xml.text(element, "header", "requestingAgencyRequestId")
    try:
        with transaction.atomic():
            previous = _previous(partner, element, existing) if retry else None
            if previous is not None:
                # Before the copyright decision: the request it replaces stops counting first
                # (docs/copyright.md, section 5), so the retry is not held as one copy too many.
                _retire(previous)
            request = _submit(partner, mapped, form)
            if (billing := read_billing(element)) is not None:
                billing.request = request
                billing.save()
            confirmation = confirm("request", element, OK, received)
            if previous is not None and previous.requesting_agency_request_id == request_id:
                link = _take_over(previous, request, fingerprint, confirmation)
            else:
                link = IsoTransaction.objects.create(
                    partner=partner,
                    request=request,
                    requesting_agency_request_id=request_id,
                    fingerprint=fingerprint,
                    confirmation=confirmation.decode(),
                )
            if previous is not None:
                _record_replacement(previous, request)
            outbox.queue_message(request, link, Reason.REQUEST_RESPONSE)
    except _Refused as refused:
        return _refuse(element, received, str(refused))
    return Intake(OK, confirmation, request, mapped.problems)


def _form_errors(form: forms.BaseForm) -> str:
    parts = []
    for field, messages in form.errors.items():
        where = FIELD_ELEMENTS.get(field, field if field != "__all__" else "request")
        parts.append(f"{where}: {' '.join(str(m) for m in messages)}")
    return "; ".join(parts)


def _submit(partner: IsoPartner, mapped: Mapped, form: CitationForm) -> Request:
    institution, user = partner.institution, partner.institution.user
    fields = {**form.request_fields(), "delivery_address": mapped.delivery_address}
    try:
        if isinstance(form, CopyRequestForm):
            return services.submit_copy_request(
                institution, fields=fields, facts=form.request_facts(), acting_user=user
            )
        return services.submit_loan_request(institution, fields=fields, acting_user=user)
    except services.IncompleteRequest as incomplete:
        raise _Refused(incomplete.decision.explanation) from None
    except DataError:  # a value the forms let through but a column cannot hold
        raise _Refused("a value is out of range for this office") from None


def _previous(
    partner: IsoPartner, element: xml.Element, existing: IsoTransaction | None
) -> IsoTransaction | None:
    """For a Retry: the partner's earlier request it replaces, locked. Peers name it in
    serviceInfo/requestingAgencyPreviousRequestId (the standard), or send the Retry under the
    same requestingAgencyRequestId (illmock keeps the id; ReShare updates the request it has
    under that id); a previous id found elsewhere in the message is read too."""
    previous_id = xml.text(element, "serviceInfo", PREVIOUS_ID) or _anywhere(element, PREVIOUS_ID)
    previous = existing or (_existing(partner, previous_id) if previous_id else None)
    if previous is None:
        if previous_id:
            raise _Refused(f"serviceInfo/{PREVIOUS_ID}: no request of yours has this id")
        return None  # nothing to replace: a new request
    status = Request.objects.select_for_update().get(pk=previous.request_id).status
    if status not in Request.CANCELLABLE_BY_INSTITUTION and status in Request.OPEN_STATUSES:
        raise _Refused(f"{PREVIOUS_ID}: that request is {Status(status).label}")
    return previous


def _anywhere(element: xml.Element, name: str) -> str:
    found = next(element.iter(f"{{*}}{name}"), None)
    return (found.text or "").strip() if found is not None else ""


def _retire(previous: IsoTransaction) -> None:
    """The request a Retry replaces is cancelled if it is still open. The partner is not told:
    its system replaced the request itself."""
    old = Request.objects.get(pk=previous.request_id)
    previous.request = old
    if old.status in Request.CANCELLABLE_BY_INSTITUTION:
        services.cancel_by_institution(old, seen=old.status, acting_user=None, tell=Tell.NOBODY)


def _take_over(
    previous: IsoTransaction, request: Request, fingerprint: str, confirmation: bytes
) -> IsoTransaction:
    """A Retry under the same id: the id now names the new request."""
    IsoTransaction.objects.filter(pk=previous.pk).update(
        request=request,
        fingerprint=fingerprint,
        confirmation=confirmation.decode(),
        cancel_asked=False,
    )
    return IsoTransaction.objects.select_related("partner").get(pk=previous.pk)


def _record_replacement(previous: IsoTransaction, request: Request) -> None:
    """Both timelines say which replaced which."""
    old, their_id = previous.request, previous.requesting_agency_request_id
    services.record_library_message(request, text=f"Retry of request {old.pk} ({their_id}).")
    services.record_library_message(old, text=f"Replaced by request {request.pk} (a Retry).")
