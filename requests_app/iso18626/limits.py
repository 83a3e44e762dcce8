"""What one sender may cost the office: messages per minute per client address and per agency
id, security-code failures per (agency id, client address) as the log-in lockout counts them,
and the bytes one partner may add to the message log in a day (docs/iso18626.md, "Limits").

The counters live in the shared cache (Redis in production). With the cache unreachable they
are not applied and the outage is logged (docs/operations.md, "When Redis is down"): a partner's
messages keep flowing, and authentication itself never depends on the cache."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone
from redis.exceptions import RedisError

from requests_app.iso18626.models import IsoMessage, IsoPartner

logger = logging.getLogger(__name__)
# What the cache raises with Redis unreachable, with Django's Redis backend and with django-redis
# (which CACHE_URL=redis://... selects through django-environ) alike.
CACHE_DOWN = (RedisError, OSError)
RATE_WINDOW_SECONDS = 60
QUOTA_WINDOW = timedelta(days=1)


def over_rate(kind: str, who: str | None) -> bool:
    """Count one message from `who` (a client address or an agency id) and say whether it is
    over ISO18626_RATE_LIMIT for this minute."""
    key = _key("rate", kind, (who or "unknown").upper())
    try:
        return _hit(key, RATE_WINDOW_SECONDS) > settings.ISO18626_RATE_LIMIT
    except CACHE_DOWN as error:
        logger.warning("ISO 18626 rate limit not applied (%s)", type(error).__name__)
        return False


def _hit(key: str, seconds: int) -> int:
    cache.add(key, 0, timeout=seconds)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        return 1


def _key(*parts: str) -> str:
    """A cache key of fixed length and safe characters, whatever the sender wrote."""
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    return f"iso18626:{parts[0]}:{digest}"


def _failures_key(agency: str, address: str | None) -> str:
    return _key("auth-failures", agency.upper(), address or "unknown")


def authentication_locked(agency: str, address: str | None) -> bool:
    """AXES_FAILURE_LIMIT failed authentications of one agency id from one client address lock
    that pair for AXES_COOLOFF_TIME from the failure that locked it, as the log-in does; the
    partner's own system, from its own address, is not locked out by someone else's guesses."""
    try:
        failures = int(cache.get(_failures_key(agency, address)) or 0)
    except CACHE_DOWN as error:
        logger.warning("ISO 18626 authentication throttle not applied (%s)", type(error).__name__)
        return False
    return failures >= settings.AXES_FAILURE_LIMIT


def authentication_failed(agency: str, address: str | None) -> None:
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    key = _failures_key(agency, address)
    try:
        locks = _hit(key, seconds) == settings.AXES_FAILURE_LIMIT
        if locks:
            # The lock lasts the cool-off from this failure; a locked pair is not checked, so
            # failures during the lock do not extend it.
            cache.touch(key, seconds)
    except CACHE_DOWN as error:
        logger.warning("ISO 18626 authentication failure not counted (%s)", type(error).__name__)
        return
    if locks:
        logger.warning("ISO 18626: agency %s locked out for client %s", agency[:100], address)


def authentication_succeeded(agency: str, address: str | None) -> None:
    try:
        cache.delete(_failures_key(agency, address))
    except CACHE_DOWN as error:
        logger.warning("ISO 18626 authentication throttle not reset (%s)", type(error).__name__)


def over_quota(partner: IsoPartner) -> bool:
    """The partner's messages of the last day already hold ISO18626_PARTNER_DAILY_BYTES."""
    since = timezone.now() - QUOTA_WINDOW
    received = IsoMessage.objects.filter(
        partner=partner, direction=IsoMessage.Direction.IN, created_at__gte=since
    )
    stored = received.aggregate(total=Sum("size"))["total"] or 0
    return int(stored) >= settings.ISO18626_PARTNER_DAILY_BYTES
