"""Where we may POST a partner's messages: an https address whose host resolves to public
addresses only, checked when staff save the profile and again, resolved afresh, before every
send; the connection then goes to the address that was checked, so a name that resolves
differently a moment later cannot lead the office's server into its own network
(docs/iso18626.md, "Limits").

ISO18626_ALLOW_HTTP allows plain http and ISO18626_ALLOWED_NETWORKS names networks that are
otherwise refused (loopback for tests, a VPN to a partner): both for tests and development."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeAddress(ValueError):
    """The address is not one we send to; the message says why, for staff."""


@dataclass(frozen=True)
class Target:
    """A vetted address: where to connect (`ip`) and what to ask for there."""

    scheme: str
    host: str
    port: int
    path: str
    ip: str


def vet(address: str) -> Target:
    """The address resolved and checked, or UnsafeAddress."""
    url = urlsplit(address)
    allowed = ("https", "http") if settings.ISO18626_ALLOW_HTTP else ("https",)
    if url.scheme not in allowed:
        raise UnsafeAddress("The message address must begin with https://.")
    try:
        port = url.port if url.port is not None else (443 if url.scheme == "https" else 80)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise UnsafeAddress("The port must be a number from 1 to 65535.")
    if not url.hostname:
        raise UnsafeAddress("The message address needs a host name.")
    ip = _resolve(url.hostname, port)
    path = (url.path or "/") + (f"?{url.query}" if url.query else "")
    return Target(url.scheme, url.hostname, port, path, str(ip))


def _resolve(host: str, port: int) -> IPAddress:
    """The host's first address, when none of its addresses is refused: a name with one public
    and one private address could be made to pick the private one."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError):  # not found, or no host name at all (a NUL, a bad IDNA label)
        raise UnsafeAddress(f"The host {host} cannot be found.") from None
    ips = [ipaddress.ip_address(str(info[4][0]).partition("%")[0]) for info in found]
    for ip in ips:
        if refused(ip):
            raise UnsafeAddress(
                f"The host {host} resolves to {ip}, a loopback, private, link-local or "
                "otherwise internal address, which we never send to."
            )
    return ips[0]


def refused(ip: IPAddress) -> bool:
    if any(ip in ipaddress.ip_network(net, strict=False) for net in _allowed()):
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _allowed() -> list[str]:
    return list(settings.ISO18626_ALLOWED_NETWORKS)
