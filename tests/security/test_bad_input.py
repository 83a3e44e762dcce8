"""Hostile input to every public form, the request forms and the OpenURL entry point (random
Unicode, huge strings, NUL bytes, malformed dates and identifiers): never a server error, and never
a half-valid row stored. Whatever is stored must pass the model's own validation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest
from django.core.cache import cache
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copyright_rules.models import Decision, Record
from registration.models import Registration
from requests_app.models import Request
from tests.factories import make_institution
from tests.registration.conftest import REGISTRATION_FORM
from tests.registration.factories import current_terms
from tests.requests_app.test_submit import COPY_POST, LOAN_POST

pytestmark = pytest.mark.django_db

MALFORMED = [
    "",
    " ",
    "\x00",
    "abc\x00def",
    "2024-13-45",
    "0000-00-00",
    "99999-01-01",
    "31/02/2024",
    "-1",
    "1e309",
    "NaN",
    "0028-083X\x00",
    "ISSN 0000-0000",
    "978-0-00-000000-0",
    "ocm00000000' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "\u202e\u0000\ufeff",
    "\ud7ff\U0010ffff",
]
hostile = st.one_of(
    st.sampled_from(MALFORMED),
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50).map(lambda s: s + "\x00" + s),
    st.builds(lambda c, n: c * n, st.characters(codec="utf-8"), st.integers(1000, 200_000)),
)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _overrides(fields: list[str]) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.sampled_from(fields), hostile, min_size=1, max_size=len(fields))


def _assert_stored_rows_are_valid(model: type[Model], before: set[int]) -> None:
    for row in model._default_manager.exclude(pk__in=before):
        row.full_clean()


def _ids(model: type[Model]) -> set[int]:
    return set(model._default_manager.values_list("pk", flat=True))


def _post_and_check(client: Client, url: str, data: dict[str, Any], models: list[Any]) -> None:
    before = {model: _ids(model) for model in models}
    response = client.post(url, data)
    assert response.status_code < 500, (url, data)
    for model in models:
        _assert_stored_rows_are_valid(model, before[model])
    # A request is stored with its copyright record and decision, or not at all.
    assert Request.objects.count() == Record.objects.filter(request__isnull=False).count()
    assert Record.objects.filter(decisions__isnull=True).count() == 0


@pytest.fixture
def portal() -> Client:
    client = Client()
    client.force_login(cast(Any, make_institution().user))
    return client


@given(data=_overrides(list(REGISTRATION_FORM) + ["terms_version"]))
@FUZZ
def test_the_registration_form_survives_hostile_input(data: dict[str, str]) -> None:
    cache.clear()  # the per-address rate limit would otherwise stop the form being exercised
    form = {**REGISTRATION_FORM, "terms_version": str(current_terms().pk), **data}

    _post_and_check(Client(), reverse("registration:register"), form, [Registration])


@pytest.mark.parametrize("name", ["login", "admin:login"])
@given(data=_overrides(["username", "password"]))
@FUZZ
def test_the_login_forms_survive_hostile_input(name: str, data: dict[str, str]) -> None:
    cache.clear()
    response = Client().post(reverse(name), {"username": "x", "password": "y", **data})

    assert response.status_code < 500


@pytest.mark.parametrize("name", ["login", "admin:login"])
def test_an_overlong_username_is_a_field_error_not_a_server_error(name: str) -> None:
    response = Client().post(reverse(name), {"username": "u" * 1000, "password": "y"})

    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()


@given(data=_overrides(list(LOAN_POST) + ["isbn", "issn", "oclc_number", "lccn", "edition"]))
@FUZZ
def test_the_loan_form_survives_hostile_input(portal: Client, data: dict[str, str]) -> None:
    _post_and_check(portal, reverse("requests:new_loan"), {**LOAN_POST, **data}, [Request])


@pytest.mark.parametrize("name", ["requests:new_copy", "requests:new_duplication"])
@given(data=_overrides([*COPY_POST, "isbn", "note", "basis", "reproduction_number"]))
@FUZZ
def test_the_copy_forms_survive_hostile_input(
    portal: Client, name: str, data: dict[str, str]
) -> None:
    _post_and_check(portal, reverse(name), {**COPY_POST, **data}, [Request, Record, Decision])


@given(data=_overrides([*COPY_POST, "duplication"]))
@FUZZ
def test_the_precheck_survives_hostile_input_and_stores_nothing(
    portal: Client, data: dict[str, str]
) -> None:
    before = (Request.objects.count(), Record.objects.count())

    response = portal.post(reverse("requests:precheck"), {**COPY_POST, **data})

    assert response.status_code < 500
    assert (Request.objects.count(), Record.objects.count()) == before


OPENURL_KEYS = [
    "url_ver",
    "ctx_ver",
    "rft_val_fmt",
    "rft.genre",
    "rft.jtitle",
    "rft.btitle",
    "rft.atitle",
    "rft.title",
    "rft.issn",
    "rft.isbn",
    "rft.date",
    "rft.volume",
    "rft.issue",
    "rft.spage",
    "rft.epage",
    "rft.pages",
    "rft.au",
    "rft.aulast",
    "rft_id",
    "svc.format",
]
OPENURL_BASE = {"url_ver": "Z39.88-2004", "rft_val_fmt": "info:ofi/fmt:kev:mtx:journal"}
OPENURL_PAGES: list[Callable[[], str]] = [
    lambda: reverse("requests:new"),
    lambda: reverse("requests:new_copy"),
    lambda: reverse("requests:new_loan"),
]


@pytest.mark.parametrize("page", OPENURL_PAGES, ids=["new", "new_copy", "new_loan"])
@given(data=_overrides(OPENURL_KEYS))
@FUZZ
def test_the_openurl_entry_point_survives_hostile_links(
    portal: Client, page: Callable[[], str], data: dict[str, str]
) -> None:
    before = Request.objects.count()

    response = portal.get(page(), {**OPENURL_BASE, **data}, follow=True)

    assert response.status_code < 500
    assert Request.objects.count() == before


# --- Numbers: ASCII digits only, range-checked (issue 12, defect 6) ---------------------------

NON_ASCII_DIGITS = ["²", "٣", "１２", "𝟗", "Ⅻ", "½", "1²", "٣-٥"]
HUGE = ["2147483648", "9223372036854775808", "99999999999999999999999", "1" * 400]
numbers = st.one_of(
    st.sampled_from(NON_ASCII_DIGITS + HUGE),
    st.text(alphabet=st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=12),
    st.integers(min_value=2**31 - 2, max_value=2**200).map(str),
    st.builds(lambda a, b: f"{a}-{b}", st.integers(0, 2**80), st.integers(0, 2**80)),
)


@pytest.mark.parametrize("query", ["²", "٣", "99999999999999999999999", "9223372036854775808"])
def test_the_request_list_search_answers_odd_numbers(portal: Client, query: str) -> None:
    assert portal.get(reverse("requests:list"), {"q": query}).status_code == 200


@pytest.mark.parametrize("year", ["²", "٢٠٢٤", "99999999999999999999999", "2024²"])
@pytest.mark.parametrize("name", ["admin:copyright_compliance", "admin:copyright_compliance_csv"])
def test_the_compliance_report_answers_odd_years(
    admin_client: Client, name: str, year: str
) -> None:
    assert admin_client.get(reverse(name), {"year": year}).status_code == 200


@pytest.mark.parametrize("pages", ["1-99999999999999999999999", "1-2147483648", "1-٣", "²"])
def test_an_odd_page_range_is_a_field_error_and_stores_nothing(portal: Client, pages: str) -> None:
    response = portal.post(reverse("requests:new_copy"), {**COPY_POST, "pages": pages})

    assert response.status_code == 200
    assert "Give pages as numbers or ranges" in response.content.decode()
    assert not Request.objects.exists() and not Record.objects.exists()


@pytest.mark.parametrize("total", ["٣٠٠", "2147483648", "99999999999999999999999"])
def test_an_odd_total_page_count_is_a_field_error(portal: Client, total: str) -> None:
    data = {**COPY_POST, "work_kind": "part", "pages": "1-5", "total_pages": total}
    response = portal.post(reverse("requests:new_copy"), data)

    assert response.status_code == 200
    assert not Request.objects.exists()


@given(data=_overrides(["pages", "total_pages", "volume", "issue", "publication_date"]), n=numbers)
@FUZZ
def test_the_copy_form_survives_odd_numbers(portal: Client, data: dict[str, str], n: str) -> None:
    data = dict.fromkeys(data, n)
    _post_and_check(portal, reverse("requests:new_copy"), {**COPY_POST, **data}, [Request, Record])


@given(data=_overrides(["max_cost", "oclc_number", "lccn", "publication_date"]), n=numbers)
@FUZZ
def test_the_loan_form_survives_odd_numbers(portal: Client, data: dict[str, str], n: str) -> None:
    data = dict.fromkeys(data, n)
    _post_and_check(portal, reverse("requests:new_loan"), {**LOAN_POST, **data}, [Request])


@given(n=numbers)
@FUZZ
def test_the_request_list_survives_odd_numbers(portal: Client, n: str) -> None:
    assert portal.get(reverse("requests:list"), {"q": n}).status_code == 200
