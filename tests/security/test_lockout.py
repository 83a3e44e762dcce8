"""Brute-force protection (django-axes with illdesk.auth.LockoutHandler): repeated failures lock
the (username, address) pair, and many failures across usernames lock the address, for a cool-off
period that further failures do not extend; nobody can lock a library out from elsewhere. The
lockout is logged without the password."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

PASSWORD = "the-right-password-for-testing-1"
WRONG = "a-wrong-guess-Zq81-never-stored"
ATTACKER_IP = "203.0.113.7"
OTHER_IP = "198.51.100.9"


@pytest.fixture
def account(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("NYPL", password=PASSWORD)


def _login(username: str, password: str, ip: str) -> Any:
    return Client(REMOTE_ADDR=ip).post(
        reverse("login"), {"username": username, "password": password}
    )


def _fail_until_locked(username: str, ip: str) -> Any:
    response = None
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = _login(username, WRONG, ip)
    return response


@pytest.mark.django_db
def test_failures_below_the_limit_still_allow_the_right_password(account: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(account.username, WRONG, ATTACKER_IP)

    assert _login(account.username, PASSWORD, ATTACKER_IP).status_code == 302


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_with_a_clear_page(account: Any) -> None:
    locked = _fail_until_locked(account.username, ATTACKER_IP)

    assert locked.status_code == 429
    assert "Too many failed log-in attempts" in locked.content.decode()
    assert _login(account.username, PASSWORD, ATTACKER_IP).status_code == 429


@pytest.mark.django_db
def test_nobody_can_lock_a_library_out_from_another_address(account: Any) -> None:
    _fail_until_locked(account.username, ATTACKER_IP)
    _fail_until_locked(account.username, ATTACKER_IP)

    assert _login(account.username, PASSWORD, ATTACKER_IP).status_code == 429
    assert _login(account.username, PASSWORD, OTHER_IP).status_code == 302


@pytest.mark.django_db
def test_brute_force_from_one_address_is_still_stopped(account: Any) -> None:
    for _ in range(3 * settings.AXES_FAILURE_LIMIT):
        response = _login(account.username, WRONG, ATTACKER_IP)
        assert response.status_code in {200, 429}

    assert response.status_code == 429
    assert AccessAttempt.objects.get().failures_since_start == settings.AXES_FAILURE_LIMIT


@pytest.mark.django_db
def test_an_address_failing_across_many_usernames_is_throttled(django_user_model: Any) -> None:
    django_user_model.objects.create_user("OCLC2", password=PASSWORD)
    for number in range(settings.LOGIN_IP_FAILURE_LIMIT - 1):
        _login(f"guess{number}", WRONG, ATTACKER_IP)
    assert _login("OCLC2", PASSWORD, ATTACKER_IP).status_code == 302

    _login("guess-last", WRONG, ATTACKER_IP)
    assert _login("OCLC2", PASSWORD, ATTACKER_IP).status_code == 429
    assert _login("OCLC2", PASSWORD, OTHER_IP).status_code == 302


@pytest.mark.django_db
def test_failures_during_a_lockout_do_not_extend_it(account: Any) -> None:
    _fail_until_locked(account.username, ATTACKER_IP)
    locked_at = AccessAttempt.objects.get().attempt_time

    for _ in range(3):
        assert _login(account.username, WRONG, ATTACKER_IP).status_code == 429

    assert AccessAttempt.objects.get().attempt_time == locked_at


@pytest.mark.django_db
def test_the_lock_expires_after_the_cool_off(account: Any) -> None:
    _fail_until_locked(account.username, ATTACKER_IP)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time
        - settings.AXES_COOLOFF_TIME
        - timedelta(seconds=1)
    )

    assert _login(account.username, PASSWORD, ATTACKER_IP).status_code == 302


@pytest.mark.django_db
def test_the_lockout_is_logged_without_the_password(
    account: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        _fail_until_locked(account.username, ATTACKER_IP)

    lockouts = [r for r in caplog.records if "Locking out" in r.getMessage()]
    assert lockouts and lockouts[0].levelno == logging.WARNING
    assert account.username in lockouts[0].getMessage()
    assert ATTACKER_IP in lockouts[0].getMessage()
    assert WRONG not in caplog.text


@pytest.mark.django_db
def test_the_failed_attempt_record_does_not_keep_the_password(account: Any) -> None:
    _fail_until_locked(account.username, ATTACKER_IP)

    attempt = AccessAttempt.objects.get()
    assert attempt.failures_since_start == settings.AXES_FAILURE_LIMIT
    assert WRONG not in attempt.post_data


def test_the_admin_names_the_lockouts_section_in_words(admin_client: Client) -> None:
    """django-axes's section heading on the admin index is a name staff understand, not the
    library's label; its models, migrations and label stay the library's."""
    response = admin_client.get(reverse("admin:index"))
    sections = {app["app_label"]: app["name"] for app in response.context["app_list"]}
    assert sections["axes"] == "Log-in lockouts"
    page = response.content.decode()
    assert ">Log-in lockouts</a>" in page and ">Axes</a>" not in page
    app_page = admin_client.get(reverse("admin:app_list", args=["axes"])).content.decode()
    assert "<h1>Log-in lockouts administration</h1>" in app_page
