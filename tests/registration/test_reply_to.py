"""The registration emails answer to the office (docs/emails.md, "Reply-To"), whichever address
sends them."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail

from registration import services
from tests.registration.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


def test_the_credentials_and_a_rejection_answer_to_the_office(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.DEFAULT_FROM_EMAIL = "noreply@illdesk.invalid"
    staff = User.objects.create_user("desk", is_staff=True)
    approved = RegistrationFactory.create(oclc_symbol="SPL")
    rejected = RegistrationFactory.create(oclc_symbol="NYP", email="ill@nyp.example")
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_registration(approved, acting_user=staff)
        services.reject_registration(rejected, reason="Not a library.", acting_user=staff)
    assert {tuple(m.to) for m in mail.outbox} == {(approved.email,), ("ill@nyp.example",)}
    for message in mail.outbox:
        assert message.reply_to == [settings.OFFICE_EMAIL]
        assert message.from_email == "noreply@illdesk.invalid"
