"""Redis stopped under the documented configuration (issue 12, defect 4; issue 20, item 17): the
cache (`CACHE_URL=redis://...`, read by django-environ exactly as the settings read it) and the
Celery broker on one real Redis server. Sessions are stored in the database and read through a
cache that ignores Redis errors, so logged-in pages render; a change commits and its email waits
in the outbox; log-in and registration work, and a registration is saved once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import environ
import pytest
from django.core.cache import cache, caches
from django.test import Client
from django.urls import reverse

from illdesk.cache import caches_from
from registration.models import OutboxMessage, Registration
from requests_app.models import Request
from tests.factories import make_institution
from tests.registration.conftest import REGISTRATION_FORM
from tests.registration.factories import RegistrationFactory
from tests.requests_app.factories import make_copy
from tests.requests_app.test_submit import COPY_POST
from tests.services import RedisServer, forget_broker_connections

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

PASSWORD = "the-right-password-for-testing-1"


@pytest.fixture
def redis_for_cache_and_broker(
    settings: Any, celery_broker: str, redis_server: RedisServer
) -> Iterator[RedisServer]:
    cache_url = redis_server.url.rsplit("/", 1)[0] + "/1"
    settings.CACHES = caches_from(environ.Env.cache_url_config(cache_url))
    cache.set("probe", 1)  # really on Redis while it runs
    assert cache.get("probe") == 1
    yield redis_server
    if redis_server.process is None or redis_server.process.poll() is not None:
        redis_server.start()
    forget_broker_connections()


def _stop(redis: RedisServer) -> None:
    forget_broker_connections()
    redis.stop()


def test_logged_in_pages_render_with_redis_down(
    redis_for_cache_and_broker: RedisServer,
) -> None:
    institution = make_institution()
    request = make_copy(institution)
    client = Client()
    client.force_login(cast(Any, institution.user))
    session_key = client.session.session_key
    # While Redis is up the session is read from it, not from the database.
    assert caches["sessions"].get(f"django.contrib.sessions.cached_db{session_key}") is not None

    _stop(redis_for_cache_and_broker)

    for url in (
        reverse("requests:dashboard"),
        reverse("requests:list"),
        reverse("requests:detail", args=[request.pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_a_submission_with_redis_down_commits_and_its_email_waits(
    redis_for_cache_and_broker: RedisServer,
) -> None:
    institution = make_institution()
    client = Client()
    client.force_login(cast(Any, institution.user))

    _stop(redis_for_cache_and_broker)
    response = client.post(reverse("requests:new_copy"), COPY_POST)

    assert response.status_code == 302
    request = Request.objects.get()
    message = OutboxMessage.objects.get(target_id=request.pk)
    assert (message.email, message.status) == ("request-received", "pending")


def test_an_approval_with_redis_down_commits_and_the_credentials_wait(
    redis_for_cache_and_broker: RedisServer, admin_client: Client
) -> None:
    registration = RegistrationFactory.create(oclc_symbol="SPL")

    _stop(redis_for_cache_and_broker)
    url = reverse("admin:registration_registration_decide", args=[registration.pk, "approve"])
    response = admin_client.post(url, {"text": ""})

    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == Registration.Status.APPROVED
    message = OutboxMessage.objects.get()
    assert (message.email, message.status) == ("credentials", "pending")


def test_log_in_and_registration_work_with_redis_down(
    redis_for_cache_and_broker: RedisServer, django_user_model: Any
) -> None:
    from registration.services import current_terms

    django_user_model.objects.create_user("NYPL", password=PASSWORD)
    form = {**REGISTRATION_FORM, "terms_version": str(current_terms().pk)}

    _stop(redis_for_cache_and_broker)
    login = Client().post(reverse("login"), {"username": "NYPL", "password": PASSWORD})
    registered = Client().post(reverse("registration:register"), form)

    assert login.status_code == 302
    assert registered.status_code == 302
    assert Registration.objects.filter(oclc_symbol="SPL").exists()


def test_the_documented_cache_url_is_read_as_django_redis() -> None:
    # Why the settings normalise it: this is the backend a production CACHE_URL arrives as.
    parsed = environ.Env.cache_url_config("redis://redis.internal:6379/1")
    assert parsed["BACKEND"] == "django_redis.cache.RedisCache"


def test_a_registration_with_redis_down_is_saved_once_and_its_retry_adds_none(
    redis_for_cache_and_broker: RedisServer,
) -> None:
    from registration.services import current_terms

    form = {**REGISTRATION_FORM, "terms_version": str(current_terms().pk)}
    browser = Client()

    _stop(redis_for_cache_and_broker)
    first = browser.post(reverse("registration:register"), form)
    again = browser.post(reverse("registration:register"), form)

    assert (first.status_code, again.status_code) == (302, 302)
    registration = Registration.objects.get()
    assert registration.reference in browser.get(first["Location"]).content.decode()
