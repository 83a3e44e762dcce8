"""Registration workflows: submit, verify, approve or reject, and deliver credentials.

Approval writes the institution, its account and a CredentialDelivery (the outbox row) in one
transaction and queues the delivery only after commit. The delivery task makes the password,
stores its hash and commits, and only then sends the email: whatever fails, the stored hash
belongs to the last password emailed, and at most one password works.
"""

import logging
from datetime import timedelta
from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from registration import emails
from registration.models import (
    CredentialDelivery,
    Institution,
    Registration,
    RegistrationEvent,
    TermsVersion,
)
from registration.passwords import generate_password
from registration.terms import FIRST_COPYRIGHT_STATEMENT, FIRST_TERMS

logger = logging.getLogger(__name__)

CLAIM_DURATION = timedelta(minutes=2)
REQUEUE_AFTER = timedelta(minutes=1)
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
    linked to the first (flagged for staff), never silently merged or doubled."""
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
        return Registration.objects.create(
            **data,
            terms_version=terms,
            terms_accepted_at=timezone.now(),
            ip_address=ip_address,
            is_reregistration=Institution.objects.filter(oclc_symbol=symbol).exists(),
            duplicate_of=earlier,
        )


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
        transaction.on_commit(partial(_enqueue_information_request, event.pk))
    registration.refresh_from_db()
    return registration


def _enqueue_information_request(event_id: int) -> None:
    from registration.tasks import send_information_request as task

    try:
        task.delay(event_id)
    except (BrokerError, OSError) as error:
        logger.warning("information request %s not queued (%s)", event_id, type(error).__name__)


def send_information_request(event_id: int) -> None:
    """Email the registrant what staff asked for; the text is on record as the event."""
    event = RegistrationEvent.objects.select_related("registration").get(pk=event_id)
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
    registration: Registration, *, acting_user: Staff, note: str = ""
) -> Registration:
    """Create or renew the institution and its account, and queue the credentials email.

    Two staff approving at once: the row lock makes the second wait, then find the registration
    decided and raise RegistrationAlreadyDecided, so one set of credentials goes out."""
    with transaction.atomic():
        locked = Registration.objects.open().select_for_update().filter(pk=registration.pk).first()
        if locked is None:
            raise RegistrationAlreadyDecided(str(registration))
        institution = _upsert_institution(locked)
        Registration.objects.filter(pk=locked.pk, status__in=Registration.OPEN_STATUSES).update(
            status=Registration.Status.APPROVED,
            institution=institution,
            decided_at=timezone.now(),
            decided_by=acting_user,
        )
        _record(locked, RegistrationEvent.Action.APPROVED, note, acting_user)
        _queue_delivery(institution, registration=locked, acting_user=acting_user)
    registration.refresh_from_db()
    return registration


def resend_credentials(institution: Institution, *, acting_user: Staff) -> CredentialDelivery:
    """Issue a new password by email. A delivery still pending is queued again, not doubled: two
    deliveries in flight could leave the hash of one and the email of the other."""
    if institution.user_id is None:
        raise ApprovalRefused(f"{institution} has no account yet: approve a registration first.")
    with transaction.atomic():
        Institution.objects.select_for_update().filter(pk=institution.pk).first()
        return _queue_delivery(institution, registration=None, acting_user=acting_user)


def _record(
    registration: Registration, action: RegistrationEvent.Action, text: str, actor: Staff
) -> RegistrationEvent:
    return RegistrationEvent.objects.create(
        registration=registration, action=action, text=text, actor=actor
    )


def _upsert_institution(registration: Registration) -> Institution:
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
) -> CredentialDelivery:
    delivery = CredentialDelivery.objects.filter(
        institution=institution, status=CredentialDelivery.Status.PENDING
    ).first()
    if delivery is None:
        delivery = CredentialDelivery.objects.create(
            institution=institution, registration=registration, requested_by=acting_user
        )
    transaction.on_commit(partial(enqueue_delivery, delivery.pk))
    return delivery


def enqueue_delivery(delivery_id: int) -> None:
    """Queue the delivery task. A broker outage must not undo an approval: the outbox row stays
    pending and the periodic requeue job picks it up."""
    from registration.tasks import deliver_credentials

    try:
        deliver_credentials.delay(delivery_id)
    except (BrokerError, OSError) as error:
        logger.warning(
            "credential delivery %s not queued (%s); the periodic job will retry",
            delivery_id,
            type(error).__name__,
        )


def requeue_stale_deliveries() -> int:
    stale = list(
        CredentialDelivery.objects.due_for_requeue(older_than=REQUEUE_AFTER).values_list(
            "pk", flat=True
        )
    )
    for delivery_id in stale:
        enqueue_delivery(delivery_id)
    return len(stale)


def _claim(delivery_id: int) -> CredentialDelivery | None:
    """Take the delivery for one worker for a while, so two copies of the task (a redelivery and a
    requeue) never send two passwords at once."""
    now = timezone.now()
    unclaimed = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    claimed = CredentialDelivery.objects.filter(
        unclaimed, pk=delivery_id, status=CredentialDelivery.Status.PENDING
    ).update(claimed_until=now + CLAIM_DURATION, attempts=F("attempts") + 1, updated_at=now)
    if not claimed:
        return None
    return CredentialDelivery.objects.select_related("institution__user").get(pk=delivery_id)


def deliver_credentials(delivery_id: int) -> bool:
    """Set a new password and email it. Returns False when there was nothing to do (already sent,
    or another worker holds it). SMTP errors propagate to the task, which retries."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return False
    institution = delivery.institution
    user = institution.user
    assert user is not None, "approval always creates the account before the delivery"
    password = generate_password()
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
    emails.send_credentials(institution, password=password)
    now = timezone.now()
    CredentialDelivery.objects.filter(pk=delivery_id).update(
        status=CredentialDelivery.Status.SENT,
        sent_at=now,
        updated_at=now,
        claimed_until=None,
        last_error="",
    )
    logger.info("credentials emailed to institution %s", institution.oclc_symbol)
    return True


def record_delivery_failure(
    delivery_id: int, *, error: BaseException, retry_in: timedelta | None
) -> None:
    """Keep the error's class only: SMTP replies can quote the message, and so the password.
    With `retry_in` the delivery stays pending and held until its retry is due, so the periodic
    requeue does not start a second chain of retries beside it; without, it has failed."""
    now = timezone.now()
    CredentialDelivery.objects.filter(
        pk=delivery_id, status=CredentialDelivery.Status.PENDING
    ).update(
        status=CredentialDelivery.Status.PENDING if retry_in else CredentialDelivery.Status.FAILED,
        last_error=type(error).__name__,
        claimed_until=now + retry_in if retry_in else None,
        updated_at=now,
    )
    logger.warning(
        "credential delivery %s failed (%s); %s",
        delivery_id,
        type(error).__name__,
        f"retry in {retry_in}" if retry_in else "giving up",
    )
