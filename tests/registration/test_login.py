from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.registration.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def test_repeated_failed_logins_lock_the_account_with_a_clear_message(
    client: Client, settings: Any
) -> None:
    InstitutionFactory.create(oclc_symbol="SPL")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "SPL", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "SPL", "password": "wrong"})
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()


def test_institutions_have_no_password_change_page(client: Client) -> None:
    assert client.get("/accounts/password_change/").status_code == 404
    assert client.get("/accounts/password_reset/").status_code == 404


def test_repeated_failures_from_one_address_lock_that_address_for_every_account(
    client: Client, settings: Any
) -> None:
    for n in range(settings.LOGIN_IP_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": f"X{n:03d}", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "OTHER", "password": "wrong"})
    assert response.status_code == 429


def test_home_page_links_to_the_registration_form(client: Client) -> None:
    assert reverse("registration:register") in client.get(reverse("home")).content.decode()
