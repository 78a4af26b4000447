"""The address of the person behind a request, also behind our own reverse proxy.

`REMOTE_ADDR` is the peer of the web server. When that peer is one of `TRUSTED_PROXIES`
(e.g. nginx on the same host), the client is the rightmost X-Forwarded-For hop that is not a
trusted proxy: each proxy appends the address it saw, so everything to the right of that hop
was written by our proxies and everything to its left is the client's own word (forgeable).
A request straight from the internet never has its X-Forwarded-For read.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(value: str) -> Address | None:
    """An IP address from a header value: `1.2.3.4`, `1.2.3.4:5678`, `::1`, `[::1]:443`."""
    value = value.strip().strip('"')
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:  # IPv4 with a port
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address) -> bool:
    return any(address in network for network in settings.TRUSTED_PROXIES)


def client_address(request: HttpRequest) -> str:
    """The client's IP address as a string ("" when the server does not know its peer)."""
    peer = parse_address(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return ""
    if not settings.TRUSTED_PROXIES or not _trusted(peer):
        return str(peer)
    # Repeated X-Forwarded-For headers reach us joined by commas, in order (CGI rules).
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "")
    client = peer
    for raw in reversed([h for h in hops.split(",") if h.strip()]):
        hop = parse_address(raw)
        if hop is None:
            # Our proxy writes addresses; garbage here means it did not: stop at what we know.
            break
        client = hop
        if not _trusted(hop):
            break
    return str(client)
