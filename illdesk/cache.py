"""The cache sessions are read through (docs/operations.md, "When Redis is down")."""

from __future__ import annotations

from typing import Any

DJANGO_REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"


def session_cache(default: dict[str, Any]) -> dict[str, Any]:
    """The sessions' cache: the default cache's server, with Redis errors ignored (django-redis's
    IGNORE_EXCEPTIONS). Sessions are stored in the database and read through this cache
    (`cached_db`), so with Redis down a session is read from the database instead of the page
    failing. The default cache keeps Django's backend, whose errors its callers handle."""
    if default.get("BACKEND") != DJANGO_REDIS_CACHE:
        return dict(default)
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": default["LOCATION"],
        "KEY_PREFIX": "sessions",
        "OPTIONS": {
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 0.5,
            "SOCKET_TIMEOUT": 0.5,
        },
    }
