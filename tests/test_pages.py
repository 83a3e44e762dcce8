from typing import Any

import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
def test_home_page_has_landmarks_and_a_skip_link(client: Client) -> None:
    response = client.get(reverse("home"))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html and "<header" in html and '<nav aria-label="Main">' in html
    assert '<html lang="en">' in html


@pytest.mark.django_db
def test_login_page_labels_every_field(client: Client) -> None:
    html = client.get(reverse("login")).content.decode()

    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html


@pytest.mark.django_db
def test_staff_can_log_in_and_out(client: Client, django_user_model: Any) -> None:
    django_user_model.objects.create_user("clerk", password="a-long-test-password-1")

    response = client.post(
        reverse("login"), {"username": "clerk", "password": "a-long-test-password-1"}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"].is_authenticated

    client.post(reverse("logout"))
    assert not client.get(reverse("home")).context["user"].is_authenticated


@pytest.mark.django_db
def test_wrong_password_shows_an_error_next_to_the_form(client: Client) -> None:
    response = client.post(reverse("login"), {"username": "nobody", "password": "wrong"})

    assert response.status_code == 200
    assert "The username and password do not match." in response.content.decode()


@pytest.mark.django_db
def test_admin_login_page_is_served(client: Client) -> None:
    assert client.get("/admin/login/").status_code == 200


@pytest.mark.django_db
def test_stylesheet_is_served_locally(client: Client) -> None:
    response = client.get("/static/css/illdesk.css")

    assert response.status_code == 200
    assert b":focus-visible" in b"".join(response.streaming_content)  # type: ignore[attr-defined]
