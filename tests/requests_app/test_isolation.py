"""An institution sees only its own requests: every request URL, walked from the URL resolver
(never a hand-written sample), answers 404 for another institution's request id."""

import pytest
from django.test import Client

from registration.models import Institution
from requests_app.models import Request
from tests.requests_app.factories import make_copy
from tests.security.urlwalk import Route, all_routes

pytestmark = pytest.mark.django_db


def request_routes(namespace: str) -> list[Route]:
    return [r for r in all_routes() if r.name.startswith(f"{namespace}:") and "pk" in r.kwargs]


def test_the_walk_finds_the_request_urls() -> None:
    names = {r.name for r in request_routes("requests")}
    assert {"requests:detail", "requests:cancel", "requests:download"} <= names


@pytest.fixture
def foreign(other_institution: Institution) -> Request:
    """Institution A's request; the logged-in portal client belongs to institution B."""
    return make_copy(other_institution)


@pytest.mark.parametrize("route", request_routes("requests"), ids=lambda r: r.name)
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_institutions_request_is_not_found(
    portal: Client, foreign: Request, route: Route, method: str
) -> None:
    url = route.url({"pk": foreign.pk})
    assert url is not None
    response = getattr(portal, method)(url, {"seen_status": foreign.status, "reference": "X"})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "new" and foreign.record.permission_reference == ""


@pytest.mark.parametrize("route", request_routes("desk"), ids=lambda r: r.name)
@pytest.mark.parametrize("method", ["get", "post"])
def test_institution_accounts_cannot_reach_the_desk(
    portal: Client, foreign: Request, route: Route, method: str
) -> None:
    url = route.url({"pk": foreign.pk, "action": "accept"})
    assert url is not None
    response = getattr(portal, method)(url, {"seen_status": foreign.status})
    assert response.status_code in (302, 403, 405)
    foreign.refresh_from_db()
    assert foreign.status == "new"


@pytest.mark.parametrize("route", request_routes("requests"), ids=lambda r: r.name)
def test_anonymous_users_are_sent_to_log_in(client: Client, foreign: Request, route: Route) -> None:
    response = client.get(route.url({"pk": foreign.pk}) or "")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
