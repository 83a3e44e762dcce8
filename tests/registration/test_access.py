"""Who may use the institution portal: only the account of an active, verified institution.

The authentication backend loads the institution with the user, so the check itself costs no
query; these tests hold the rule that `Institution.may_use_portal` states."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registration.models import Institution
from tests.factories import make_institution, make_staff

pytestmark = pytest.mark.django_db

PORTAL = reverse("requests:dashboard")


def logged_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_a_verified_institution_reaches_the_portal_with_its_institution_loaded_with_the_user() -> (
    None
):
    institution = make_institution()
    client = logged_in(institution.user)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(PORTAL)

    assert response.status_code == 200
    assert response.wsgi_request.institution == institution  # type: ignore[attr-defined]
    institution_table = Institution._meta.db_table
    lookups = [q["sql"] for q in queries if f'FROM "{institution_table}"' in q["sql"]]
    assert lookups == []  # the institution came with the user: one query, not two
    users = [q["sql"] for q in queries if 'FROM "auth_user"' in q["sql"]]
    assert len(users) == 1  # and the rule's look back at the account reads no user again
    assert f'JOIN "{institution_table}"' in users[0]


def test_a_suspended_institution_is_refused() -> None:
    institution = make_institution()
    client = logged_in(institution.user)
    Institution.objects.filter(pk=institution.pk).update(is_active=False)

    assert client.get(PORTAL).status_code == 403


def test_a_deactivated_account_is_logged_out() -> None:
    institution = make_institution()
    client = logged_in(institution.user)
    assert institution.user is not None
    type(institution.user).objects.filter(pk=institution.user.pk).update(is_active=False)

    response = client.get(PORTAL)

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_staff_without_an_institution_are_refused() -> None:
    assert logged_in(make_staff()).get(PORTAL).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in() -> None:
    response = Client().get(PORTAL)

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
