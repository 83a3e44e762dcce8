"""ISO 18626 messages are answered with Redis stopped, under either Redis cache backend: the
endpoint's rate limits and the security-code throttle live in the cache, and are skipped (with a
warning) rather than failing the message (docs/iso18626.md, "Limits")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from illdesk.cache import Cache, caches_from
from requests_app.models import Request
from tests.factories import make_institution
from tests.requests_app.iso18626.helpers import find, loan_request, make_partner, post
from tests.services import RedisServer

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

BACKENDS = [
    "django.core.cache.backends.redis.RedisCache",
    "django_redis.cache.RedisCache",  # what CACHE_URL=redis://... gives through django-environ
]


@pytest.fixture(params=BACKENDS)
def stopped_redis(request: Any, settings: Any, redis_server: RedisServer) -> Iterator[None]:
    default: Cache = {
        "BACKEND": request.param,
        "LOCATION": redis_server.url.rsplit("/", 1)[0] + "/2",
    }
    settings.CACHES = caches_from(default)
    cache.set("probe", 1)
    assert cache.get("probe") == 1
    redis_server.stop()
    yield
    redis_server.start()


def test_a_partners_message_is_answered_with_redis_down(stopped_redis: None) -> None:
    make_partner(make_institution(), token="", account=("acct", "s3cret-code"))
    end = "</requestingAgencyRequestId>"
    auth = (
        "<requestingAgencyAuthentication><accountId>acct</accountId>"
        "<securityCode>s3cret-code</securityCode></requestingAgencyAuthentication>"
    )
    body = loan_request("down-1").decode().replace(end, end + auth).encode()

    response = post(Client(), body, token="")

    assert response.status_code == 200
    assert find(response.content, "confirmationHeader/messageStatus") == "OK"
    assert Request.objects.count() == 1
