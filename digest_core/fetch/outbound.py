"""The outbound-fetch policy: which URLs and addresses any request of the product may reach.

Only http and https; only ports 80 and 443 and those of operator-configured URLs; and no address
on the host's own networks (loopback, private, link-local, IPv6 site-local, multicast, unspecified,
reserved, and the IPv4-mapped, NAT64, 6to4 and Teredo forms that embed one), unless the operator
configured that host and port. The address check applies to each hop's resolved addresses, not to its name
(`digest_core.fetch.outbound_client` resolves, checks and connects to the checked address).

`FETCH_CONNECT_TO` rules (`HOST1:PORT1:HOST2:PORT2`, as curl's `--connect-to`) send the connection
for a URL's host and port elsewhere while the URL, the Host header, robots, pacing and this
policy still see the original host.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

DEFAULT_PORTS = {"http": 80, "https": 443}
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
SHARED = ipaddress.IPv4Network("100.64.0.0/10")  # carrier-grade NAT


class OutboundRefused(httpx.RequestError):
    """A request the outbound policy does not allow; one line naming why. Never worth retrying."""

    def __init__(self, message: str) -> None:
        super().__init__(f"{message} (outbound policy)")


Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    """The IPv4 address an IPv6 address stands for, with the form's name: mapped, NAT64, 6to4, Teredo."""
    if address.ipv4_mapped is not None:
        return "IPv4-mapped", address.ipv4_mapped
    if address in NAT64 or address in NAT64_LOCAL:
        return "NAT64", ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return "6to4", address.sixtofour
    if address.teredo is not None:
        return "Teredo", address.teredo[1]
    return None


def _kind(address: Address) -> str | None:
    if address.is_unspecified:
        return "unspecified address"
    if address.is_loopback:
        return "loopback address"
    if address.is_link_local:
        return "link-local address"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "site-local address"  # fec0::/10: deprecated, still routed inside some networks
    if address.is_multicast:
        return "multicast address"
    if isinstance(address, ipaddress.IPv4Address) and address in SHARED:
        return "shared (carrier-grade NAT) address"
    if address.is_reserved:
        return "reserved address"
    if address.is_private:
        return "private address"
    if not address.is_global:
        return "address not globally routable"
    return None


def address_refusal(ip: str) -> str | None:
    """Why a fetch may not connect to this IP address (a literal as the resolver gave it); None if it may."""
    try:
        address = ipaddress.ip_address(ip.split("%", 1)[0])  # an IPv6 scope (%eth0) changes nothing
    except ValueError:
        return "not an IP address"
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            form, inner = embedded
            kind = _kind(inner)
            return f"{kind} ({form} {inner})" if kind else None
    return _kind(address)


@dataclass(frozen=True)
class ConnectTo:
    """One `FETCH_CONNECT_TO` rule: connections for host:port (empty: any) go to to_host:to_port
    (empty to_host: the URL's own host; no to_port: the URL's own port)."""

    host: str
    port: int | None
    to_host: str
    to_port: int | None

    def matches(self, host: str, port: int) -> bool:
        return (not self.host or self.host == host.lower()) and (self.port is None or self.port == port)


_PART = r"(\[[^\]]*\]|[^:\[\]]*)"
_RULE = re.compile(rf"{_PART}:(\d*):{_PART}:(\d*)")
_HOST_NAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_.])?")
EXAMPLE = "e.g. :80:127.0.0.1:8081"


def _host(text: str, entry: str) -> str:
    if text.startswith("["):
        try:
            return str(ipaddress.IPv6Address(text[1:-1]))
        except ValueError:
            raise ValueError(f"{entry!r}: {text} is not an IPv6 address") from None
    if text and not _HOST_NAME.fullmatch(text):
        raise ValueError(f"{entry!r}: {text!r} is not a host name or IP address (IPv6 goes in brackets)")
    return text.lower()


def _port(text: str, entry: str) -> int | None:
    if not text:
        return None
    port = int(text)
    if not 1 <= port <= 65535:
        raise ValueError(f"{entry!r}: port {port} is not between 1 and 65535")
    return port


def parse_connect_to(text: str) -> tuple[ConnectTo, ...]:
    """`HOST1:PORT1:HOST2:PORT2[,...]` as rules, in order (the first match wins); ValueError in one line."""
    rules = []
    for raw in text.split(","):
        entry = raw.strip()
        if not entry:
            continue
        found = _RULE.fullmatch(entry)
        if found is None:
            raise ValueError(f"{entry!r} is not HOST1:PORT1:HOST2:PORT2 (IPv6 in brackets), {EXAMPLE}")
        host, port, to_host, to_port = found.groups()
        rule = ConnectTo(_host(host, entry), _port(port, entry), _host(to_host, entry), _port(to_port, entry))
        if not rule.to_host and rule.to_port is None:
            raise ValueError(f"{entry!r} names no HOST2 or PORT2 to connect to, {EXAMPLE}")
        rules.append(rule)
    return tuple(rules)


def origin(url: str) -> tuple[str, int] | None:
    """(lowercase host, port, the scheme's default if none) of an http(s) URL; None for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


@dataclass(frozen=True)
class Route:
    """Where a connection for a URL's host and port goes, and whether the operator vouched for it
    (then its addresses are not checked)."""

    host: str
    port: int
    configured: bool


class OutboundPolicy:
    """The rules every outbound request follows (see the module's docstring)."""

    def __init__(self, configured_urls: Iterable[str] = (), connect_to: Iterable[ConnectTo] = ()) -> None:
        self.configured = {o for o in map(origin, configured_urls) if o is not None}
        self.connect_to = tuple(connect_to)
        self.ports = (
            set(DEFAULT_PORTS.values())
            | {port for _, port in self.configured}
            | {r.port for r in self.connect_to if r.port is not None}
        )

    def check_url(self, url: httpx.URL) -> None:
        """`OutboundRefused` unless the URL's scheme and port are allowed."""
        if url.scheme not in DEFAULT_PORTS:
            raise OutboundRefused(f"refused {url.scheme or '(no scheme)'}: URL: only http and https are fetched")
        port = url.port or DEFAULT_PORTS[url.scheme]
        if port not in self.ports:
            allowed = ", ".join(map(str, sorted(self.ports)))
            raise OutboundRefused(f"refused {_hostport(url.host, port)}: port {port} is not one of {allowed}")

    def route(self, host: str, port: int) -> Route:
        """Where to connect for host:port: a `FETCH_CONNECT_TO` target (configured, unless it keeps the
        URL's own host), else the host itself (configured when the operator named this host and port)."""
        host = host.lower()
        for rule in self.connect_to:
            if rule.matches(host, port):
                to_port = rule.to_port or port
                if rule.to_host:
                    return Route(rule.to_host, to_port, True)
                return Route(host, to_port, (host, to_port) in self.configured)
        return Route(host, port, (host, port) in self.configured)

    def check_address(self, host: str, port: int, ip: str) -> None:
        """`OutboundRefused` if a URL's host and port (unconfigured) led to an address on the host's own networks."""
        reason = address_refusal(ip)
        if reason is not None:
            shown = _hostport(host, port) if host == ip else f"{_hostport(host, port)} ({ip})"
            raise OutboundRefused(f"refused {shown}: {reason}")


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
