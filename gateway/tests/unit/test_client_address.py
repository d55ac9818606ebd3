import pytest

from gateway.ratelimit.client import TrustedProxies, client_address

DEFAULT = TrustedProxies.parse("127.0.0.1,::1")


def test_trusted_peer_takes_the_right_most_address_not_a_trusted_proxy() -> None:
    trusted = TrustedProxies.parse("127.0.0.1, 10.0.0.0/8")
    chain = ["198.51.100.9, 203.0.113.7, 10.1.2.3"]
    assert client_address("127.0.0.1", chain, trusted) == "203.0.113.7"


def test_spoofed_left_entries_do_not_change_the_key() -> None:
    assert client_address("127.0.0.1", ["1.1.1.1, 203.0.113.7"], DEFAULT) == "203.0.113.7"
    assert client_address("127.0.0.1", ["2.2.2.2, 203.0.113.7"], DEFAULT) == "203.0.113.7"


def test_several_forwarded_for_headers_read_as_one_chain() -> None:
    trusted = TrustedProxies.parse("127.0.0.1,10.0.0.1")
    assert client_address("127.0.0.1", ["203.0.113.7", "10.0.0.1"], trusted) == "203.0.113.7"


def test_untrusted_peer_is_keyed_by_its_own_address_whatever_it_forwards() -> None:
    assert client_address("198.51.100.20", ["203.0.113.7"], DEFAULT) == "198.51.100.20"


def test_trusted_peer_without_forwarded_for_is_keyed_by_itself() -> None:
    assert client_address("127.0.0.1", [], DEFAULT) == "127.0.0.1"


def test_chain_of_only_trusted_proxies_keys_by_the_left_most() -> None:
    trusted = TrustedProxies.parse("127.0.0.1,10.0.0.0/8")
    assert client_address("127.0.0.1", ["10.0.0.5, 10.0.0.6"], trusted) == "10.0.0.5"


def test_ipv6_peer_and_forwarded_entries_are_normalised() -> None:
    assert client_address("::1", ["2001:DB8:0:0::7"], DEFAULT) == "2001:db8::7"
    assert client_address("::1", ["[2001:db8::7]:4711"], DEFAULT) == "2001:db8::7"
    assert client_address("2001:db8::99", ["203.0.113.7"], DEFAULT) == "2001:db8::99"


def test_ipv4_mapped_ipv6_peer_counts_as_its_ipv4_address() -> None:
    assert client_address("::ffff:127.0.0.1", ["203.0.113.7"], DEFAULT) == "203.0.113.7"


def test_forwarded_entry_with_port_is_keyed_without_it() -> None:
    assert client_address("127.0.0.1", ["203.0.113.7:5555"], DEFAULT) == "203.0.113.7"


def test_garbage_forwarded_entry_stops_at_the_last_real_hop() -> None:
    assert client_address("127.0.0.1", ["203.0.113.7, not-an-ip"], DEFAULT) == "127.0.0.1"


def test_empty_trusted_proxies_believes_no_one() -> None:
    assert client_address("127.0.0.1", ["203.0.113.7"], TrustedProxies.parse("")) == "127.0.0.1"


def test_bad_trusted_proxies_entry_is_named() -> None:
    with pytest.raises(ValueError, match=r"'proxy\.local'"):
        TrustedProxies.parse("127.0.0.1,proxy.local")
