"""Security headers on every page of the project, walked from the URL resolver, and the production
cookie and HSTS settings measured in a fresh interpreter."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.security.urlwalk import Route, all_routes, unnamed_patterns
from tests.test_settings import STRONG_KEY, run_django


def _reversible_routes() -> list[Route]:
    return [route for route in all_routes() if route.url() is not None]


def _header_problems(response: Any) -> list[str]:
    problems: list[str] = []
    csp = response.headers.get("Content-Security-Policy", "")
    if not csp:
        problems.append("no Content-Security-Policy")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"unsafe CSP: {csp}")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if not response.headers.get("Referrer-Policy"):
        problems.append("no Referrer-Policy")
    framing_denied = response.headers.get("X-Frame-Options") == "DENY" or (
        "frame-ancestors 'none'" in csp
    )
    if not framing_denied:
        problems.append("framing not denied")
    return problems


def _walk(client: Client, values: dict[str, Any] | None = None) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for route in _reversible_routes():
        url = route.url(values)
        assert url is not None
        response = client.get(url)
        problems = _header_problems(response)
        if response.status_code in (301, 302):
            problems += _header_problems(client.get(url, follow=True))
        if problems:
            found[f"{route.name} {url} ({response.status_code})"] = problems
    return found


def test_every_route_of_the_project_is_reversible_by_the_walk() -> None:
    # A route the walk cannot reverse would escape every security test built on it.
    assert [r.name for r in all_routes() if r.url() is None] == []
    assert all_routes(), "the resolver walk found no routes"


def test_only_the_admin_has_unnamed_url_patterns() -> None:
    assert [p for p in unnamed_patterns() if not p.startswith("admin/")] == []


@pytest.mark.django_db
def test_every_page_sends_the_security_headers_to_anonymous_visitors(client: Client) -> None:
    assert _walk(client) == {}


@pytest.mark.django_db
def test_every_admin_page_sends_the_security_headers_to_staff(
    admin_client: Client, admin_user: Any
) -> None:
    assert _walk(admin_client, {"object_id": admin_user.pk, "id": admin_user.pk}) == {}


def _cache_problems(client: Client, values: dict[str, Any] | None = None) -> dict[str, str]:
    found: dict[str, str] = {}
    for route in _reversible_routes():
        url = route.url(values)
        assert url is not None
        cache_control = client.get(url).headers.get("Cache-Control", "")
        if "no-store" not in cache_control or "private" not in cache_control:
            found[f"{route.name} {url}"] = cache_control
    return found


@pytest.mark.django_db
def test_every_page_behind_a_login_is_never_stored_by_a_cache(
    admin_client: Client, admin_user: Any
) -> None:
    assert _cache_problems(admin_client, {"object_id": admin_user.pk, "id": admin_user.pk}) == {}


@pytest.mark.django_db
def test_every_portal_page_is_never_stored_by_a_cache() -> None:
    from tests.factories import make_institution
    from tests.requests_app.factories import make_copy

    institution = make_institution()
    item = make_copy(institution)
    client = Client()
    client.force_login(institution.user)  # type: ignore[arg-type]

    assert _cache_problems(client, {"pk": item.pk}) == {}


PRODUCTION_PROBE = """
import json
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings

# collectstatic has not run here: serve static names unhashed so the login page can render.
plain = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=plain):
    response = Client().get("/accounts/login/", secure=True)
print(json.dumps({
    "status": response.status_code,
    "hsts": response.headers.get("Strict-Transport-Security", ""),
    "csrf_cookie_secure": bool(response.cookies["csrftoken"]["secure"]),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "csrf_cookie_setting_secure": settings.CSRF_COOKIE_SECURE,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "insecure_status": Client().get("/accounts/login/").status_code,
}))
"""


@pytest.fixture(scope="module")
def production() -> dict[str, Any]:
    result = run_django(
        PRODUCTION_PROBE,
        ILLDESK_PRODUCTION="true",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="testserver",
        DATABASE_URL="sqlite:///:memory:",
    )
    assert result.returncode == 0, result.stderr
    found: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def test_production_pages_send_hsts_for_a_year_with_subdomains(production: dict[str, Any]) -> None:
    assert production["status"] == 200
    max_age = int(production["hsts"].split("max-age=")[1].split(";")[0])
    assert max_age >= 31536000
    assert "includeSubDomains" in production["hsts"]


def test_production_cookies_are_https_only(production: dict[str, Any]) -> None:
    assert production["csrf_cookie_secure"] is True
    assert production["session_cookie_secure"] is True
    assert production["csrf_cookie_setting_secure"] is True
    assert production["session_cookie_httponly"] is True


def test_production_redirects_plain_http_to_https(production: dict[str, Any]) -> None:
    assert production["ssl_redirect"] is True
    assert production["insecure_status"] == 301
