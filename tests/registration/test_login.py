from typing import Any

import pytest
from django.contrib.staticfiles import finders
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


def _library_with_password(symbol: str, password: str) -> Any:
    institution = InstitutionFactory.create(oclc_symbol=symbol)
    user = institution.user
    assert user is not None
    user.set_password(password)
    user.save()
    return institution


def test_a_library_lands_on_its_dashboard_after_logging_in(client: Client) -> None:
    _library_with_password("NDD", "correct horse battery")
    response = client.post(
        reverse("login"), {"username": "NDD", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("requests:dashboard")


def test_the_username_is_matched_ignoring_case(client: Client) -> None:
    institution = _library_with_password("NDD", "correct horse battery")
    response = client.post(
        reverse("login"), {"username": "ndd", "password": "correct horse battery"}
    )
    assert response["Location"] == reverse("requests:dashboard")
    assert client.session["_auth_user_id"] == str(institution.user.pk)
    institution.user.refresh_from_db()
    assert institution.user.username == "NDD"


def test_a_wrong_case_username_counts_toward_the_same_account_lockout(
    client: Client, settings: Any
) -> None:
    """Failures typed in any case count for the one account, per (account, client IP) pair
    (docs/operations.md): the same address is then locked out, another is not."""
    _library_with_password("NDD", "correct horse battery")
    attacker = Client(REMOTE_ADDR="10.0.0.7")
    for n in range(settings.AXES_FAILURE_LIMIT):
        typed = "ndd" if n % 2 else "Ndd"
        attacker.post(reverse("login"), {"username": typed, "password": "wrong"})
    right = {"username": "NDD", "password": "correct horse battery"}
    assert attacker.post(reverse("login"), right).status_code == 429
    assert client.post(reverse("login"), right).status_code == 302


def test_a_following_address_wins_over_the_dashboard(client: Client) -> None:
    _library_with_password("NDD", "correct horse battery")
    target = reverse("requests:new_copy")
    data = {"username": "ndd", "password": "correct horse battery", "next": target}
    assert client.post(reverse("login"), data)["Location"] == target


def test_staff_land_on_the_request_desk(client: Client) -> None:
    from tests.factories import make_staff

    staff = make_staff()
    staff.set_password("correct horse battery")
    staff.save()
    data = {"username": staff.username, "password": "correct horse battery"}
    assert client.post(reverse("login"), data)["Location"] == reverse("desk:queues")


def test_the_login_page_says_the_username_is_the_oclc_symbol(client: Client) -> None:
    assert "OCLC symbol" in client.get(reverse("login")).content.decode()


def test_the_home_page_offers_the_dashboard_not_log_in_to_a_logged_in_library(
    client: Client,
) -> None:
    institution = _library_with_password("NDD", "correct horse battery")
    client.force_login(institution.user)
    page = client.get(reverse("home")).content.decode()
    assert reverse("requests:dashboard") in page
    assert reverse("registration:register") not in page


def test_the_lockout_page_says_how_long_to_wait_in_words(client: Client, settings: Any) -> None:
    InstitutionFactory.create(oclc_symbol="SPL")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        response = client.post(reverse("login"), {"username": "SPL", "password": "wrong"})
    page = " ".join(response.content.decode().replace("\xa0", " ").split())
    assert "Please wait 15 minutes and try again" in page
    assert "PT15M" not in page


def test_a_failed_log_in_says_only_the_password_is_case_sensitive(client: Client) -> None:
    _library_with_password("NDD", "correct horse battery")
    response = client.post(reverse("login"), {"username": "ndd", "password": "Correct horse"})
    [error] = response.context["form"].non_field_errors()
    assert "both fields may be case-sensitive" not in error
    assert "the username, your OCLC symbol, is not" in error


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_pages_name_their_icon(client: Client, url: str) -> None:
    page = client.get(url).content.decode()
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page
    assert finders.find("img/favicon.svg")
