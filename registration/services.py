"""Registration workflows: submit, verify, approve or reject, and deliver credentials.

Approval writes the institution, its account and the credentials email's outbox row
(illdesk/outbox.py) in one transaction; the worker takes it only after commit. Delivering it
makes the password, stores its hash and commits, and only then sends the email: whatever fails,
the stored hash belongs to the last password emailed, and at most one password works.
"""

import logging
from collections.abc import Mapping
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from illdesk import outbox
from registration import emails
from registration.matching import find_candidates, identifier_mismatches
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
from registration.terms import FIRST_TERMS

logger = logging.getLogger(__name__)

Staff = User
REREGISTRATION_NOTICE = "registration-reregistered"
INFORMATION_REQUEST = "registration-info-request"
REJECTION_NOTICE = "registration-rejected"
# The link in a request for more information: it opens the registration's details for the
# registrant to correct, for as long as staff wait for them and at most this long.
UPDATE_LINK_SALT = "registration.update"
UPDATE_LINK_MAX_AGE = timedelta(days=30)


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
    first, _ = TermsVersion.objects.get_or_create(version=1, defaults={"terms": FIRST_TERMS})
    return first


def submit_registration(
    data: Mapping[str, object], *, terms: TermsVersion, ip_address: str | None
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
    data: Mapping[str, object], *, terms: TermsVersion, ip_address: str | None
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
            INFORMATION_REQUEST,
            target_id=event.pk,
            registration_id=registration.pk,
            requested_by=acting_user,
        )
    registration.refresh_from_db()
    return registration


def send_information_request(message: OutboxMessage) -> None:
    """Email the registrant what staff asked for (the text is on record as the event), with the
    link that lets them correct the registration."""
    assert message.target_id is not None, "queued with its event"
    event = RegistrationEvent.objects.select_related("registration").get(pk=message.target_id)
    emails.send_information_request(
        event.registration, message=event.text, update_url=update_link(event.registration)
    )


def update_link(registration: Registration) -> str:
    token = signing.dumps(registration.pk, salt=UPDATE_LINK_SALT)
    return f"{settings.SITE_URL}{reverse('registration:update', args=[token])}"


def registration_to_update(token: str) -> Registration | None:
    """The registration an update link opens: only while staff wait for its information."""
    try:
        pk = signing.loads(token, salt=UPDATE_LINK_SALT, max_age=UPDATE_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    return Registration.objects.filter(pk=pk, status=Registration.Status.NEEDS_INFO).first()


def update_registration(
    registration: Registration, *, details: dict[str, object], message: str
) -> Registration:
    """The registrant's answer to a request for more information: the corrected details and
    what they say, on the verification record (each changed field, old and new); the
    registration is pending again, back in the staff queue."""
    with transaction.atomic():
        locked = (
            Registration.objects.select_for_update()
            .filter(pk=registration.pk, status=Registration.Status.NEEDS_INFO)
            .first()
        )
        if locked is None:
            raise RegistrationAlreadyDecided(str(registration))
        changes = [
            f"{name}: {getattr(locked, name) or '-'} -> {value or '-'}"
            for name, value in details.items()
            if getattr(locked, name) != value
        ]
        Registration.objects.filter(pk=locked.pk).update(
            status=Registration.Status.PENDING, **details
        )
        text = "\n".join([message.strip(), *changes]).strip() or "No changes."
        RegistrationEvent.objects.create(
            registration=locked, action=RegistrationEvent.Action.REGISTRANT_UPDATED, text=text
        )
    registration.refresh_from_db()
    return registration


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
        _queue_rejection_notice(registration, acting_user=acting_user)
    registration.refresh_from_db()
    return registration


def _queue_rejection_notice(registration: Registration, *, acting_user: Staff) -> None:
    outbox.queue_email(REJECTION_NOTICE, registration_id=registration.pk, requested_by=acting_user)


def send_rejection_notice(message: OutboxMessage) -> None:
    """Tell the registrant their registration will not be approved, and why."""
    assert message.registration_id is not None, "queued with its registration"
    emails.send_rejection_notice(Registration.objects.get(pk=message.registration_id))


def approve_registration(
    registration: Registration,
    *,
    acting_user: Staff,
    note: str = "",
    contact_confirmation: str = "",
    identifiers_acknowledged: bool = False,
) -> Registration:
    """Create or renew the institution and its account, and queue the credentials email.

    A re-registration whose details (CONTACT_FIELDS: name, addresses, contact person, emails,
    phone) differ from the verified ones takes them only with `contact_confirmation`, staff's
    account of how they confirmed them, which goes on the record; without it the institution keeps
    every verified value (loans still ship, copies are still announced, where they did) and the new
    password goes to the verified address. Approving closes the symbol's other open
    registrations, so no second approval can reset the password again.

    A directory record that is this library by an identifier or by name and address but gives
    another symbol or ISIL (matching.identifier_mismatches) refuses the approval unless staff
    acknowledged it (`identifiers_acknowledged`); the acknowledgement goes on the record.

    Two staff approving at once: the row lock makes the second wait, then find the registration
    decided and raise RegistrationAlreadyDecided, so one set of credentials goes out."""
    with transaction.atomic():
        locked = Registration.objects.open().select_for_update().filter(pk=registration.pk).first()
        if locked is None:
            raise RegistrationAlreadyDecided(str(registration))
        mismatches = identifier_mismatches(find_candidates(locked))
        if mismatches and not identifiers_acknowledged:
            raise ApprovalRefused(
                "The symbol or ISIL applied for is not the directory's for this library: "
                "acknowledge the identifier mismatch to approve."
            )
        confirmed = contact_confirmation.strip()
        institution = _upsert_institution(locked, take_new_contact=bool(confirmed))
        Registration.objects.filter(pk=locked.pk, status__in=Registration.OPEN_STATUSES).update(
            status=Registration.Status.APPROVED,
            institution=institution,
            decided_at=timezone.now(),
            decided_by=acting_user,
        )
        if mismatches:
            text = "\n".join(f"{c.record}: {'; '.join(map(str, c.conflicts))}" for c in mismatches)
            _record(locked, RegistrationEvent.Action.IDENTIFIERS_ACKNOWLEDGED, text, acting_user)
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
        _queue_rejection_notice(other, acting_user=acting_user)


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
    fields = {name: getattr(registration, name) for name in CONTACT_FIELDS}
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
    if take_new_contact:
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
