"""Publisher links for Google News items: a batch resolver interface, a database cache, a per-build cap.

Google News item links are opaque. `PublisherLinks.attach` asks a `LinkResolver` (in production
`google_links.GoogleLinkDecoder`, which paces and batches its requests) for the publisher's URL of
each wanted article, within the digest's fetch deadline, and remembers answers for good (and
failures, for `retry_failed_after`) in the database as each batch comes. Whatever fails, or is not
decoded by the deadline, keeps its Google link.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from digest_core.clock import utc_now
from digest_core.fetch.fair import in_turn
from digest_core.fetch.feed_state import url_key
from digest_core.fetch.google_links import Answered, Resolution
from digest_core.fetch.guard import DIGEST_DEADLINE, deadline_in, guarded
from digest_core.models import Article
from digest_core.redaction import stored_text
from digest_core.storage.rows import rows_by_keys
from digest_core.storage.tables import PublisherLinkRow
from digest_core.storage.upsert import put_row

log = logging.getLogger(__name__)

PUBLISHER_LINKS_MAX = 150  # links decoded per build: a whole day's on-topic items (a digest keeps ~60)


class LinkResolver(Protocol):
    """Decodes many links at once: a `Resolution` for each link it asked about or decoded; links it
    did not get to (not its kind, or it stopped) are absent. Paces and bounds its own requests, and
    awaits `each` (when given) with the answers of each batch as they come."""

    async def resolve(self, urls: Sequence[str], each: Answered | None = None) -> Mapping[str, Resolution]: ...


@dataclass(frozen=True)
class CachedLink:
    url: str
    publisher_url: str | None
    resolved_at: datetime
    error: str | None = None


class LinkCache(Protocol):
    async def get_many(self, urls: Sequence[str]) -> dict[str, CachedLink]: ...
    async def put(self, link: CachedLink) -> None: ...


class SqlLinkCache:
    """`LinkCache` in the database, one row per source link."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def get_many(self, urls: Sequence[str]) -> dict[str, CachedLink]:
        async with self._sessions() as session:
            rows = await rows_by_keys(session, PublisherLinkRow, map(url_key, urls))
        return {r.url: CachedLink(r.url, r.publisher_url, r.resolved_at, r.error) for r in rows}

    async def put(self, link: CachedLink) -> None:
        """Store (or replace) a link's answer; a concurrent first insert elsewhere is overwritten."""
        await put_row(
            self._sessions,
            PublisherLinkRow(
                key=url_key(link.url),
                url=link.url,
                publisher_url=link.publisher_url,
                error=stored_text(link.error) if link.error else None,
                resolved_at=link.resolved_at,
            ),
        )


class PublisherLinks:
    """Adds `publisher_url` to articles: cached answers first, then one call to the resolver for at
    most `max_per_build` links, spread over the outlets, cut at `deadline` seconds."""

    def __init__(
        self,
        resolver: LinkResolver,
        cache: LinkCache,
        max_per_build: int = PUBLISHER_LINKS_MAX,
        retry_failed_after: timedelta = timedelta(days=1),
        clock: Callable[[], datetime] = utc_now,
        deadline: float = DIGEST_DEADLINE,
    ) -> None:
        self._resolver = resolver
        self._cache = cache
        self._max = max_per_build
        self._retry_failed_after = retry_failed_after
        self._clock = clock
        self._deadline = deadline
        self.asked = 0  # links handed to the resolver by this instance (for logs and tests)

    async def attach(
        self,
        articles: list[Article],
        wanted: Callable[[Article], bool],
        accept: Callable[[Article, str], bool] = lambda article, url: True,
        first: Callable[[Article], bool] | None = None,
    ) -> list[Article]:
        """The articles, those wanted and without a publisher URL given one where it can be found.

        `accept(article, url)` vets a found URL (e.g. that the article's outlet owns its host); the
        links of the articles `first` picks are asked first under the per-build cap.
        """
        todo = [a for a in articles if a.publisher_url is None and wanted(a)]
        if not todo:
            return articles
        cached = await self._cache.get_many([a.url for a in todo])
        now = self._clock()
        found = {u: c.publisher_url for u, c in cached.items() if c.publisher_url}
        fresh_failures = {
            u for u, c in cached.items() if not c.publisher_url and now - c.resolved_at < self._retry_failed_after
        }
        spread = dict.fromkeys(a.url for a in in_turn(todo, lambda a: a.outlet, first))
        ask = [u for u in spread if u not in found and u not in fresh_failures][: self._max]
        if ask:
            self.asked += len(ask)
            answers: dict[str, Resolution] = {}

            async def keep(batch: Mapping[str, Resolution]) -> None:
                for url, answer in batch.items():
                    answers[url] = answer
                    if answer.publisher_url:
                        found[url] = answer.publisher_url
                    await self._remember(CachedLink(url, answer.publisher_url, self._clock(), answer.error))

            async def ask_all() -> None:
                returned = await self._resolver.resolve(ask, keep)
                await keep({u: r for u, r in returned.items() if u not in answers})  # a resolver that ignores `each`

            # a link costs its publisher URL at most, never the digest: a failure or the deadline keeps
            # what was answered so far, and the rest stay Google links
            await guarded(ask_all(), deadline_in(self._deadline), lambda _: None, "publisher links")
            log.info(
                "publisher links: %d cached, %d asked, %d answered, %d found",
                len(cached),
                len(ask),
                len(answers),
                sum(1 for a in answers.values() if a.publisher_url),
            )
        return [
            a.model_copy(update={"publisher_url": found[a.url]}) if a.url in found and accept(a, found[a.url]) else a
            for a in articles
        ]

    async def _remember(self, link: CachedLink) -> None:
        if link.error:
            log.info("publisher link for %s: %s", link.url, link.error)
        try:
            await self._cache.put(link)
        except Exception:
            log.warning("publisher link for %s: could not cache it", link.url, exc_info=True)
