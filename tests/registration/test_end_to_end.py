"""The whole journey with real services: a Celery worker process, Redis and an SMTP server."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from registration.models import Registration
from tests.registration.helpers import decide, password_in
from tests.services import forget_broker_connections


@pytest.fixture
def fresh_producer_pool(celery_broker: str) -> None:
    forget_broker_connections()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_register_approve_receive_email_and_log_in(
    fresh_producer_pool: None,
    celery_worker: Any,
    smtp_server: Any,
    admin_client: Client,
    registration_form: dict[str, Any],
) -> None:
    visitor = Client()
    visitor.post(reverse("registration:register"), registration_form)
    registration = Registration.objects.get()
    assert registration.status == "pending"

    decide(admin_client, registration, "approve", "Phoned the ILL department, confirmed.")

    message = smtp_server.wait_for(1)[0]
    assert message["To"] == registration_form["email"]
    librarian = Client()
    response = librarian.post(
        reverse("login"), {"username": "SPL", "password": password_in(message)}
    )
    assert response.status_code == 302
    assert librarian.get(reverse("home")).wsgi_request.user.username == "SPL"
    assert password_in(message) not in celery_worker.log()
