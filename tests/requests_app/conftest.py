from typing import Any, cast

import pytest
from django.test import Client

from registration.models import Institution
from tests.factories import InstitutionFactory, StaffFactory


@pytest.fixture
def institution(db: None) -> Institution:
    return cast(Institution, InstitutionFactory())


@pytest.fixture
def other_institution(db: None) -> Institution:
    return cast(Institution, InstitutionFactory())


@pytest.fixture
def portal(client: Client, institution: Institution) -> Client:
    client.force_login(cast(Any, institution.user))
    return client


@pytest.fixture
def staff(db: None) -> Any:
    return StaffFactory()


@pytest.fixture
def desk(staff: Any) -> Client:
    desk_client = Client()
    desk_client.force_login(staff)
    return desk_client


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
