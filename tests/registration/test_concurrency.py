import threading
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db import connection, transaction

from registration import services
from registration.models import OutboxMessage, Registration
from registration.services import current_terms
from tests.registration.factories import RegistrationFactory, StaffFactory


def approve_in_thread(
    registration_id: int, staff: User, barrier: threading.Barrier, outcomes: list[str]
) -> None:
    try:
        registration = Registration.objects.get(pk=registration_id)
        barrier.wait(timeout=10)
        services.approve_registration(registration, acting_user=staff)
        outcomes.append("approved")
    except services.RegistrationAlreadyDecided:
        outcomes.append("already decided")
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_two_staff_approving_at_once_issue_one_set_of_credentials(settings: Any) -> None:
    registration = RegistrationFactory.create(oclc_symbol="SPL")
    staff = [StaffFactory.create(), StaffFactory.create()]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    threads = [
        threading.Thread(target=approve_in_thread, args=(registration.pk, s, barrier, outcomes))
        for s in staff
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["already decided", "approved"]
    assert OutboxMessage.objects.count() == 1
    assert len(mail.outbox) == 1


def hold_open_registration(
    symbol: str, inserted: threading.Event, release: threading.Event
) -> None:
    try:
        with transaction.atomic():
            RegistrationFactory.create(oclc_symbol=symbol)
            inserted.set()
            release.wait(timeout=10)
    finally:
        connection.close()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_registrations_for_a_symbol_are_flagged_not_doubled() -> None:
    inserted, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=hold_open_registration, args=("RACE", inserted, release))
    holder.start()
    assert inserted.wait(timeout=10)
    # The first registration is written but not yet committed when the second one arrives.
    threading.Timer(0.5, release.set).start()
    data = {
        "oclc_symbol": "RACE",
        "name": "Race Library",
        "street": "1 Main Street",
        "city": "Springfield",
        "contact_name": "Contact",
        "email": "ill@race.example",
        "phone": "217-555-0100",
    }

    second = services.submit_registration(data, terms=current_terms(), ip_address="192.0.2.1")
    holder.join(timeout=30)

    first = Registration.objects.exclude(pk=second.pk).get(oclc_symbol="RACE")
    assert second.duplicate_of == first
    assert first.duplicate_of is None
