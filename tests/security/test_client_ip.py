"""The client IP behind a trusted proxy count (issue 12, defect 2): one function
(illdesk.network.client_ip) feeds the log-in lockout, the registration rate limit and the address
stored with a registration. Proved through a real nginx reverse proxy, with clients on distinct
loopback addresses, and against spoofed X-Forwarded-For headers."""

from __future__ import annotations

import http.client
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from illdesk.network import client_ip
from registration.models import Registration
from registration.services import current_terms
from tests.registration.conftest import REGISTRATION_FORM
from tests.services import NginxProxy

SPOOFED = "203.0.113.66"
PASSWORD = "the-right-password-for-testing-1"


def _registration_form() -> dict[str, str]:
    return {**REGISTRATION_FORM, "terms_version": str(current_terms().pk)}


@pytest.mark.parametrize(
    ("proxy_count", "forwarded_for", "expected"),
    [
        (0, f"{SPOOFED}", "10.0.0.1"),
        (1, f"{SPOOFED}, 192.0.2.5", "192.0.2.5"),
        (1, "192.0.2.5", "192.0.2.5"),
        (2, f"{SPOOFED}, 192.0.2.5, 10.0.0.9", "192.0.2.5"),
        (2, "192.0.2.5", "10.0.0.1"),  # fewer hops than proxies: not believed
        (1, "not-an-address", "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_is_the_right_most_untrusted_hop(
    settings: Any, proxy_count: int, forwarded_for: str, expected: str
) -> None:
    settings.PROXY_COUNT = proxy_count
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_ip(request) == expected


@pytest.mark.django_db
def test_without_a_proxy_a_spoofed_header_is_not_believed_for_the_registration(
    settings: Any,
) -> None:
    settings.PROXY_COUNT = 0
    client = Client(REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR=SPOOFED)
    client.post(reverse("registration:register"), _registration_form())
    assert Registration.objects.get().ip_address == "198.51.100.4"


@pytest.mark.django_db
def test_without_a_proxy_a_spoofed_header_does_not_escape_the_lockout(
    django_user_model: Any, settings: Any
) -> None:
    settings.PROXY_COUNT = 0
    django_user_model.objects.create_user("NYPL", password=PASSWORD)
    for number in range(settings.AXES_FAILURE_LIMIT):
        spoofing = Client(REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")
        spoofing.post(reverse("login"), {"username": "NYPL", "password": "wrong"})
    again = Client(REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="203.0.113.200")
    response = again.post(reverse("login"), {"username": "NYPL", "password": PASSWORD})
    assert response.status_code == 429


class _Browser:
    """A minimal HTTP client on a chosen loopback source address, keeping cookies, so nginx sees
    each test client as a different machine."""

    def __init__(self, proxy: NginxProxy, source: str) -> None:
        self.proxy, self.source = proxy, source
        self.cookies: SimpleCookie = SimpleCookie()

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Any:
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.proxy.port, timeout=30, source_address=(self.source, 0)
        )
        headers = {"X-Forwarded-For": SPOOFED}  # what a client may write: never believed
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        body = None
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.cookies["csrftoken"].value}
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        connection.close()
        return response

    def post_form(self, path: str, form: dict[str, str]) -> Any:
        self.request("GET", path)
        return self.request("POST", path, form)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_behind_nginx_the_registration_stores_the_client_address(
    nginx_proxy: NginxProxy, settings: Any
) -> None:
    settings.PROXY_COUNT = 1
    form = _registration_form()
    response = _Browser(nginx_proxy, "127.0.0.2").post_form(reverse("registration:register"), form)

    assert response.status == 302
    assert Registration.objects.get().ip_address == "127.0.0.2"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_behind_nginx_the_rate_limit_is_per_client_not_for_the_world(
    nginx_proxy: NginxProxy, settings: Any
) -> None:
    settings.PROXY_COUNT = 1
    settings.REGISTRATION_RATE_LIMIT = 2
    form = _registration_form()
    busy = _Browser(nginx_proxy, "127.0.0.3")
    statuses = [busy.post_form(reverse("registration:register"), form).status for _ in range(3)]
    other = _Browser(nginx_proxy, "127.0.0.4").post_form(reverse("registration:register"), form)

    assert statuses == [302, 302, 429]
    assert other.status == 302


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_behind_nginx_failures_from_one_client_do_not_lock_out_another(
    nginx_proxy: NginxProxy, settings: Any, django_user_model: Any
) -> None:
    settings.PROXY_COUNT = 1
    django_user_model.objects.create_user("NYPL", password=PASSWORD)
    attacker = _Browser(nginx_proxy, "127.0.0.5")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.post_form(reverse("login"), {"username": "NYPL", "password": "wrong"})
    locked = attacker.post_form(reverse("login"), {"username": "NYPL", "password": PASSWORD})

    library = _Browser(nginx_proxy, "127.0.0.6")
    response = library.post_form(reverse("login"), {"username": "NYPL", "password": PASSWORD})

    assert locked.status == 429
    assert response.status == 302
    assert "sessionid" in library.cookies
