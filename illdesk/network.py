"""The client's IP address, for the log-in lockout, the registration rate limit and the address
stored with a registration's acceptance of the terms (docs/operations.md, "Behind a proxy")."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """`REMOTE_ADDR`, unless PROXY_COUNT trusted proxies stand in front of the application.

    Each proxy appends the address it received the request from to X-Forwarded-For, so with N
    proxies the last N-1 entries are our own proxies' and the Nth from the right is the client
    as the outermost proxy saw it. Anything to its left was written by the client and is not
    believed; nor is the header at all when PROXY_COUNT is 0."""
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.PROXY_COUNT
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < count:  # not through every proxy (a health check, or a misconfiguration)
        return remote
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
