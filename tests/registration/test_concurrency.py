import threading
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db import connection

from registration import services
from registration.models import CredentialDelivery, Registration
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
    assert CredentialDelivery.objects.count() == 1
    assert len(mail.outbox) == 1
