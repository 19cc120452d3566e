"""Who is calling: the client address, believing X-Forwarded-For only from trusted proxies.

Anyone can send an X-Forwarded-For header. It says something only when the peer that sent it is
a proxy the operator listed (``trusted_proxies``); with none listed (the default) the header is
ignored and the peer address is the client. Behind trusted proxies the header is read from the
right (the hop nearest to us) and the first address that is not itself a trusted proxy is the
client; a value that is not an IP address ("unknown", "1.2.3.4, <script>") ends the walk, and
the last address we could believe is used.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

Network = IPv4Network | IPv6Network
Address = IPv4Address | IPv6Address
UNKNOWN = "unknown"


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """``["10.0.0.0/8", "192.168.1.5"]`` as networks; raises ValueError naming a bad one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"{value!r} is not an IP address or network (CIDR)") from exc
    return tuple(networks)


def _address(value: str) -> Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:5123"
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(address: Address, trusted: Sequence[Network]) -> bool:
    return any(address.version == net.version and address in net for net in trusted)


def client_address(peer: str | None, forwarded_for: Sequence[str],
                   trusted: Sequence[Network]) -> str:
    """The address to hold responsible for a request (see the module docstring).

    ``forwarded_for`` is every X-Forwarded-For header value, in the order received."""
    if not peer:
        return UNKNOWN
    current = _address(peer)
    if current is None or not trusted or not _trusted(current, trusted):
        return peer
    hops = [hop for value in forwarded_for for hop in value.split(",")]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # not an IP: believe nothing further
        current = address
        if not _trusted(address, trusted):
            break
    return str(current)


def forwarded_https(peer: str | None, proto: str | None, trusted: Sequence[Network]) -> bool:
    """True when a trusted proxy says the client's request came over HTTPS (X-Forwarded-Proto;
    uvicorn's own proxy-header handling is off, see ``infomigra.api_runner``)."""
    address = _address(peer) if peer else None
    if address is None or not _trusted(address, trusted) or not proto:
        return False
    return proto.split(",")[0].strip().lower() == "https"


def is_loopback(address: str) -> bool:
    parsed = _address(address)
    return parsed is not None and parsed.is_loopback
