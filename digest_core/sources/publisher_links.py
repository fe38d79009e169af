"""Publisher links for Google News items: a small resolver interface, a database cache, pacing, a timeout.

Google News item links are opaque redirects. `PublisherLinks.attach` asks a `LinkResolver` for
the publisher's URL of each wanted article, at most one request per `interval` seconds, each
within `timeout` seconds, and remembers answers (and failures, for `retry_failed_after`) in the
database. Whatever fails keeps its Google link.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import httpx
from sqlalchemy import DateTime, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from digest_core.clock import utc_now
from digest_core.models import Article
from digest_core.redaction import stored_text
from digest_core.sources.feed_state import url_key
from digest_core.sources.polite import HostLimiter, RateLimiter, host_of
from digest_core.storage.db import Base

log = logging.getLogger(__name__)


class LinkResolver(Protocol):
    """Finds the publisher's URL behind a link; None when there is none to find. May raise."""

    async def resolve(self, url: str) -> str | None: ...


class RedirectLinkResolver:
    """Follows a link's HTTP redirects until one leaves the link's host, and returns that URL.

    The publisher's page itself is never requested. This works for plain redirectors. Google
    News article links currently answer with a page that decodes the target in JavaScript;
    those need a resolver that speaks to Google's decoding endpoint (see docs/sources.md).
    """

    def __init__(self, client: httpx.AsyncClient, limiter: HostLimiter | None = None, max_redirects: int = 10) -> None:
        self._client = client
        self._limiter = limiter or HostLimiter()
        self._max_redirects = max_redirects

    async def resolve(self, url: str) -> str | None:
        host = host_of(url)
        target = url
        for _ in range(self._max_redirects):
            async with (
                self._limiter.slot(target),
                self._client.stream("GET", target, follow_redirects=False) as response,
            ):  # headers only: the body (of any size) is never read
                location = response.headers.get("location")
            if not response.is_redirect or not location:
                response.raise_for_status()
                return None  # an answer without a redirect: nothing to find here
            target = str(response.url.join(location))
            if not target.startswith(("http://", "https://")):
                return None
            if host_of(target) != host:
                return target
        raise ValueError(f"more than {self._max_redirects} redirects")


@dataclass(frozen=True)
class CachedLink:
    url: str
    publisher_url: str | None
    resolved_at: datetime
    error: str | None = None


class PublisherLinkRow(Base):
    __tablename__ = "publisher_links"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    publisher_url: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LinkCache(Protocol):
    async def get_many(self, urls: Sequence[str]) -> dict[str, CachedLink]: ...
    async def put(self, link: CachedLink) -> None: ...


class SqlLinkCache:
    """`LinkCache` in the database, one row per source link."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def get_many(self, urls: Sequence[str]) -> dict[str, CachedLink]:
        keys = [url_key(u) for u in dict.fromkeys(urls)]
        found: dict[str, CachedLink] = {}
        async with self._sessions() as session:
            for start in range(0, len(keys), 500):
                rows = await session.scalars(
                    select(PublisherLinkRow).where(PublisherLinkRow.key.in_(keys[start : start + 500]))
                )
                for r in rows:
                    at = r.resolved_at if r.resolved_at.tzinfo else r.resolved_at.replace(tzinfo=UTC)
                    found[r.url] = CachedLink(r.url, r.publisher_url, at, r.error)
        return found

    async def put(self, link: CachedLink) -> None:
        for _ in range(2):
            try:
                async with self._sessions.begin() as session:
                    row = await session.get(PublisherLinkRow, url_key(link.url))
                    if row is None:
                        row = PublisherLinkRow(key=url_key(link.url), url=link.url)
                        session.add(row)
                    row.publisher_url = link.publisher_url
                    row.error = stored_text(link.error) if link.error else None
                    row.resolved_at = link.resolved_at
                return
            except IntegrityError:
                continue


class PublisherLinks:
    """Adds `publisher_url` to articles: cached answers first, then a paced, bounded resolver."""

    def __init__(
        self,
        resolver: LinkResolver,
        cache: LinkCache,
        interval: float = 1.0,
        timeout: float = 10.0,
        max_per_build: int = 50,
        retry_failed_after: timedelta = timedelta(days=1),
        clock: Callable[[], datetime] = utc_now,
        pace: RateLimiter | None = None,
    ) -> None:
        self._resolver = resolver
        self._cache = cache
        self._pace = pace or RateLimiter(interval)
        self._timeout = timeout
        self._max = max_per_build
        self._retry_failed_after = retry_failed_after
        self._clock = clock
        self.resolved = 0  # network resolutions made by this instance (for logs and tests)

    async def attach(
        self,
        articles: list[Article],
        wanted: Callable[[Article], bool],
        accept: Callable[[Article, str], bool] = lambda article, url: True,
    ) -> list[Article]:
        """The articles, those wanted and without a publisher URL given one where it can be found.

        `accept(article, url)` vets a found URL (e.g. that the article's outlet owns its host).
        """
        todo = [a.url for a in articles if a.publisher_url is None and wanted(a)]
        if not todo:
            return articles
        cached = await self._cache.get_many(todo)
        now = self._clock()
        found = {u: c.publisher_url for u, c in cached.items() if c.publisher_url}
        fresh_failures = {
            u for u, c in cached.items() if not c.publisher_url and now - c.resolved_at < self._retry_failed_after
        }
        ask = [u for u in dict.fromkeys(todo) if u not in found and u not in fresh_failures][: self._max]
        for url, publisher_url in zip(ask, await asyncio.gather(*(self._resolve(u) for u in ask)), strict=True):
            if publisher_url:
                found[url] = publisher_url
        if ask:
            log.info("publisher links: %d cached, %d asked, %d found", len(cached), len(ask), len(found))
        return [
            a.model_copy(update={"publisher_url": found[a.url]}) if a.url in found and accept(a, found[a.url]) else a
            for a in articles
        ]

    async def _resolve(self, url: str) -> str | None:
        await self._pace.wait()
        error: str | None = None
        publisher_url: str | None = None
        try:
            async with asyncio.timeout(self._timeout):
                publisher_url = await self._resolver.resolve(url)
            self.resolved += 1
            if publisher_url is None:
                error = "no publisher link"
        except TimeoutError:
            error = f"timed out after {self._timeout:g} s"
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        if error:
            log.info("publisher link for %s: %s", url, error)
        try:
            await self._cache.put(CachedLink(url, publisher_url, self._clock(), error))
        except Exception:
            log.warning("publisher link for %s: could not cache it", url, exc_info=True)
        return publisher_url
