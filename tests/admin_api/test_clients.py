"""Whose address a request is counted against (admin_api/clients.py): a table of cases."""

from __future__ import annotations

import pytest

from admin_api.clients import client_address, is_loopback, parse_networks

PROXIES = parse_networks(["10.0.0.0/8", "192.168.1.5", "2001:db8::/32"])

# (peer, X-Forwarded-For values, trusted proxies, the client address)
CASES = [
    ("127.0.0.1", ["1.2.3.4"], (), "127.0.0.1"),                # nobody trusted: header ignored
    ("203.0.113.7", ["1.2.3.4"], PROXIES, "203.0.113.7"),        # an untrusted peer says it
    ("10.1.2.3", ["198.51.100.4"], PROXIES, "198.51.100.4"),     # a trusted proxy says it
    ("10.1.2.3", ["6.6.6.6, 198.51.100.4"], PROXIES, "198.51.100.4"),  # rightmost untrusted hop
    ("10.1.2.3", ["198.51.100.4, 10.9.9.9"], PROXIES, "198.51.100.4"),  # through two proxies
    ("10.1.2.3", ["198.51.100.4", "10.9.9.9"], PROXIES, "198.51.100.4"),  # two headers
    ("10.1.2.3", ["unknown"], PROXIES, "10.1.2.3"),              # not an IP: ignored
    ("10.1.2.3", ["<script>, 10.9.9.9"], PROXIES, "10.9.9.9"),   # junk stops the walk
    ("10.1.2.3", ["999.1.1.1"], PROXIES, "10.1.2.3"),
    ("10.1.2.3", [], PROXIES, "10.1.2.3"),
    ("10.1.2.3", ["198.51.100.4:5123"], PROXIES, "198.51.100.4"),  # with a port
    ("2001:db8::1", ["[2001:db9::7]:443"], PROXIES, "2001:db9::7"),
    ("192.168.1.5", ["10.0.0.1"], PROXIES, "10.0.0.1"),          # only trusted hops: the first
    (None, ["1.2.3.4"], PROXIES, "unknown"),
]


@pytest.mark.parametrize(("peer", "forwarded", "trusted", "client"), CASES)
def test_client_address(peer: str | None, forwarded: list[str], trusted: tuple,
                        client: str) -> None:
    assert client_address(peer, forwarded, trusted) == client


def test_bad_proxy_settings_are_named() -> None:
    with pytest.raises(ValueError, match=r"'10\.0\.0\.300'"):
        parse_networks(["10.0.0.0/8", "10.0.0.300"])


def test_loopback() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1")
    assert not is_loopback("10.0.0.1") and not is_loopback("unknown")


def test_https_is_believed_only_from_a_trusted_proxy() -> None:
    from admin_api.clients import forwarded_https

    assert forwarded_https("10.1.2.3", "https", PROXIES)
    assert forwarded_https("10.1.2.3", "https, http", PROXIES)
    assert not forwarded_https("10.1.2.3", "http", PROXIES)
    assert not forwarded_https("203.0.113.7", "https", PROXIES)  # anyone can send the header
    assert not forwarded_https("127.0.0.1", "https", ())
