from typing import Any, cast

import pytest
from django.test import Client

from registration.models import Institution
from tests.factories import make_institution, make_staff


@pytest.fixture
def institution(db: None) -> Institution:
    return make_institution()


@pytest.fixture
def other_institution(db: None) -> Institution:
    return make_institution()


@pytest.fixture
def portal(client: Client, institution: Institution) -> Client:
    client.force_login(cast(Any, institution.user))
    return client


@pytest.fixture
def staff(db: None) -> Any:
    return make_staff()


@pytest.fixture
def desk(staff: Any) -> Client:
    desk_client = Client()
    desk_client.force_login(staff)
    return desk_client


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def broker(celery_broker: str) -> str:
    """The real Redis broker, with the Celery app's producer pools rebuilt for it: the shared
    fixture resets only one of the two pools an earlier broker may have left behind."""
    import kombu.pools

    from illdesk.celery import app

    kombu.pools.reset()
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]
    return celery_broker
