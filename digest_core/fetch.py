"""Fetching raw feeds: one Google News search RSS query per outlet, concurrently, with retries.

A source never raises for one outlet's failure: it returns a `FeedResult` with the error, so
the digest can be built from the outlets that answered and record the ones that did not.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol
from urllib.parse import quote

import httpx

from digest_core.dates import Window
from digest_core.topics import Outlet, Perspective, Topic

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "Digestbot/0.1 (+https://github.com/digestbot/digestbot)"


@dataclass(frozen=True)
class FeedResult:
    """The raw bytes one outlet's query returned, or why it failed."""

    perspective: Perspective
    outlet: Outlet
    url: str
    body: bytes | None = None
    error: str | None = None
    content_type: str | None = None


class FeedSource(Protocol):
    """Anything that returns each of a topic's outlets' raw feeds for a window."""

    async def fetch(self, topic: Topic, window: Window) -> list[FeedResult]: ...


def google_news_query(outlet: Outlet, window: Window) -> str:
    """The search terms for one outlet and window: `site:` terms joined with OR, plus date bounds.

    Google's `after:`/`before:` take whole dates, so the query asks for the day before the window
    starts up to the day after it ends; the pipeline keeps only what falls inside the window.
    """
    sites = " OR ".join(f"site:{d}" for d in outlet.domains)
    if len(outlet.domains) > 1:
        sites = f"({sites})"
    after = (window.start - timedelta(days=1)).date().isoformat()
    before = (window.end + timedelta(days=1)).date().isoformat()
    return f"{sites} after:{after} before:{before}"


def google_news_url(base_url: str, topic: Topic, outlet: Outlet, window: Window) -> str:
    q = quote(google_news_query(outlet, window), safe="")
    return f"{base_url.rstrip('/')}/rss/search?q={q}&{topic.locale}"


class RetryableHTTPError(Exception):
    """A response worth asking again for (5xx, 429)."""


class GoogleNewsSource:
    """Google News search RSS, one concurrent query per outlet."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str = "https://news.google.com",
        attempts: int = 3,
        backoff: float = 0.5,
    ) -> None:
        self._client = client
        self._base_url = base_url
        self._attempts = max(1, attempts)
        self._backoff = backoff

    async def fetch(self, topic: Topic, window: Window) -> list[FeedResult]:
        return list(await asyncio.gather(*(self._fetch_outlet(topic, p, o, window) for p, o in topic.all_outlets)))

    async def _fetch_outlet(self, topic: Topic, perspective: Perspective, outlet: Outlet, window: Window) -> FeedResult:
        url = google_news_url(self._base_url, topic, outlet, window)
        error = "no attempt made"
        for attempt in range(1, self._attempts + 1):
            try:
                response = await self._client.get(url)
                if response.status_code == 429 or response.status_code >= 500:
                    raise RetryableHTTPError(f"HTTP {response.status_code}")
                if response.status_code != 200:
                    return FeedResult(perspective, outlet, url, error=f"HTTP {response.status_code}")
                return FeedResult(
                    perspective,
                    outlet,
                    url,
                    body=response.content,
                    content_type=response.headers.get("content-type"),
                )
            except httpx.TimeoutException:
                error = "timed out"
            except RetryableHTTPError as exc:
                error = str(exc)
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            if attempt < self._attempts:
                delay = self._backoff * 2 ** (attempt - 1) * (1 + random.random() / 4)  # noqa: S311
                log.info(
                    "%s: %s, retrying in %.1fs (attempt %d/%d)", outlet.name, error, delay, attempt, self._attempts
                )
                await asyncio.sleep(delay)
        log.warning("%s: giving up after %d attempts: %s", outlet.name, self._attempts, error)
        return FeedResult(perspective, outlet, url, error=f"{error} after {self._attempts} attempts")
