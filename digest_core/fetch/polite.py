"""Polite HTTP: a User-Agent with a contact URL, per-host concurrency, pacing, and `Retry-After`."""

from __future__ import annotations

import asyncio
import copy
import logging
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from digest_core.backoff import BackoffPolicy
from digest_core.errors import BodyTooLarge, UnsupportedEncoding
from digest_core.fetch.failure_cause import cause_of
from digest_core.fetch.outbound import OutboundRefused, origin
from digest_core.pacing import Sleep
from digest_core.plural import plural

log = logging.getLogger(__name__)

PROJECT = "Digestbot/0.1"
PER_HOST = 2


def user_agent(contact_url: str) -> str:
    """`Digestbot/0.1 (+CONTACT)`: names the project and where its operator can be reached."""
    return f"{PROJECT} (+{contact_url})"


def host_of(url: str) -> str:
    """The lowercase host name of a URL ('' if it has none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def host_key(url: str) -> str:
    """`host:port` of an http(s) URL (the scheme's port if none is given; IPv6 in brackets), else its
    host name: what per-host limits count, so that two servers on one host are two hosts."""
    found = origin(url)
    if found is None:
        return host_of(url)
    host, port = found
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class HostLimiter:
    """At most `per_host` requests in flight to any one host and port, shared by every source;
    `overrides` sets another cap for named ones (URLs or `host:port`: Google News answers one
    query per outlet at once)."""

    def __init__(self, per_host: int = PER_HOST, overrides: dict[str, int] | None = None) -> None:
        self.per_host = max(1, per_host)
        self.overrides = {_override_key(key): max(1, n) for key, n in (overrides or {}).items()}
        self._semaphores: dict[str, asyncio.Semaphore] = {}

    @asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        """Hold one of the slots of the URL's host and port for the duration of the block."""
        key = host_key(url)
        semaphore = self._semaphores.setdefault(key, asyncio.Semaphore(self.overrides.get(key, self.per_host)))
        async with semaphore:
            yield


def _override_key(key: str) -> str:
    return host_key(key) if "://" in key else key.lower()


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a `Retry-After` header asks to wait (delta-seconds or an HTTP date), None if absent or invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


MAX_BODY = 8 * 1024 * 1024  # decoded bytes one answer may hold (Google News sends ~100 kB)
FETCH_TIMEOUT = 15.0  # seconds to connect, and between two reads or writes
DEADLINE_TIMEOUTS = 2  # one request, body included, gets this many FETCH_TIMEOUTs in all
PAGE_MAX_BODY = 2 * 1024 * 1024  # decoded bytes of one article page (news pages weigh 100-800 kB)


def request_deadline(timeout: float) -> float:
    """Seconds one request may take in all, body included, however slowly it trickles in:
    `DEADLINE_TIMEOUTS` times the per-read `timeout`. A request cut there is not retried."""
    return DEADLINE_TIMEOUTS * timeout


def read_timeout(deadline: float) -> float:
    """The per-read timeout that leaves room for a retry within a request `deadline`: a stalled
    connection then times out (and is retried) before the deadline cuts the request for good."""
    return deadline / DEADLINE_TIMEOUTS


REQUEST_DEADLINE = request_deadline(FETCH_TIMEOUT)


@dataclass(frozen=True)
class Fetched:
    """The final answer to a polite GET (any status but 429/5xx, or those after the last attempt), or why none came.

    `response` is closed; its decoded body, read within the size cap, is `body`.
    """

    response: httpx.Response | None
    error: str | None
    latency: float | None = None
    attempts: int = 1
    status: int | None = None  # the last HTTP status seen, also when it failed
    body: bytes = b""


ACCEPT_ENCODING = "gzip, deflate"  # what `read_capped` can inflate in bounded steps


def _inflater(encoding: str) -> zlib._Decompress | None:
    coding = encoding.strip().lower()
    if coding in ("", "identity"):
        return None
    if coding in ("gzip", "x-gzip", "deflate"):
        return zlib.decompressobj(32 + zlib.MAX_WBITS)  # gzip or zlib header, detected
    raise UnsupportedEncoding(f"Content-Encoding {coding[:40]!r} not supported")


async def read_capped(response: httpx.Response, limit: int) -> bytes:
    """The decoded body, streamed and inflated in bounded steps: `BodyTooLarge` as soon as it grows
    past `limit` bytes (a 1000:1 gzip chunk is never inflated whole)."""
    inflater = _inflater(response.headers.get("content-encoding", ""))
    declared = response.headers.get("content-length", "")
    if inflater is None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    body = bytearray()
    async for raw in response.aiter_raw():
        if inflater is None:
            body += raw
        else:
            data = raw
            while data and len(body) <= limit:
                body += inflater.decompress(data, limit + 1 - len(body))
                data = inflater.unconsumed_tail
        if len(body) > limit:
            raise BodyTooLarge(limit)
    if inflater is not None:
        body += inflater.flush()
    if len(body) > limit:
        raise BodyTooLarge(limit)
    return bytes(body)


def describe_error(exc: BaseException) -> str:
    """One line naming an exception: its type and (shortened) message."""
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


Pacer = Callable[[str], Awaitable[None]]  # (url) -> returns when that URL's host may be asked


class PoliteClient:
    """GET with a per-host slot, retries on timeouts, transport errors, 429 and 5xx, and `Retry-After` honoured.

    A `Retry-After` longer than `max_retry_after` ends the attempts at once: the source fails for
    this digest rather than hold the build (or hammer the server). A request has `deadline` seconds
    in all, body included; one cut there is not retried (a server trickling one byte a second costs
    one deadline, once). A request the outbound policy refuses is not retried either. The decoded
    body is streamed and abandoned past `max_body` bytes. Any error, even an unexpected one, becomes
    `Fetched.error`: this never raises (but for cancellation). `timeout` (seconds to connect and
    between two reads) replaces the httpx client's for these requests. `paced` gives a copy for a
    caller that paces each host itself.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        limiter: HostLimiter | None = None,
        attempts: int = 3,
        backoff: float = 0.5,
        max_retry_after: float = 120.0,
        sleep: Sleep = asyncio.sleep,
        deadline: float = REQUEST_DEADLINE,
        max_body: int = MAX_BODY,
        timeout: float | None = None,
    ) -> None:
        self.client = client
        self.limiter = limiter or HostLimiter()
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.deadline = deadline
        self.max_body = max_body
        self.timeout = client.timeout if timeout is None else httpx.Timeout(timeout)
        self.pacer: Pacer | None = None
        self.follow_redirects = client.follow_redirects
        self.retry_429 = True
        self._sleep = sleep

    def paced(self, pacer: Pacer) -> PoliteClient:
        """This client for a caller that paces hosts itself: `pacer(url)` is awaited before every
        attempt (retries included, inside the host's slot, before the deadline starts), a redirect is
        answered as it is (the caller follows it, pacing each hop), and a 429 is not retried (the
        caller stops asking that host instead)."""
        client = copy.copy(self)
        client.pacer = pacer
        client.follow_redirects = False
        client.retry_429 = False
        return client

    async def _once(self, url: str, headers: dict[str, str] | None) -> tuple[httpx.Response, bytes]:
        headers = {"Accept-Encoding": ACCEPT_ENCODING, **(headers or {})}
        async with self.limiter.slot(url):
            if self.pacer is not None:
                await self.pacer(url)
            async with (
                asyncio.timeout(self.deadline),
                self.client.stream(
                    "GET", url, headers=headers, timeout=self.timeout, follow_redirects=self.follow_redirects
                ) as response,
            ):
                if response.status_code == 429 or response.status_code >= 500:
                    return response, b""
                return response, await read_capped(response, self.max_body)

    def _seconds(self, exc: httpx.TimeoutException) -> float | None:
        """The timeout a request ran out of: to connect, or between two reads or writes."""
        if isinstance(exc, httpx.ConnectTimeout):
            return self.timeout.connect
        return self.timeout.write if isinstance(exc, httpx.WriteTimeout) else self.timeout.read

    async def get(self, url: str, headers: dict[str, str] | None = None, label: str = "") -> Fetched:
        # Hand-written retry loop, not tenacity: each wait must follow the server's Retry-After (capped)
        # and the last status must be kept for the source's stats, which tenacity's strategies cannot read.
        loop = asyncio.get_running_loop()
        label = label or url
        error = "no attempt made"
        status: int | None = None
        attempt = 0
        for attempt in range(1, self.attempts + 1):
            wait: float | None = None
            status = None
            try:
                started = loop.time()
                response, body = await self._once(url, headers)
                latency = loop.time() - started
                status = response.status_code
                if status != 429 and status < 500:
                    return Fetched(response, None, latency, attempt, status, body)
                error = f"HTTP {status}"
                if status == 429 and not self.retry_429:
                    log.debug("%s: HTTP 429; not retrying", label)
                    return Fetched(None, error, None, attempt, status)
                wait = retry_after(response.headers.get("retry-after"))
            except TimeoutError:  # the whole-request deadline: a trickle would only trickle again
                error = f"no complete answer within {self.deadline:g} s"
                log.debug("%s: %s; not retrying", label, error)
                return Fetched(None, error, None, attempt, status)
            except OutboundRefused as exc:
                log.warning("%s: %s", label, exc)
                return Fetched(None, str(exc), None, attempt, status)
            except httpx.TimeoutException as exc:
                error = cause_of(exc, self._seconds(exc))
            except (httpx.TransportError, httpx.StreamError) as exc:
                error = cause_of(exc)
            except Exception as exc:  # a bad redirect scheme, a size cap, a broken encoding: not worth retrying
                log.warning("%s: %s", label, describe_error(exc))
                return Fetched(None, describe_error(exc), None, attempt, status)
            if wait is not None and wait > self.max_retry_after:
                log.warning("%s: %s with Retry-After %.0f s; not retrying", label, error, wait)
                reason = f"{error}, Retry-After {wait:.0f} s (over the {self.max_retry_after:.0f} s allowed)"
                return Fetched(None, reason, None, attempt, status)
            if attempt < self.attempts:
                delay = max(BackoffPolicy(self.backoff, jitter=0.25).wait(attempt), wait or 0.0)
                log.debug("%s: %s, retrying in %.1fs (attempt %d/%d)", label, error, delay, attempt, self.attempts)
                await self._sleep(delay)
        log.debug("%s: giving up after %s: %s", label, plural(attempt, "attempt"), error)  # the digest names it
        return Fetched(None, f"{error} after {plural(attempt, 'attempt')}", None, attempt, status)
