from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from tests.services import forget_broker_connections

REGISTRATION_FORM = {
    "oclc_symbol": "spl",
    "isil": "",
    "name": "Springfield Public Library",
    "department": "Interlibrary Loan",
    "street": "742 Evergreen Terrace",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "United States",
    "contact_name": "Lisa Simpson",
    "email": "ill@springfield.example",
    "phone": "217-555-0100",
    "accept_terms": "on",
    "website": "",
}


@pytest.fixture(autouse=True)
def _fresh_broker_pools() -> Iterator[None]:
    # Even an eager task acquires a producer from the app's pool, which stays bound to the broker
    # URL of the moment; some tests here point the app at a dead broker, so every test starts and
    # ends with no pools at all.
    forget_broker_connections()
    yield
    forget_broker_connections()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Rate-limit counters and lockouts live in the cache; each test starts with none.
    cache.clear()


@pytest.fixture
def registration_form(db: None) -> dict[str, Any]:
    from registration.services import current_terms

    terms = current_terms()
    return {**REGISTRATION_FORM, "terms_version": str(terms.pk)}
