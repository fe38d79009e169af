"""The one HTTP client for every outbound fetch, with the outbound policy on every hop.

`outbound_client` builds it: an `httpx.AsyncClient` whose transport checks each request's scheme
and port, and whose network backend resolves each host name itself, checks every address it gets
(not the name: a name that resolves to a public address once and to 127.0.0.1 the next time is
checked each time) and connects to the checked address. TLS still uses the URL's host name for SNI
and the certificate (httpcore takes `server_hostname` from the request's origin, not from the
address connected to). Verification is always on: `ca_file` (FETCH_CA_FILE) only adds certificate
authorities to the default ones (for a TLS-inspecting proxy, a private feed host, the demo and
tests), it never turns checking off. Redirects are followed by httpx one hop at a time through this transport,
so every hop is checked. `HTTP(S)_PROXY`, `ALL_PROXY`, `NO_PROXY` and `.netrc` are ignored: a proxy
would connect on our behalf to addresses the policy never sees.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

import httpcore
import httpx

from digest_core.fetch.outbound import OutboundPolicy

Resolver = Callable[[str, int], Awaitable[list[str]]]  # (host, port) -> IP addresses, in preference order
MAX_REDIRECTS = 10


async def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses from the operating system's resolver (literal IPs in any form it accepts,
    such as 2130706433 or 0x7f.1, come back as the address they denote)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class PolicyBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the policy: resolve, check every address, connect to a checked one."""

    def __init__(
        self,
        policy: OutboundPolicy,
        resolver: Resolver = system_resolver,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.policy = policy
        self.resolver = resolver
        self.inner = inner or httpcore.AnyIOBackend()

    async def _addresses(self, host: str, port: int, within: float | None) -> list[str]:
        try:
            async with asyncio.timeout(within):
                addresses = await self.resolver(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} took over {within:g} s") from None
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host}: no address")
        return addresses

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        route = self.policy.route(host, port)
        addresses = await self._addresses(route.host, route.port, timeout)
        if not route.configured:
            for ip in addresses:  # every one: a name answering one public and one private address is refused
                self.policy.check_address(host, port, ip)
        error: Exception | None = None
        for ip in addresses:
            try:
                return await self.inner.connect_tcp(
                    ip, route.port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched (outbound policy)")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def tls_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """httpx's default verifying context (certificates checked against the URL's host name), trusting
    the authorities in the PEM file `ca_file` as well; `ssl.SSLError` or `OSError` for an unusable file."""
    context = httpx.create_ssl_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=ca_file)
    return context


class PolicyTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a connection pool on `PolicyBackend`, checking scheme and port first."""

    def __init__(
        self, policy: OutboundPolicy, resolver: Resolver = system_resolver, ca_file: Path | None = None
    ) -> None:
        # Not httpx's __init__: it builds a pool with no way to pass a network backend. The rest of
        # httpx's transport (requests, error mapping, closing) only uses `_pool`, set here with ours.
        self.policy = policy
        limits = httpx.Limits()
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=tls_context(ca_file),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PolicyBackend(policy, resolver),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.policy.check_url(request.url)
        return await super().handle_async_request(request)


def outbound_client(
    policy: OutboundPolicy,
    timeout: float,
    user_agent: str,
    resolver: Resolver = system_resolver,
    ca_file: Path | None = None,
) -> httpx.AsyncClient:
    """The `httpx.AsyncClient` for every outbound fetch (feeds, Google News, publisher pages, robots.txt):
    the policy on every hop, redirects followed (at most 10), `timeout` per connect/read/write, no proxy,
    TLS verified against the default authorities plus those of `ca_file`."""
    return httpx.AsyncClient(
        transport=PolicyTransport(policy, resolver, ca_file),
        timeout=timeout,
        headers={"User-Agent": user_agent},
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        trust_env=False,
    )
