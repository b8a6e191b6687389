"""Who the client is: the socket peer, or the X-Forwarded-For hop a trusted proxy vouches for."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from bot.edge.settings import IPNetwork

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
UNKNOWN = "unknown"


def parse_address(text: str) -> IPAddress | None:
    """An IP address (IPv4-mapped IPv6 read as IPv4), or None when `text` is not one."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted(address: IPAddress, trusted: Sequence[IPNetwork]) -> bool:
    """Whether the address lies in one of the trusted proxies' networks."""
    return any(address.version == network.version and address in network for network in trusted)


def client_address(peer: str | None, forwarded_for: Iterable[str], trusted: Sequence[IPNetwork]) -> str:
    """The client's address as a string.

    The socket peer is the client unless it is a trusted proxy; then X-Forwarded-For is read from the right
    (the hop the proxy itself appended) leftwards, skipping further trusted proxies, and the first untrusted
    address is the client. A malformed entry stops the walk at the last address known to be real. With no
    trusted proxies configured the header is never read, so a client cannot choose its own address.
    """
    hop = parse_address(peer) if peer else None
    if hop is None:
        return UNKNOWN
    if not trusted or not is_trusted(hop, trusted):
        return str(hop)
    entries = [entry for header in forwarded_for for entry in header.split(",") if entry.strip()]
    for entry in reversed(entries):
        address = parse_address(entry)
        if address is None:
            break
        hop = address
        if not is_trusted(hop, trusted):
            break
    return str(hop)


def rate_key(address: str) -> str:
    """The key a client's rate is counted under: the address, or its /64 for IPv6 (one subscriber's block)."""
    parsed = parse_address(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return address
