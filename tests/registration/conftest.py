from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

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


def forget_broker_connections() -> None:
    """Drop the Celery app's broker pools: they stay bound to the broker URL they were made for,
    and the shared celery_broker fixture resets only one of them."""
    import kombu.pools

    from illdesk.celery import app

    kombu.pools.reset()
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _fresh_broker_pools() -> Iterator[None]:
    # Even an eager task acquires a producer from the app's pool, and the shared celery_broker
    # fixture closes that pool without forgetting it: start and end every test with fresh pools.
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
