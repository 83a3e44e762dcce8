import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Rate-limit counters and authentication lockouts live in the cache; each test starts
    # with none.
    cache.clear()
