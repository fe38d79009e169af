"""The outbound-fetch policy on every hop (issue #23, item 1) and FETCH_CONNECT_TO (issue #24).

Real httpx through `outbound_client` against aiohttp servers on 127.0.0.1. A "configured" server
stands for an operator's feed host; an "internal" server on another loopback port stands for what
must never be reached (a Redis, a metadata service): every test that is refused also asserts that
the internal server saw no request. Host names other than the fakes' are answered by an injected
resolver, so no test asks a real DNS server.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.settings import Settings
from digest_core.fetch.outbound import (
    ConnectTo,
    OutboundPolicy,
    OutboundRefused,
    address_refusal,
    parse_connect_to,
)
from digest_core.fetch.outbound_client import Resolver, outbound_client, system_resolver
from digest_core.fetch.polite import HostLimiter, PoliteClient, host_key
from testkit.fakes.outlet_feeds import FakeFeed, FeedItem, OutletFeedsFake
from testkit.fakes.server import ThreadedServer

WHEN = datetime(2026, 2, 25, 1, tzinfo=UTC)
PUBLIC = "93.184.215.14"  # a public address: the tests' network guard refuses to connect to it


@dataclass
class Servers:
    feeds: OutletFeedsFake  # the operator's configured feed host
    internal: OutletFeedsFake  # what a fetch must never reach
    base: str
    internal_port: int


@pytest.fixture
def servers() -> Iterator[Servers]:
    feeds, internal = OutletFeedsFake(), OutletFeedsFake()
    feeds.feeds["ok.xml"] = FakeFeed(items=[FeedItem("Talks", "https://example.org/1", WHEN)])
    internal.feeds["secret"] = FakeFeed(items=[FeedItem("Secret", "https://example.org/s", WHEN)])
    with ThreadedServer(feeds.app()) as a, ThreadedServer(internal.app()) as b:
        yield Servers(feeds, internal, a.base_url, b.port)


def fixed_resolver(answers: dict[str, list[str]]) -> Resolver:
    """Names in `answers` resolve to those addresses; anything else through the system (IP literals)."""

    async def resolve(host: str, port: int) -> list[str]:
        if host in answers:
            return answers[host]
        return await system_resolver(host, port)

    return resolve


def policy_for(s: Servers, *more: str, connect_to: str = "") -> OutboundPolicy:
    """The feed host configured; `more` URLs configured too (a port on another host makes it allowed)."""
    return OutboundPolicy([s.base, *more], parse_connect_to(connect_to))


async def redirected(
    s: Servers, target: str, resolver: Resolver = system_resolver, also: tuple[str, ...] = (), attempts: int = 1
) -> str:
    """Fetch the configured feed that redirects to `target` (URLs `also` configured); the error line."""
    s.feeds.feeds["moved.xml"] = FakeFeed(redirect_to=target)
    async with outbound_client(policy_for(s, *also), 2, "test", resolver) as client:
        http = PoliteClient(client, attempts=3, backoff=0.0)
        fetched = await http.get(f"{s.base}/moved.xml")
    assert fetched.response is None and fetched.error is not None
    assert fetched.attempts == attempts, "a refusal is not retried"
    assert s.internal.hits == {}, "the internal server was reached"
    return fetched.error


async def test_the_configured_host_is_fetched_even_on_loopback(servers: Servers) -> None:
    async with outbound_client(policy_for(servers), 2, "test") as client:
        response = await client.get(f"{servers.base}/ok.xml")
    assert response.status_code == 200 and b"Talks" in response.content


@pytest.mark.parametrize(
    ("target", "refusal"),
    [
        ("http://127.0.0.1:{p}/secret", "refused 127.0.0.1:{p}: loopback address"),
        ("http://[::1]:{p}/secret", "refused [::1]:{p}: loopback address"),
        ("http://0.0.0.0:{p}/secret", "refused 0.0.0.0:{p}: unspecified address"),
        ("http://[::ffff:127.0.0.1]:{p}/secret", "loopback address (IPv4-mapped 127.0.0.1)"),
        ("http://2130706433:{p}/secret", "refused 2130706433:{p} (127.0.0.1): loopback address"),
        ("http://0x7f.1:{p}/secret", "refused 0x7f.1:{p} (127.0.0.1): loopback address"),
        ("http://127.1:{p}/secret", "refused 127.1:{p} (127.0.0.1): loopback address"),
    ],
)
async def test_a_redirect_to_the_hosts_own_addresses_is_refused(servers: Servers, target: str, refusal: str) -> None:
    p = servers.internal_port
    # the internal port is configured for another host, so the port passes: the address is what is refused
    error = await redirected(servers, target.format(p=p), also=(f"http://feeds.example.org:{p}/",))
    assert refusal.format(p=p) in error
    assert error.endswith("(outbound policy)")


async def test_localhost_on_the_configured_port_is_not_the_configured_host(servers: Servers) -> None:
    port = servers.base.rsplit(":", 1)[1]
    error = await redirected(servers, f"http://localhost:{port}/ok.xml")
    assert error.startswith(f"refused localhost:{port} (")
    assert error.endswith("): loopback address (outbound policy)")
    assert servers.feeds.hits["ok.xml"] == 0


async def test_another_loopback_port_is_refused_by_its_port(servers: Servers) -> None:
    p = servers.internal_port
    error = await redirected(servers, f"http://127.0.0.1:{p}/secret")
    allowed = ", ".join(map(str, sorted({80, 443, int(servers.base.rsplit(":", 1)[1])})))
    assert error == f"refused 127.0.0.1:{p}: port {p} is not one of {allowed} (outbound policy)"


@pytest.mark.parametrize(
    ("name", "address", "kind"),
    [
        ("metadata.example", "169.254.169.254", "link-local address"),
        ("intranet.example", "10.0.0.7", "private address"),
        ("router.example", "192.168.1.1", "private address"),
        ("cgnat.example", "100.64.0.1", "shared (carrier-grade NAT) address"),
        ("v6.example", "fd00::1", "private address"),
        ("nat64.example", "64:ff9b::a00:7", "private address (NAT64 10.0.0.7)"),
        ("sixtofour.example", "2002:7f00:1::", "loopback address (6to4 127.0.0.1)"),
        ("multicast.example", "224.0.0.1", "multicast address"),
    ],
)
async def test_a_name_resolving_to_an_internal_address_is_refused(
    servers: Servers, name: str, address: str, kind: str
) -> None:
    error = await redirected(servers, f"http://{name}/latest", fixed_resolver({name: [address]}))
    assert error == f"refused {name}:80 ({address}): {kind} (outbound policy)"


async def test_one_internal_address_among_public_ones_refuses_the_name(servers: Servers) -> None:
    error = await redirected(servers, "http://mixed.example/", fixed_resolver({"mixed.example": [PUBLIC, "127.0.0.1"]}))
    assert error == "refused mixed.example:80 (127.0.0.1): loopback address (outbound policy)"


async def test_dns_rebinding_never_reaches_loopback(servers: Servers) -> None:
    """The name resolves to a public address first, then to 127.0.0.1: the address connected to is
    the one checked, each attempt resolves once, and the loopback answer is refused."""
    port = servers.internal_port
    answers = iter([[PUBLIC], ["127.0.0.1"], ["127.0.0.1"]])
    asked: list[str] = []

    async def rebinding(host: str, p: int) -> list[str]:
        asked.append(host)
        return next(answers)

    policy = OutboundPolicy([f"http://feeds.example.org:{port}/"])  # the port allowed; rebind.example is not configured
    async with outbound_client(policy, 2, "test", resolver=rebinding) as client:
        http = PoliteClient(client, attempts=3, backoff=0.0)
        fetched = await http.get(f"http://rebind.example:{port}/secret")
    assert servers.internal.hits == {}
    assert asked == ["rebind.example", "rebind.example"]  # once per attempt, never a second time to connect
    assert fetched.attempts == 2  # the connection to the public address failed (network guard), then refused
    assert fetched.error == f"refused rebind.example:{port} (127.0.0.1): loopback address (outbound policy)"


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1:70/"])
async def test_other_schemes_are_refused(servers: Servers, target: str) -> None:
    scheme = target.split(":", 1)[0]
    error = await redirected(servers, target)
    assert error == f"refused {scheme}: URL: only http and https are fetched (outbound policy)"


async def test_an_octal_literal_never_connects(servers: Servers) -> None:
    """`0177.0.0.1` (127.0.0.1 to inet_aton) is not a valid URL host for httpx: the hop fails there
    (as an invalid answer, which is retried like any other protocol error, never connecting)."""
    error = await redirected(servers, f"http://0177.0.0.1:{servers.internal_port}/secret", attempts=3)
    assert "Invalid IPv4 address: '0177.0.0.1'" in error


async def test_a_port_other_than_80_443_or_a_configured_one_is_refused(servers: Servers) -> None:
    error = await redirected(servers, "http://cache.example:6379/", fixed_resolver({"cache.example": [PUBLIC]}))
    assert error.startswith("refused cache.example:6379: port 6379 is not one of 80, 443, ")


async def test_a_unix_socket_or_proxy_from_the_environment_is_not_used(
    servers: Servers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP(S)_PROXY is ignored: a proxy would connect to addresses the policy never sees."""
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{servers.internal_port}")
    monkeypatch.setenv("ALL_PROXY", f"http://127.0.0.1:{servers.internal_port}")
    async with outbound_client(policy_for(servers), 2, "test") as client:
        response = await client.get(f"{servers.base}/ok.xml")
    assert response.status_code == 200
    assert servers.internal.hits == {}


# --- FETCH_CONNECT_TO -------------------------------------------------------------------------


def test_connect_to_is_parsed_like_curls() -> None:
    assert parse_connect_to(" news.google.com:80:127.0.0.1:8081 , :443:[::1]:9443,www.Example.org::host2:") == (
        ConnectTo("news.google.com", 80, "127.0.0.1", 8081),
        ConnectTo("", 443, "::1", 9443),
        ConnectTo("www.example.org", None, "host2", None),
    )
    assert parse_connect_to("") == ()
    assert parse_connect_to("[2001:db8::1]:80::8080") == (ConnectTo("2001:db8::1", 80, "", 8080),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("news.google.com:80:127.0.0.1", "is not HOST1:PORT1:HOST2:PORT2 (IPv6 in brackets), e.g. :80:127.0.0.1:8081"),
        ("::1:80:127.0.0.1:81", "is not HOST1:PORT1:HOST2:PORT2"),
        (":80:[::g]:81", "[::g] is not an IPv6 address"),
        (":99999:127.0.0.1:81", "port 99999 is not between 1 and 65535"),
        (":80:127.0.0.1:0", "port 0 is not between 1 and 65535"),
        (":80::", "names no HOST2 or PORT2 to connect to"),
        (":80:bad host:81", "'bad host' is not a host name or IP address"),
    ],
)
def test_a_bad_connect_to_is_one_clear_line(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as raised:
        parse_connect_to(text)
    assert "\n" not in str(raised.value)
    with pytest.raises(ValidationError) as invalid:
        Settings(fetch_connect_to=text)
    assert message in str(invalid.value)


def test_a_bad_connect_to_stops_the_cli_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    monkeypatch.setenv("FETCH_CONNECT_TO", "news.google.com:80")
    result = CliRunner().invoke(app, ["topics"])
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: invalid setting FETCH_CONNECT_TO: Value error, 'news.google.com:80' is not HOST1:PORT1:HOST2:PORT2"
        " (IPv6 in brackets), e.g. :80:127.0.0.1:8081"
    ]


def test_the_first_matching_rule_routes_and_vouches_for_its_target() -> None:
    policy = OutboundPolicy(
        ["http://feeds.example.org/"],
        parse_connect_to("news.google.com:443:127.0.0.1:9443,:80:127.0.0.1:8081,feeds.example.org:80:10.0.0.1:80"),
    )
    route = policy.route("NEWS.google.com", 443)
    assert (route.host, route.port, route.configured) == ("127.0.0.1", 9443, True)
    route = policy.route("feeds.example.org", 80)  # the wildcard rule comes first
    assert (route.host, route.port, route.configured) == ("127.0.0.1", 8081, True)
    route = policy.route("news.google.com", 8443)
    assert (route.host, route.port, route.configured) == ("news.google.com", 8443, False)
    only_port = OutboundPolicy([], parse_connect_to(":80::8081"))
    assert only_port.route("127.0.0.1", 80).configured is False  # the URL's own host: still checked
    assert 9443 not in policy.ports and 443 in policy.ports


async def test_connect_to_reaches_the_fake_under_the_real_host_name(servers: Servers) -> None:
    fake_port = servers.base.rsplit(":", 1)[1]
    policy = OutboundPolicy(["http://www.chinadaily.com.cn/"], parse_connect_to(f":80:127.0.0.1:{fake_port}"))
    async with outbound_client(policy, 2, "test") as client:
        response = await client.get("http://www.chinadaily.com.cn/ok.xml")
    assert response.status_code == 200 and b"Talks" in response.content
    assert str(response.url) == "http://www.chinadaily.com.cn/ok.xml"
    assert servers.feeds.headers_of("ok.xml")[0]["host"] == "www.chinadaily.com.cn"


async def test_connect_to_without_a_host_still_checks_the_address(servers: Servers) -> None:
    policy = OutboundPolicy([], parse_connect_to(f":80::{servers.internal_port}"))
    async with outbound_client(policy, 2, "test") as client:
        with pytest.raises(OutboundRefused, match=r"refused 127\.0\.0\.1:\d+: loopback address"):
            await client.get("http://127.0.0.1/secret")
    assert servers.internal.hits == {}


# --- per-host limits by host and port ---------------------------------------------------------


def test_host_keys_carry_the_port() -> None:
    assert host_key("http://Example.org/feed") == "example.org:80"
    assert host_key("https://example.org/feed") == "example.org:443"
    assert host_key("http://127.0.0.1:8081/") == "127.0.0.1:8081"
    assert host_key("http://[::1]:8081/") == "[::1]:8081"


async def test_two_ports_of_one_host_have_their_own_slots() -> None:
    limiter = HostLimiter(per_host=1, overrides={"http://127.0.0.1:9000/": 2})
    async with limiter.slot("http://127.0.0.1:8081/a"):
        async with asyncio.timeout(1), limiter.slot("http://127.0.0.1:8082/a"):
            pass  # another port: not blocked
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.1), limiter.slot("http://127.0.0.1:8081/b"):
                pass  # the same host and port: blocked
    async with limiter.slot("http://127.0.0.1:9000/a"), asyncio.timeout(1), limiter.slot("http://127.0.0.1:9000/b"):
        pass  # the override counts for its own host and port


# --- addresses ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ip", "kind"),
    [
        ("127.0.0.1", "loopback address"),
        ("127.255.255.254", "loopback address"),
        ("::1", "loopback address"),
        ("0.0.0.0", "unspecified address"),
        ("::", "unspecified address"),
        ("10.1.2.3", "private address"),
        ("172.16.0.1", "private address"),
        ("192.168.0.1", "private address"),
        ("169.254.169.254", "link-local address"),
        ("fe80::1%eth0", "link-local address"),
        ("fec0::1", "site-local address"),
        ("feff:ffff::1", "site-local address"),
        ("fc00::1", "private address"),
        ("224.0.0.251", "multicast address"),
        ("ff02::1", "multicast address"),
        ("240.0.0.1", "reserved address"),
        ("::ffff:10.0.0.1", "private address (IPv4-mapped 10.0.0.1)"),
        ("::ffff:169.254.169.254", "link-local address (IPv4-mapped 169.254.169.254)"),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback address (Teredo 127.0.0.1)"),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("::ffff:8.8.8.8", None),
        ("64:ff9b::808:808", None),
    ],
)
def test_address_refusals(ip: str, kind: str | None) -> None:
    assert address_refusal(ip) == kind


# --- property-based rounds ----------------------------------------------------------------------

ipv4 = st.ip_addresses(v=4)


@given(ipv4)
def test_an_ipv4_address_is_judged_the_same_in_every_ipv6_form(address: ipaddress.IPv4Address) -> None:
    plain = address_refusal(str(address))
    mapped = address_refusal(f"::ffff:{address}")
    nat64 = address_refusal(str(ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | int(address))))
    assert (plain is None) == (mapped is None) == (nat64 is None)
    if plain is None:
        assert address.is_global and not address.is_multicast
    if address.is_loopback or address.is_private or address.is_link_local:
        assert plain is not None


@given(st.ip_addresses())
def test_every_refused_address_is_not_global_and_every_allowed_one_is(address: object) -> None:
    kind = address_refusal(str(address))
    assert isinstance(address, ipaddress.IPv4Address | ipaddress.IPv6Address)
    site_local = isinstance(address, ipaddress.IPv6Address) and address.is_site_local
    if kind is None:
        assert address.is_global and not address.is_multicast and not site_local
    elif address.is_global and not address.is_multicast:  # stricter than Python: embedded IPv4, reserved, site-local
        assert "(" in kind or address.is_reserved or site_local


URL_TEXT = st.one_of(
    st.text(max_size=60),
    st.builds(
        "{}://{}:{}/{}".format,
        st.sampled_from(["http", "https", "HTTP", "ftp", "file", "gopher", "javascript", "data", ""]),
        st.sampled_from(["example.org", "127.0.0.1", "[::1]", "xn--bcher-kva.example", "a" * 70]),
        st.integers(0, 70000),
        st.text(max_size=10),
    ),
)


@given(URL_TEXT)
def test_any_url_is_allowed_only_with_http_and_an_allowed_port(text: str) -> None:
    policy = OutboundPolicy(["http://feeds.example.org:8080/"])
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, TypeError, ValueError):
        return
    refusal = ""
    try:
        policy.check_url(url)
    except OutboundRefused as refused:
        refusal = str(refused)
    if refusal:
        assert "\n" not in refusal and refusal.startswith("refused ") and refusal.endswith("(outbound policy)")
        return
    assert url.scheme in ("http", "https")
    assert (url.port or {"http": 80, "https": 443}[url.scheme]) in {80, 443, 8080}


HOSTS = st.one_of(
    st.just(""),
    st.from_regex(r"[a-z0-9]([a-z0-9.-]{0,20}[a-z0-9])?", fullmatch=True),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda a: f"[{a}]"),
)
PORTS = st.one_of(st.just(""), st.integers(1, 65535).map(str))


@given(st.lists(st.tuples(HOSTS, PORTS, HOSTS, PORTS), max_size=4))
def test_connect_to_rules_round_trip(parts: list[tuple[str, str, str, str]]) -> None:
    text = ",".join(":".join(p) for p in parts)
    useful = [p for p in parts if p[2] or p[3]]
    if len(useful) < len(parts):
        with pytest.raises(ValueError, match="names no HOST2 or PORT2"):
            parse_connect_to(text)
        return
    rules = parse_connect_to(text)
    assert [(r.host, r.port, r.to_host, r.to_port) for r in rules] == [
        (h1.strip("[]").lower(), int(p1) if p1 else None, h2.strip("[]").lower(), int(p2) if p2 else None)
        for h1, p1, h2, p2 in parts
    ]


@given(st.text(max_size=80))
def test_any_connect_to_text_parses_or_fails_in_one_line(text: str) -> None:
    error = ""
    try:
        rules = parse_connect_to(text)
    except ValueError as exc:
        error = str(exc)
    if error:
        assert "\n" not in error and len(error) < 300
    else:
        assert all(rule.to_host or rule.to_port for rule in rules)


REDIRECT_HOSTS = [
    "127.0.0.1",
    "127.1",
    "0x7f000001",
    "2130706433",
    "0",
    "0.0.0.0",
    "localhost",
    "[::1]",
    "[::]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[0:0:0:0:0:ffff:127.0.0.1]",
    "LOCALHOST",
    "localhost.",
    "0177.0.0.1",
]


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    scheme=st.sampled_from(["http", "https", "HTTP"]),
    host=st.sampled_from(REDIRECT_HOSTS),
    path=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="#?%\\"), max_size=12),
    hops=st.integers(1, 3),
)
def test_no_redirect_chain_reaches_the_internal_server(
    servers: Servers, scheme: str, host: str, path: str, hops: int
) -> None:
    """However the loopback target is spelled, and after however many allowed hops, it is never reached."""
    port = servers.internal_port
    target = f"{scheme}://{host}:{port}/{path}"
    for hop in range(hops - 1, 0, -1):
        servers.feeds.feeds[f"hop{hop}"] = FakeFeed(
            redirect_to=f"{servers.base}/hop{hop + 1}" if hop < hops - 1 else target
        )
    first = f"{servers.base}/hop1" if hops > 1 else target
    servers.feeds.feeds["start"] = FakeFeed(redirect_to=first)

    async def fetch() -> None:
        async with outbound_client(policy_for(servers, f"http://feeds.example.org:{port}/"), 2, "test") as client:
            with pytest.raises(httpx.HTTPError):
                await client.get(f"{servers.base}/start")

    asyncio.run(fetch())
    assert servers.internal.hits == {}
