"""Registration workflows: submit, verify, approve or reject, and deliver credentials.

Approval writes the institution, its account and the credentials email's outbox row
(registration/outbox.py) in one transaction; the worker takes it only after commit. Delivering it
makes the password, stores its hash and commits, and only then sends the email: whatever fails,
the stored hash belongs to the last password emailed, and at most one password works.
"""

import logging
from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from registration import emails, outbox
from registration.models import (
    CONTACT_FIELDS,
    Institution,
    OutboxMessage,
    Registration,
    RegistrationAction,
    RegistrationEvent,
    TermsVersion,
)
from registration.passwords import generate_password
from registration.terms import FIRST_COPYRIGHT_STATEMENT, FIRST_TERMS

logger = logging.getLogger(__name__)

INSTITUTION_FIELDS = [
    "name",
    "department",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "contact_name",
    "email",
    "phone",
    "shipping_address",
    "delivery_email",
]
Staff = User
REREGISTRATION_NOTICE = "registration-reregistered"


class RegistrationAlreadyDecided(Exception):
    """Another staff member decided this registration first (or it is closed)."""


class ApprovalRefused(Exception):
    """The approval cannot go ahead; the message says why, for the staff member."""


def current_terms() -> TermsVersion:
    """The terms the form shows: the newest published version, or the first one when none is
    (a database emptied after its migrations ran): registration never closes for want of text."""
    latest = TermsVersion.current()
    if latest is not None:
        return latest
    first, _ = TermsVersion.objects.get_or_create(
        version=1,
        defaults={"terms": FIRST_TERMS, "copyright_statement": FIRST_COPYRIGHT_STATEMENT},
    )
    return first


def submit_registration(
    data: dict[str, Any], *, terms: TermsVersion, ip_address: str | None
) -> Registration:
    """Record a pending registration. A second open registration for the same symbol is kept and
    linked to the first (flagged for staff), never silently merged or doubled; the same form sent
    again while its registration is open (a retry after an error page, a double click) is that
    registration, not a second one."""
    try:
        return _insert_registration(data, terms=terms, ip_address=ip_address)
    except IntegrityError:
        # A concurrent first registration for this symbol committed in between: this one is
        # now the second, and the retry links it to that one.
        return _insert_registration(data, terms=terms, ip_address=ip_address)


def _insert_registration(
    data: dict[str, Any], *, terms: TermsVersion, ip_address: str | None
) -> Registration:
    symbol = data["oclc_symbol"]
    with transaction.atomic():
        earlier = (
            Registration.objects.open()
            .select_for_update()
            .filter(oclc_symbol=symbol)
            .order_by("submitted_at")
            .first()
        )
        resent = Registration.objects.open().filter(**data).first()
        if resent is not None:
            return resent
        existing = Institution.objects.filter(oclc_symbol=symbol).first()
        registration = Registration.objects.create(
            **data,
            terms_version=terms,
            terms_accepted_at=timezone.now(),
            ip_address=ip_address,
            is_reregistration=existing is not None,
            duplicate_of=earlier,
        )
        if existing is not None:
            # The verified address hears of it first: a takeover attempt cannot stay quiet.
            outbox.queue_email(
                REREGISTRATION_NOTICE,
                institution_id=existing.pk,
                registration_id=registration.pk,
            )
        return registration


def send_reregistration_notice(message: OutboxMessage) -> None:
    assert message.institution is not None and message.registration_id is not None
    registration = Registration.objects.get(pk=message.registration_id)
    emails.send_reregistration_notice(message.institution, registration=registration)


def add_verification_note(
    registration: Registration, *, text: str, acting_user: Staff
) -> RegistrationEvent:
    return RegistrationEvent.objects.create(
        registration=registration,
        action=RegistrationEvent.Action.NOTE,
        text=text,
        actor=acting_user,
    )


def request_more_information(
    registration: Registration, *, message: str, acting_user: Staff
) -> Registration:
    with transaction.atomic():
        changed = (
            Registration.objects.open()
            .filter(pk=registration.pk)
            .update(status=Registration.Status.NEEDS_INFO)
        )
        if not changed:
            raise RegistrationAlreadyDecided(str(registration))
        event = _record(registration, RegistrationEvent.Action.INFO_REQUESTED, message, acting_user)
        outbox.queue_email(
            "registration-info-request",
            target_id=event.pk,
            registration_id=registration.pk,
            requested_by=acting_user,
        )
    registration.refresh_from_db()
    return registration


def send_information_request(message: OutboxMessage) -> None:
    """Email the registrant what staff asked for; the text is on record as the event."""
    assert message.target_id is not None, "queued with its event"
    event = RegistrationEvent.objects.select_related("registration").get(pk=message.target_id)
    emails.send_information_request(event.registration, message=event.text)


def reject_registration(
    registration: Registration, *, reason: str, acting_user: Staff
) -> Registration:
    with transaction.atomic():
        changed = (
            Registration.objects.open()
            .filter(pk=registration.pk)
            .update(
                status=Registration.Status.REJECTED,
                rejection_reason=reason,
                decided_at=timezone.now(),
                decided_by=acting_user,
            )
        )
        if not changed:
            raise RegistrationAlreadyDecided(str(registration))
        _record(registration, RegistrationEvent.Action.REJECTED, reason, acting_user)
    registration.refresh_from_db()
    return registration


def approve_registration(
    registration: Registration,
    *,
    acting_user: Staff,
    note: str = "",
    contact_confirmation: str = "",
) -> Registration:
    """Create or renew the institution and its account, and queue the credentials email.

    A re-registration whose contact (email, phone, contact person) differs from the verified one
    takes the new contact only with `contact_confirmation`, staff's account of how they confirmed
    it, which goes on the record; without it the institution keeps its verified contact and the
    new password goes to the verified address. Approving closes the symbol's other open
    registrations, so no second approval can reset the password again.

    Two staff approving at once: the row lock makes the second wait, then find the registration
    decided and raise RegistrationAlreadyDecided, so one set of credentials goes out."""
    with transaction.atomic():
        locked = Registration.objects.open().select_for_update().filter(pk=registration.pk).first()
        if locked is None:
            raise RegistrationAlreadyDecided(str(registration))
        confirmed = contact_confirmation.strip()
        institution = _upsert_institution(locked, take_new_contact=bool(confirmed))
        Registration.objects.filter(pk=locked.pk, status__in=Registration.OPEN_STATUSES).update(
            status=Registration.Status.APPROVED,
            institution=institution,
            decided_at=timezone.now(),
            decided_by=acting_user,
        )
        if confirmed:
            _record(locked, RegistrationEvent.Action.CONTACT_CONFIRMED, confirmed, acting_user)
        _record(locked, RegistrationEvent.Action.APPROVED, note, acting_user)
        _close_other_open_registrations(locked, acting_user=acting_user)
        _queue_delivery(institution, registration=locked, acting_user=acting_user)
    registration.refresh_from_db()
    return registration


def _close_other_open_registrations(approved: Registration, *, acting_user: Staff) -> None:
    reason = f"Closed: registration {approved.pk} for {approved.oclc_symbol} was approved."
    others = list(
        Registration.objects.open()
        .select_for_update()
        .filter(oclc_symbol=approved.oclc_symbol)
        .exclude(pk=approved.pk)
    )
    for other in others:
        Registration.objects.filter(pk=other.pk).update(
            status=Registration.Status.REJECTED,
            rejection_reason=reason,
            decided_at=timezone.now(),
            decided_by=acting_user,
        )
        _record(other, RegistrationEvent.Action.CLOSED, reason, acting_user)


def resend_credentials(institution: Institution, *, acting_user: Staff) -> OutboxMessage:
    """Issue a new password by email. A delivery still pending is queued again, not doubled: two
    deliveries in flight could leave the hash of one and the email of the other."""
    if institution.user_id is None:
        raise ApprovalRefused(f"{institution} has no account yet: approve a registration first.")
    with transaction.atomic():
        Institution.objects.select_for_update().filter(pk=institution.pk).first()
        return _queue_delivery(institution, registration=None, acting_user=acting_user)


def _record(
    registration: Registration, action: RegistrationAction, text: str, actor: Staff
) -> RegistrationEvent:
    return RegistrationEvent.objects.create(
        registration=registration, action=action, text=text, actor=actor
    )


def _upsert_institution(registration: Registration, *, take_new_contact: bool) -> Institution:
    fields = {name: getattr(registration, name) for name in INSTITUTION_FIELDS}
    now = timezone.now()
    institution = (
        Institution.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(oclc_symbol=registration.oclc_symbol)
        .first()
    )
    if institution is None:
        user = _new_account(registration.oclc_symbol)
        return Institution.objects.create(
            oclc_symbol=registration.oclc_symbol, user=user, verified_at=now, **fields
        )
    if not take_new_contact:
        for name in CONTACT_FIELDS:
            fields.pop(name)
    for name, value in fields.items():
        setattr(institution, name, value)
    institution.verified_at = now
    if institution.user is None:
        institution.user = _new_account(registration.oclc_symbol)
    else:
        # A re-registration means the old password is lost (or exposed): it stops working now,
        # and changing the hash ends every session signed with the old one.
        institution.user.set_unusable_password()
        institution.user.save(update_fields=["password"])
    institution.save()
    return institution


def _new_account(symbol: str) -> User:
    if User.objects.filter(username=symbol).exists():
        raise ApprovalRefused(f"The username {symbol} belongs to another account.")
    return User.objects.create_user(username=symbol, password=None)


def _queue_delivery(
    institution: Institution, *, registration: Registration | None, acting_user: Staff
) -> OutboxMessage:
    pending = OutboxMessage.objects.filter(
        institution=institution,
        email=OutboxMessage.CREDENTIALS,
        status=OutboxMessage.Status.PENDING,
    ).first()
    if pending is not None:
        transaction.on_commit(partial(outbox.dispatch, pending.pk))
        return pending
    return outbox.queue_email(
        OutboxMessage.CREDENTIALS,
        institution_id=institution.pk,
        registration_id=registration.pk if registration else None,
        requested_by=acting_user,
    )


def deliver_credentials(message: OutboxMessage) -> None:
    """Set a new password and email it (the outbox sender of the credentials email)."""
    institution = message.institution
    assert institution is not None and institution.user is not None, "approval made them"
    user = institution.user
    password = generate_password()
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
    emails.send_credentials(institution, password=password)
    logger.info("credentials emailed to institution %s", institution.oclc_symbol)
