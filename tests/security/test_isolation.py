"""Nobody where they do not belong: every URL pattern of the project, walked from the URL resolver,
as an anonymous visitor, as institution B holding institution A's object ids, and as A itself.

Every route must be classified below; a new route fails `test_every_route_is_classified` until its
author says who may see it, and from then on it is walked like the others."""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Any, cast

import pytest
from django.test import Client

from registration.models import Institution
from requests_app.actions import ACTIONS
from requests_app.models import Request
from tests.factories import make_institution
from tests.requests_app.factories import make_copy
from tests.security.urlwalk import Route, all_routes

pytestmark = pytest.mark.django_db


class Access(Enum):
    PUBLIC = "anyone"
    STAFF = "staff only"
    PORTAL = "a verified institution"
    OWN_OBJECT = "the institution that owns the object"
    # Machine to machine: the message itself names and authenticates the partner
    # (tests/requests_app/iso18626 prove the refusals), or a signed, expiring link.
    ISO18626 = "an ISO 18626 partner"
    SIGNED_LINK = "whoever holds the signed link"


# Every non-admin route by name. The admin site checks staff status on each of its views itself,
# so its routes (other than its login page) are staff-only by construction, and walked as such.
ACCESS: dict[str, Access] = {
    "home": Access.PUBLIC,
    "login": Access.PUBLIC,
    "logout": Access.PUBLIC,
    "admin:login": Access.PUBLIC,
    "admin:logout": Access.PUBLIC,
    "registration:register": Access.PUBLIC,
    "registration:received": Access.PUBLIC,
    "registration:update": Access.SIGNED_LINK,
    "requests:dashboard": Access.PORTAL,
    "requests:new": Access.PORTAL,
    "requests:new_loan": Access.PORTAL,
    "requests:new_copy": Access.PORTAL,
    "requests:new_duplication": Access.PORTAL,
    "requests:precheck": Access.PORTAL,
    "requests:list": Access.PORTAL,
    "requests:detail": Access.OWN_OBJECT,
    "requests:cancel": Access.OWN_OBJECT,
    "requests:conditions": Access.OWN_OBJECT,
    "requests:permission": Access.OWN_OBJECT,
    "requests:message": Access.OWN_OBJECT,
    "requests:renew": Access.OWN_OBJECT,
    "requests:quote": Access.OWN_OBJECT,
    "requests:download": Access.OWN_OBJECT,
    "desk:queues": Access.STAFF,
    "desk:home": Access.STAFF,
    "desk:stats": Access.STAFF,
    "desk:stats_csv": Access.STAFF,
    "desk:stats_refresh": Access.STAFF,
    "desk:batch": Access.STAFF,
    "desk:detail": Access.STAFF,
    "desk:claim": Access.STAFF,
    "desk:slip": Access.STAFF,
    "desk:band": Access.STAFF,
    "desk:download": Access.STAFF,
    "desk:act": Access.STAFF,
    "desk:iso18626_resend": Access.STAFF,
    "catalog:look_up": Access.STAFF,
    "catalog:confirm": Access.STAFF,
    "delivery:drop": Access.STAFF,
    "delivery:review": Access.STAFF,
    "delivery:deliver_batch": Access.STAFF,
    "delivery:deliver_one": Access.STAFF,
    "delivery:thumbnail": Access.STAFF,
    "fees:statement": Access.PORTAL,
    "account:emails": Access.PORTAL,
    "fees:invoice_pdf": Access.OWN_OBJECT,
    "fees:invoice_csv": Access.OWN_OBJECT,
    "fees:desk_invoice_pdf": Access.STAFF,
    "fees:desk_invoice_csv": Access.STAFF,
    "iso18626:endpoint": Access.ISO18626,
    "iso18626:copy": Access.SIGNED_LINK,
}

MARKER = "Zanzibar-only article of institution A"


BATCH = uuid.UUID(int=1)  # a batch of scans (delivery:review)


def access_of(route: Route) -> Access | None:
    if route.name in ACCESS:
        return ACCESS[route.name]
    return Access.STAFF if route.name.startswith("admin:") else None


def _routes(*kinds: Access) -> list[Route]:
    return [r for r in all_routes() if access_of(r) in kinds]


def _urls(route: Route, item: Request) -> list[str]:
    """One URL per value of the route's arguments, with A's ids in every id slot."""
    values: dict[str, Any] = {"pk": item.pk, "object_id": item.pk, "id": item.pk, "batch": BATCH}
    values["number"] = item.pk  # an invoice number: A's invoices are tested in tests/fees
    actions = list(ACTIONS) if "action" in route.kwargs else [None]
    urls = [route.url({**values, "action": action}) for action in actions]
    assert all(urls), route
    return cast(list[str], urls)


def _leaks(response: Any, owner: Institution) -> bool:
    body = response.content.decode(errors="replace")
    return MARKER in body or owner.name in body or owner.email in body


@pytest.fixture
def institution_a() -> Institution:
    return make_institution()


@pytest.fixture
def item(institution_a: Institution) -> Request:
    return make_copy(institution_a, article_title=MARKER)


@pytest.fixture
def client_b() -> Client:
    client = Client()
    client.force_login(cast(Any, make_institution().user))
    return client


@pytest.fixture
def client_a(institution_a: Institution) -> Client:
    client = Client()
    client.force_login(cast(Any, institution_a.user))
    return client


def _is_login_redirect(response: Any, method: str) -> bool:
    """A redirect to a login page; for a GET to a POST-only view, 405 is as good a refusal (the
    POST variant of the same test proves that the view itself asks for a login)."""
    if method == "get" and response.status_code == 405:
        return True
    location = response.headers.get("Location", "")
    return response.status_code == 302 and "/login/" in location


def test_every_route_is_classified() -> None:
    unclassified = [f"{r.name} ({r.pattern})" for r in all_routes() if access_of(r) is None]

    assert unclassified == [], "say who may see these routes in ACCESS"


def test_the_classification_names_only_routes_that_exist() -> None:
    routed = {r.name for r in all_routes()}

    assert set(ACCESS) - routed == set()


@pytest.mark.parametrize("route", _routes(Access.PUBLIC), ids=lambda r: r.name)
def test_public_pages_answer_anonymous_visitors(client: Client, route: Route) -> None:
    response = client.get(route.url() or "")

    assert response.status_code in (200, 302, 405)


@pytest.mark.parametrize(
    "route", _routes(Access.STAFF, Access.PORTAL, Access.OWN_OBJECT), ids=lambda r: r.name
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_log_in(
    client: Client, item: Request, institution_a: Institution, route: Route, method: str
) -> None:
    for url in _urls(route, item):
        response = getattr(client, method)(url)

        assert _is_login_redirect(response, method), (url, response.status_code)
        assert not _leaks(response, institution_a)


@pytest.mark.parametrize("route", _routes(Access.STAFF), ids=lambda r: r.name)
@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_pages_refuse_institution_accounts(
    client_b: Client,
    client_a: Client,
    item: Request,
    institution_a: Institution,
    route: Route,
    method: str,
) -> None:
    for account in (client_a, client_b):
        for url in _urls(route, item):
            response = getattr(account, method)(url, {"seen_status": item.status})

            assert _is_login_redirect(response, method) or response.status_code == 403, url
            assert not _leaks(response, institution_a)
    item.refresh_from_db()
    assert item.status == "new"


@pytest.mark.parametrize("route", _routes(Access.OWN_OBJECT), ids=lambda r: r.name)
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_institutions_object_is_not_found(
    client_b: Client, item: Request, institution_a: Institution, route: Route, method: str
) -> None:
    for url in _urls(route, item):
        response = getattr(client_b, method)(url, {"seen_status": item.status, "reference": "X"})

        assert response.status_code == 404, url
        assert not _leaks(response, institution_a)
    item.refresh_from_db()
    assert item.status == "new" and item.record.permission_reference == ""


@pytest.mark.parametrize("route", _routes(Access.PORTAL, Access.PUBLIC), ids=lambda r: r.name)
def test_pages_without_ids_never_show_another_institutions_data(
    client_b: Client, item: Request, institution_a: Institution, route: Route
) -> None:
    response = client_b.get(route.url() or "")

    assert response.status_code in (200, 302, 405)
    assert not _leaks(response, institution_a)


@pytest.mark.parametrize("route", _routes(Access.SIGNED_LINK), ids=lambda r: r.name)
def test_a_forged_or_guessed_signed_link_is_not_found(
    client_b: Client, item: Request, institution_a: Institution, route: Route
) -> None:
    for account in (client_b, Client()):
        for token in (str(item.pk), f"{item.pk}:forged:signature"):
            response = account.get(route.url({"token": token}) or "")

            assert response.status_code == 404, token
            assert not _leaks(response, institution_a)


@pytest.mark.parametrize("route", _routes(Access.ISO18626), ids=lambda r: r.name)
def test_the_iso18626_endpoint_answers_no_browser(
    client_b: Client, item: Request, institution_a: Institution, route: Route
) -> None:
    for account in (client_b, Client()):
        assert account.get(route.url() or "").status_code == 405
        response = account.post(route.url() or "", {"title": "x"})

        assert response.status_code == 400
        assert not _leaks(response, institution_a)


def test_the_owner_sees_its_own_object_so_the_ids_walked_are_real(
    client_a: Client, item: Request
) -> None:
    response = client_a.get(_urls(all_routes_named("requests:detail"), item)[0])

    assert response.status_code == 200
    assert MARKER in response.content.decode()


def test_the_owner_sees_its_own_data_in_the_lists(client_a: Client, item: Request) -> None:
    listed = [client_a.get(r.url() or "").content.decode() for r in _routes(Access.PORTAL)]

    assert any(MARKER in body for body in listed)


def all_routes_named(name: str) -> Route:
    return next(r for r in all_routes() if r.name == name)
