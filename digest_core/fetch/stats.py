"""How each source answered when a digest was built: one row per fetch, the latest shown per source.

A source is an outlet's Google News query (`source = "google-news"`) or one of its feed URLs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from digest_core.fetch.ports import GOOGLE_NEWS
from digest_core.redaction import display_url, stored_text
from digest_core.storage.tables import SourceFetchRow
from digest_core.topics import Topic

KEEP = timedelta(days=90)


@dataclass(frozen=True)
class SourceStat:
    """One fetch of one source for one topic. `status` is "ok", "not modified" or the error;
    `source` is "google-news" or the feed's URL without credentials (`display_url`)."""

    topic: str
    outlet: str
    source: str
    fetched_at: datetime
    status: str
    http_status: int | None = None
    items: int = 0
    on_topic: int = 0
    latency_ms: int | None = None

    @property
    def ok(self) -> bool:
        return self.status in {"ok", "not modified"}


class SourceStatsStore(Protocol):
    async def record(self, stats: list[SourceStat]) -> None: ...
    async def latest(self, topic: str) -> dict[tuple[str, str], SourceStat]: ...


class SqlSourceStats:
    """`SourceStatsStore` in the database; rows older than `keep` are pruned as new ones arrive."""

    def __init__(self, engine: AsyncEngine, keep: timedelta = KEEP) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._keep = keep

    async def record(self, stats: list[SourceStat]) -> None:
        if not stats:
            return
        async with self._sessions.begin() as session:
            session.add_all(
                SourceFetchRow(
                    topic=s.topic,
                    outlet=s.outlet,
                    source=display_url(s.source),
                    fetched_at=s.fetched_at,
                    status=stored_text(s.status),
                    http_status=s.http_status,
                    items=s.items,
                    on_topic=s.on_topic,
                    latency_ms=s.latency_ms,
                )
                for s in stats
            )
            oldest = min(s.fetched_at for s in stats) - self._keep
            topics = {s.topic for s in stats}
            await session.execute(
                delete(SourceFetchRow).where(SourceFetchRow.topic.in_(topics), SourceFetchRow.fetched_at < oldest)
            )

    async def latest(self, topic: str) -> dict[tuple[str, str], SourceStat]:
        """The newest fetch of each of the topic's sources, by (outlet, source)."""
        newest = (
            select(func.max(SourceFetchRow.id))
            .where(SourceFetchRow.topic == topic)
            .group_by(SourceFetchRow.outlet, SourceFetchRow.source)
        )
        async with self._sessions() as session:
            rows = await session.scalars(select(SourceFetchRow).where(SourceFetchRow.id.in_(newest)))
            return {
                (r.outlet, r.source): SourceStat(
                    topic=r.topic,
                    outlet=r.outlet,
                    source=r.source,
                    fetched_at=r.fetched_at,
                    status=r.status,
                    http_status=r.http_status,
                    items=r.items,
                    on_topic=r.on_topic,
                    latency_ms=r.latency_ms,
                )
                for r in rows
            }


@dataclass(frozen=True)
class SourceRow:
    """One configured source of a topic and its latest fetch (None: never fetched)."""

    outlet: str
    source: str
    last: SourceStat | None


def source_rows(topic: Topic, latest: dict[tuple[str, str], SourceStat]) -> list[SourceRow]:
    """Every source the topic configures, in topics-file order: each outlet's Google News query, then its feeds."""
    rows: list[SourceRow] = []
    for _, outlet in topic.all_outlets:
        names = ([GOOGLE_NEWS] if outlet.google_news else []) + list(outlet.feeds)
        rows += [SourceRow(outlet.name, name, latest.get((outlet.name, name))) for name in map(display_url, names)]
    return rows
