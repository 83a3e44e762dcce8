"""Any value in any query parameter a page reads, on every page staff and libraries open: never
a server error (PostgreSQL refuses NUL characters and numbers too long for its columns; the
page must refuse them first). The parameters are read from the code and the filter forms, so a
new one is fuzzed the moment a view reads it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from requests_app.forms import DeskFilterForm, ListFilterForm
from requests_app.models import Request
from requests_app.queues import QUEUES
from tests.factories import make_institution
from tests.requests_app.factories import make_copy
from tests.security.urlwalk import all_routes

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
_READ = re.compile(r"""(?:GET|params)\.get\(\s*["'](\w+)["']""")


def _read_in_code() -> set[str]:
    names: set[str] = set()
    for app in ("illdesk", "registration", "requests_app", "copyright_rules"):
        for path in (ROOT / app).rglob("*.py"):
            names.update(_READ.findall(path.read_text()))
    return names


PARAMETERS = sorted(
    _read_in_code()
    | set(DeskFilterForm(queue=next(iter(QUEUES.values()))).fields)
    | set(ListFilterForm().fields)
    | {"o", "p", "e"}  # the admin's change lists: order, page, error
)
VALUES = st.one_of(
    st.sampled_from(
        ["a\x00b", "\x00", "9" * 5000, "-1", "99999999999999999999", "9999-12-31", "1e309"]
    ),
    st.text(st.characters(codec="utf-8"), max_size=200),
)


def _pages(prefixes: tuple[str, ...]) -> list[str]:
    """Every page without arguments under the prefixes (the pages that read query strings)."""
    urls = [route.url() for route in all_routes() if not route.kwargs]
    return sorted(u for u in urls if u and u.startswith(prefixes) and not u.endswith("logout/"))


STAFF_PAGES = _pages(("/desk/", "/admin/requests_app/", "/admin/copyright_rules/"))
LIBRARY_PAGES = _pages(("/requests/",))
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def item() -> Request:
    return make_copy(make_institution())


def test_the_parameters_include_the_desk_search_and_the_statistics_year() -> None:
    assert {"q", "queue", "after", "year", "page", "sort"} <= set(PARAMETERS)
    assert "/desk/" in STAFF_PAGES and "/requests/list/" in LIBRARY_PAGES


def test_a_nul_in_the_desk_search_is_refused_with_a_clear_error(admin_client: Client) -> None:
    response = admin_client.get("/desk/?q=a%00b")

    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


@FUZZ
@given(page=st.sampled_from(STAFF_PAGES), name=st.sampled_from(PARAMETERS), value=VALUES)
def test_no_staff_page_fails_on_any_query_parameter(
    admin_client: Client, item: Request, page: str, name: str, value: str
) -> None:
    response = admin_client.get(page, {name: value})

    assert response.status_code < 500, (page, name, value)


@FUZZ
@given(page=st.sampled_from(LIBRARY_PAGES), name=st.sampled_from(PARAMETERS), value=VALUES)
def test_no_library_page_fails_on_any_query_parameter(
    client: Client, page: str, name: str, value: str
) -> None:
    institution = make_institution()
    make_copy(institution)
    client.force_login(cast(Any, institution.user))

    response = client.get(page, {name: value})

    assert response.status_code < 500, (page, name, value)
