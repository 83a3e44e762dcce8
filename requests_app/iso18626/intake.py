"""A partner's `request` becomes a request of the office through the portal's own forms and
submit services: the same validation, the same locked copyright decision, the same record.

Idempotent on (partner, requestingAgencyRequestId): the same request again gets the stored
confirmation; another request under a used id is an ERROR. A Retry names the request it replaces
in requestingAgencyPreviousRequestId (docs/iso18626.md, "Requests")."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.db import DataError, IntegrityError, transaction

from requests_app import services
from requests_app.forms import CitationForm, CopyRequestForm, LoanRequestForm
from requests_app.iso18626 import outbox, xml
from requests_app.iso18626.citation import FIELD_ELEMENTS, Mapped, Unmappable, map_request
from requests_app.iso18626.confirmations import OK, Answer, confirm, error
from requests_app.iso18626.models import IsoPartner, IsoTransaction
from requests_app.iso18626.statuses import ErrorType, Reason
from requests_app.models import Request, Status

MAX_REQUEST_ID = IsoTransaction._meta.get_field("requesting_agency_request_id").max_length or 0


@dataclass(frozen=True)
class Intake:
    answer: Answer
    confirmation: bytes
    request: Request | None = None
    problems: tuple[str, ...] = ()


def receive_request(partner: IsoPartner, element: Any, received: datetime) -> Intake:
    request_id = xml.text(element, "header", "requestingAgencyRequestId")
    if not request_id or len(request_id) > MAX_REQUEST_ID:
        value = f"header/requestingAgencyRequestId: missing or over {MAX_REQUEST_ID} characters"
        return _refuse(element, received, value)
    try:
        mapped = map_request(element)
    except Unmappable as unmappable:
        return _refuse(element, received, str(unmappable))
    fingerprint = _fingerprint(mapped)
    existing = _existing(partner, request_id)
    if existing is not None:
        return _repeat(existing, element, received, fingerprint)
    try:
        return _submit_new(partner, element, received, mapped, fingerprint)
    except IntegrityError:  # the same id submitted at the same moment: answer as a repeat
        return _repeat(_existing(partner, request_id), element, received, fingerprint)


def _refuse(element: Any, received: datetime, value: str) -> Intake:
    answer = error(ErrorType.UNRECOGNISED_DATA_VALUE, value)
    return Intake(answer, confirm("request", element, answer, received))


def _fingerprint(mapped: Mapped) -> str:
    content = json.dumps([mapped.service, mapped.data], sort_keys=True)
    return hashlib.sha256(content.encode()).hexdigest()


def _existing(partner: IsoPartner, request_id: str) -> IsoTransaction | None:
    rows = IsoTransaction.objects.select_related("request")
    return rows.filter(partner=partner, requesting_agency_request_id=request_id).first()


def _repeat(
    existing: IsoTransaction | None, element: Any, received: datetime, fingerprint: str
) -> Intake:
    request_type = xml.text(element, "serviceInfo", "requestType")
    if existing is None:
        return _refuse(element, received, "requestingAgencyRequestId: try again")
    if existing.fingerprint == fingerprint or request_type == "Reminder":
        return Intake(OK, existing.confirmation.encode(), existing.request)
    return _refuse(
        element,
        received,
        "requestingAgencyRequestId: already used for a different request; use a new id "
        "(or requestType Retry with requestingAgencyPreviousRequestId)",
    )


def _submit_new(
    partner: IsoPartner, element: Any, received: datetime, mapped: Mapped, fingerprint: str
) -> Intake:
    form = _form(mapped)
    if not form.is_valid():
        return _refuse(element, received, _form_errors(form))
    with transaction.atomic():
        previous = _previous(partner, element)
        if isinstance(previous, str):
            return _refuse(element, received, previous)
        try:
            request = _submit(partner, mapped, form)
        except services.IncompleteRequest as incomplete:
            return _refuse(element, received, incomplete.decision.explanation)
        except DataError:  # a value the forms let through but a column cannot hold
            return _refuse(element, received, "a value is out of range for this office")
        confirmation = confirm("request", element, OK, received)
        link = IsoTransaction.objects.create(
            partner=partner,
            request=request,
            requesting_agency_request_id=xml.text(element, "header", "requestingAgencyRequestId"),
            fingerprint=fingerprint,
            confirmation=confirmation.decode(),
        )
        if previous is not None:
            _replace(previous, request)
        outbox.queue_message(request, link, Reason.REQUEST_RESPONSE)
    return Intake(OK, confirmation, request, mapped.problems)


def _form(mapped: Mapped) -> CitationForm:
    if mapped.service == "copy":
        return CopyRequestForm(mapped.data)
    return LoanRequestForm(mapped.data)


def _form_errors(form: forms.BaseForm) -> str:
    parts = []
    for field, messages in form.errors.items():
        where = FIELD_ELEMENTS.get(field, field if field != "__all__" else "request")
        parts.append(f"{where}: {' '.join(str(m) for m in messages)}")
    return "; ".join(parts)


def _submit(partner: IsoPartner, mapped: Mapped, form: CitationForm) -> Request:
    institution, user = partner.institution, partner.institution.user
    fields = form.request_fields()
    if isinstance(form, CopyRequestForm):
        return services.submit_copy_request(
            institution, fields=fields, facts=form.request_facts(), acting_user=user
        )
    return services.submit_loan_request(institution, fields=fields, acting_user=user)


def _previous(partner: IsoPartner, element: Any) -> IsoTransaction | str | None:
    """For a Retry: the partner's earlier request it replaces, or what is wrong with it."""
    if xml.text(element, "serviceInfo", "requestType") != "Retry":
        return None
    previous_id = xml.text(element, "serviceInfo", "requestingAgencyPreviousRequestId")
    previous = _existing(partner, previous_id) if previous_id else None
    if previous is None:
        return "serviceInfo/requestingAgencyPreviousRequestId: no request of yours has this id"
    status = previous.request.status
    if status not in Request.CANCELLABLE_BY_INSTITUTION and status in Request.OPEN_STATUSES:
        return f"requestingAgencyPreviousRequestId: that request is {Status(status).label}"
    return previous


def _replace(previous: IsoTransaction, request: Request) -> None:
    """The retried request is cancelled if still open; both timelines say which replaced which."""
    old = previous.request
    if old.status in Request.CANCELLABLE_BY_INSTITUTION:
        services.cancel_by_institution(old, seen=old.status, acting_user=None)
    text = f"Retry of request {old.pk} ({previous.requesting_agency_request_id})."
    services.record_library_message(request, text=text)
