"""Polite HTTP: a User-Agent with a contact URL, per-host concurrency, pacing, and `Retry-After`."""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

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


class HostLimiter:
    """At most `per_host` requests in flight to any one host name, shared by every source;
    `overrides` sets another cap for named hosts (Google News answers one query per outlet at once)."""

    def __init__(self, per_host: int = PER_HOST, overrides: dict[str, int] | None = None) -> None:
        self.per_host = max(1, per_host)
        self.overrides = {host: max(1, n) for host, n in (overrides or {}).items()}
        self._semaphores: dict[str, asyncio.Semaphore] = {}

    @asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        """Hold one of the URL host's slots for the duration of the block."""
        host = host_of(url)
        semaphore = self._semaphores.setdefault(host, asyncio.Semaphore(self.overrides.get(host, self.per_host)))
        async with semaphore:
            yield


Sleep = Callable[[float], Awaitable[None]]


class RateLimiter:
    """At most one call per `interval` seconds, across every task that shares it.

    `clock` (monotonic seconds; default the event loop's) and `sleep` can be replaced in tests.
    """

    def __init__(self, interval: float, clock: Callable[[], float] | None = None, sleep: Sleep = asyncio.sleep) -> None:
        self.interval = max(0.0, interval)
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._next = -math.inf

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    async def wait(self) -> None:
        """Return when the next call is allowed, and reserve it."""
        async with self._lock:
            delay = self._next - self._now()
            if delay > 0:
                await self._sleep(delay)
            self._next = self._now() + self.interval


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


@dataclass(frozen=True)
class Fetched:
    """The final answer to a polite GET (any status but 429/5xx, or those after the last attempt), or why none came."""

    response: httpx.Response | None
    error: str | None
    latency: float | None = None
    attempts: int = 1
    status: int | None = None  # the last HTTP status seen, also when it failed


class PoliteClient:
    """GET with a per-host slot, retries on timeouts, transport errors, 429 and 5xx, and `Retry-After` honoured.

    A `Retry-After` longer than `max_retry_after` ends the attempts at once: the source fails for
    this digest rather than hold the build (or hammer the server).
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        limiter: HostLimiter | None = None,
        attempts: int = 3,
        backoff: float = 0.5,
        max_retry_after: float = 120.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.client = client
        self.limiter = limiter or HostLimiter()
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self._sleep = sleep

    async def get(self, url: str, headers: dict[str, str] | None = None, label: str = "") -> Fetched:
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
                async with self.limiter.slot(url):
                    response = await self.client.get(url, headers=headers)
                latency = loop.time() - started
                status = response.status_code
                if status != 429 and status < 500:
                    return Fetched(response, None, latency, attempt, status)
                error = f"HTTP {status}"
                wait = retry_after(response.headers.get("retry-after"))
            except httpx.TimeoutException:
                error = "timed out"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            if wait is not None and wait > self.max_retry_after:
                log.warning("%s: %s with Retry-After %.0f s; not retrying", label, error, wait)
                reason = f"{error}, Retry-After {wait:.0f} s (over the {self.max_retry_after:.0f} s allowed)"
                return Fetched(None, reason, None, attempt, status)
            if attempt < self.attempts:
                delay = max(self.backoff * 2 ** (attempt - 1) * (1 + random.random() / 4), wait or 0.0)  # noqa: S311
                log.info("%s: %s, retrying in %.1fs (attempt %d/%d)", label, error, delay, attempt, self.attempts)
                await self._sleep(delay)
        log.warning("%s: giving up after %s: %s", label, plural(attempt, "attempt"), error)
        return Fetched(None, f"{error} after {plural(attempt, 'attempt')}", None, attempt, status)
