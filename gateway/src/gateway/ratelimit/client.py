"""Which client a request comes from, for keying rate limits by address."""

import ipaddress
from collections.abc import Iterable, Sequence

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """The peers whose X-Forwarded-For is believed: addresses or networks (`10.0.0.0/8`)."""

    def __init__(self, networks: Iterable[IPNetwork]) -> None:
        self.networks = tuple(networks)

    @classmethod
    def parse(cls, setting: str) -> "TrustedProxies":
        """From TRUSTED_PROXIES (comma-separated); ValueError names the first bad entry."""
        networks: list[IPNetwork] = []
        for entry in (part.strip() for part in setting.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(f"TRUSTED_PROXIES: {entry!r} is not an address or network") from None
        return cls(networks)

    def __contains__(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


def parse_address(text: str) -> IPAddress | None:
    """An address as it appears in a peer or X-Forwarded-For entry (`[v6]:port` and `v4:port` too)."""
    text = text.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else text[1:]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_address(peer: str | None, forwarded_for: Sequence[str], trusted: TrustedProxies) -> str:
    """The right-most address not itself a trusted proxy, walking back from the direct peer.

    X-Forwarded-For is read only while every hop so far is trusted; an entry that is not an
    address stops the walk at the last hop that was one.
    """
    address = parse_address(peer) if peer else None
    if address is None:
        return peer or "unknown"
    hops = [hop for header in forwarded_for for hop in header.split(",") if hop.strip()]
    while address in trusted and hops:
        previous = parse_address(hops.pop())
        if previous is None:
            break
        address = previous
    return address.compressed
