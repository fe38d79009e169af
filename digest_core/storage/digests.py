"""The digest archive: SQLAlchemy 2 (async) on SQLite by default, PostgreSQL by `DATABASE_URL`.

A digest is stored once per (topic, date): its full JSON, plus one row per article and per
failed source so that the archive can be queried (counts per side per day, outlets' failures).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from digest_core.models import Digest
from digest_core.redaction import stored_text
from digest_core.storage.tables import ArticleRow, DigestRow, FailureRow
from digest_core.storage.upsert import upsert


@dataclass(frozen=True)
class DayCoverage:
    """One archived digest's counts: articles per side id, articles in the window, of them on-topic."""

    day: date
    per_side: dict[str, int]
    in_window: int
    on_topic: int


class DigestStore(Protocol):
    async def get(self, topic: str, day: date) -> Digest | None: ...
    async def save(self, digest: Digest) -> None: ...
    async def latest_date(self, topic: str) -> date | None: ...
    async def recent_dates(self, topic: str, limit: int) -> list[date]: ...


class SqlDigestStore:
    """`DigestStore` on any SQLAlchemy async engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def get(self, topic: str, day: date) -> Digest | None:
        async with self._sessions() as session:
            row = await session.scalar(select(DigestRow).where(DigestRow.topic == topic, DigestRow.date == day))
            return Digest.model_validate(row.payload) if row else None

    async def latest_date(self, topic: str) -> date | None:
        async with self._sessions() as session:
            return await session.scalar(
                select(DigestRow.date).where(DigestRow.topic == topic).order_by(DigestRow.date.desc()).limit(1)
            )

    async def recent_dates(self, topic: str, limit: int) -> list[date]:
        """The topic's stored dates, newest first, at most `limit`."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(DigestRow.date).where(DigestRow.topic == topic).order_by(DigestRow.date.desc()).limit(limit)
            )
            return list(rows)

    async def coverage(self, topic: str, since: date, until: date) -> list[DayCoverage]:
        """Per archived date in `since..until` (oldest first): articles per side, and the articles
        the sources gave for the window (`in_window`) and how many were on-topic."""
        async with self._sessions() as session:
            days = await session.execute(
                select(
                    DigestRow.date,
                    DigestRow.payload["in_window"].as_integer(),
                    DigestRow.payload["on_topic"].as_integer(),
                )
                .where(DigestRow.topic == topic, DigestRow.date >= since, DigestRow.date <= until)
                .order_by(DigestRow.date)
            )
            counts = await session.execute(
                select(DigestRow.date, ArticleRow.perspective, func.count(ArticleRow.id))
                .join(ArticleRow, ArticleRow.digest_id == DigestRow.id)
                .where(DigestRow.topic == topic, DigestRow.date >= since, DigestRow.date <= until)
                .group_by(DigestRow.date, ArticleRow.perspective)
            )
            per_side: dict[date, dict[str, int]] = {}
            for day, side, n in counts:
                per_side.setdefault(day, {})[side] = n
            return [
                DayCoverage(day, per_side.get(day, {}), in_window or 0, on_topic or 0)
                for day, in_window, on_topic in days
            ]

    async def save(self, digest: Digest) -> None:
        """Store a digest, replacing any stored for the same topic and date (one upsert of its row,
        then its articles and failed sources anew); its failed sources' errors are stored as
        `stored_text` (in the rows and in the payload)."""
        failed = [f.model_copy(update={"error": stored_text(f.error)}) for f in digest.failed_sources]
        digest = digest.model_copy(update={"failed_sources": failed})
        usage = digest.usage
        values = {
            "topic": digest.topic,
            "date": digest.date,
            "generated_at": digest.generated_at,
            "summarizer": digest.summarizer,
            "model": digest.model,
            "prompt_tokens": usage.prompt_tokens if usage else 0,
            "output_tokens": usage.output_tokens if usage else 0,
            "payload": digest.model_dump(mode="json"),
        }
        stored = upsert(self.engine.dialect.name, DigestRow, values, key=("topic", "date")).returning(DigestRow.id)
        async with self._sessions.begin() as session:
            digest_id = (await session.execute(stored)).scalar_one()
            await session.execute(delete(ArticleRow).where(ArticleRow.digest_id == digest_id))
            await session.execute(delete(FailureRow).where(FailureRow.digest_id == digest_id))
            session.add_all(
                ArticleRow(
                    digest_id=digest_id,
                    n=a.n,
                    title=a.title,
                    url=a.url,
                    outlet=a.outlet,
                    domain=a.domain,
                    perspective=a.perspective,
                    published=a.published,
                )
                for a in digest.articles
            )
            failures = digest.failed_sources
            session.add_all(FailureRow(digest_id=digest_id, outlet=f.outlet, error=f.error) for f in failures)
