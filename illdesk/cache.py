"""The caches, from `CACHE_URL` (docs/operations.md, "When Redis is down").

django-environ reads `redis://...` as django-redis's backend whenever django-redis is installed
(it is: the sessions' cache needs it), and that backend raises its own exception on an outage
unless told to ignore errors. So whichever backend the URL names, a Redis cache is set up here the
same way: the default cache on Django's backend, whose errors (redis-py's) its callers handle, and
the sessions' cache on django-redis with errors ignored. And the one counter the rate limits keep
in the default cache (`count_in_window`)."""

from __future__ import annotations

from typing import TypedDict

DJANGO_REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"
REDIS_BACKENDS = {DJANGO_REDIS_CACHE, "django_redis.cache.RedisCache"}
# An unreachable Redis must fail a cache call at once, not hold the page.
SOCKET_TIMEOUT_SECONDS = 0.5


class Cache(TypedDict, total=False):
    """One cache of Django's CACHES setting: the keys read or written here (django-environ may
    give others, such as TIMEOUT, which are passed on as they are)."""

    BACKEND: str
    LOCATION: str | list[str]
    KEY_PREFIX: str
    OPTIONS: dict[str, object]


def caches_from(default: Cache) -> dict[str, Cache]:
    """`CACHES` for the default cache's configuration as django-environ parsed it."""
    if default.get("BACKEND") not in REDIS_BACKENDS:
        return {"default": default.copy(), "sessions": default.copy()}
    return {"default": _default_cache(default), "sessions": _session_cache(default["LOCATION"])}


def _default_cache(parsed: Cache) -> Cache:
    # Django's backend takes redis-py's connection options in lower case; django-environ writes
    # a URL's options in upper case when it picked django-redis.
    options = {key.lower(): value for key, value in parsed.get("OPTIONS", {}).items()}
    options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT_SECONDS)
    options.setdefault("socket_timeout", SOCKET_TIMEOUT_SECONDS)
    return {**parsed, "BACKEND": DJANGO_REDIS_CACHE, "OPTIONS": options}


def _session_cache(location: str | list[str]) -> Cache:
    """Sessions are stored in the database and read through this cache (`cached_db`); with Redis
    errors ignored (django-redis's IGNORE_EXCEPTIONS), a session is read from the database while
    Redis is down instead of the page failing."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": "sessions",
        "OPTIONS": {
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": SOCKET_TIMEOUT_SECONDS,
            "SOCKET_TIMEOUT": SOCKET_TIMEOUT_SECONDS,
        },
    }


def count_in_window(key: str, seconds: int) -> int:
    """Count one more under `key` in a fixed window of `seconds` from its first count, and return
    the count (the registration and ISO 18626 rate limits). Raises the cache's own errors, which
    each caller handles as its policy says (docs/operations.md, "When Redis is down")."""
    from django.core.cache import cache

    cache.add(key, 0, timeout=seconds)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        return 1
