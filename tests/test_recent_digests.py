"""Archived digests read lately are served from memory: no store read for a popular day, a rebuild
replaces the entry, and an entry expires after its time to live (a rebuild in another process)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncEngine

from digest_core.models import Digest
from digest_core.storage.digests import SqlDigestStore
from digest_core.summarize import ExtractiveSummarizer
from digest_core.topics import Topic, load_topics
from digest_core.usecases.recent import RecentDigests
from digest_core.usecases.service import DigestService
from tests.test_service import NOW, FixtureSource

DAY = date(2026, 2, 25)


class CountingStore(SqlDigestStore):
    """The real store, counting reads."""

    reads = 0

    async def get(self, topic: str, day: date) -> Digest | None:
        self.reads += 1
        return await super().get(topic, day)


class Ticks:
    """A clock for the time to live: seconds set by the test."""

    now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_popular_day_is_read_from_the_store_once(engine: AsyncEngine, topic: Topic) -> None:
    store = CountingStore(engine)
    svc = DigestService(load_topics(), FixtureSource(), ExtractiveSummarizer(), store, lambda: NOW)
    built = (await svc.get_or_build(topic, DAY)).digest
    reads = store.reads
    for _ in range(5):
        result = await svc.get_or_build(topic, DAY)
        assert (result.built, result.digest) == (False, built)
    assert store.reads == reads  # the build put it in memory

    fresh = DigestService(load_topics(), FixtureSource(), ExtractiveSummarizer(), store, lambda: NOW)
    assert await fresh.archived(topic, DAY) == built
    assert await fresh.archived(topic, DAY) == built
    assert store.reads == reads + 1


async def test_a_rebuild_replaces_the_entry(engine: AsyncEngine, topic: Topic) -> None:
    svc = DigestService(load_topics(), FixtureSource(), ExtractiveSummarizer(), SqlDigestStore(engine), lambda: NOW)
    first = (await svc.get_or_build(topic, DAY)).digest
    svc.clock = lambda: NOW.replace(hour=13)
    second = (await svc.get_or_build(topic, DAY, rebuild=True)).digest
    assert second.generated_at != first.generated_at
    assert await svc.archived(topic, DAY) == second


async def test_entries_expire_and_the_least_recent_goes_first(engine: AsyncEngine, topic: Topic) -> None:
    ticks = Ticks()
    store = CountingStore(engine)
    writer = DigestService(load_topics(), FixtureSource(), ExtractiveSummarizer(), store, lambda: NOW)
    digest = (await writer.get_or_build(topic, DAY)).digest
    recent = RecentDigests(size=2, ttl=60, clock=ticks)
    reader = DigestService(load_topics(), FixtureSource(), ExtractiveSummarizer(), store, lambda: NOW, recent=recent)
    await reader.archived(topic, DAY)
    reads = store.reads
    ticks.now = 59.9
    await reader.archived(topic, DAY)
    assert store.reads == reads
    ticks.now = 60.0
    await reader.archived(topic, DAY)
    assert store.reads == reads + 1

    for n in range(3):
        recent.put(digest.model_copy(update={"topic": f"other-{n}"}))
    assert len(recent) == 2
    assert recent.get(topic.id, DAY) is None  # evicted: the least recently used
    assert recent.get("other-2", DAY) is not None
