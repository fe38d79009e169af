"""DigestService: one build shared by concurrent requests; on-demand limits per user and overall."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from digest_core.dates import Window
from digest_core.errors import BuildRateLimited
from digest_core.fetch.ports import FeedResult
from digest_core.models import Digest
from digest_core.storage.digests import SqlDigestStore
from digest_core.summarize import ExtractiveSummarizer
from digest_core.topics import Topic, load_topics
from digest_core.usecases.service import BuildLimiter, DigestService
from testkit.fakes.google_news import FIXTURES, rss, shift_dates

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


class FixtureSource:
    """A `FeedSource` port fake: the fixture files, slowly, counting fetches."""

    def __init__(self) -> None:
        self.fetches = 0

    async def fetch(self, topic: Topic, window: Window) -> list[FeedResult]:
        self.fetches += 1
        await asyncio.sleep(0.05)
        folder = FIXTURES / window.end.date().isoformat()  # a day without fixtures has no news
        return [
            FeedResult(
                p, o, "fixture", body=(folder / f"{o.domains[0]}.xml").read_bytes() if folder.exists() else rss([])
            )
            for p, o in topic.all_outlets
        ]


def service(engine: AsyncEngine, source: FixtureSource, limiter: BuildLimiter | None = None) -> DigestService:
    return DigestService(load_topics(), source, ExtractiveSummarizer(), SqlDigestStore(engine), lambda: NOW, limiter)


async def test_concurrent_requests_share_one_build(engine: AsyncEngine, topic: Topic) -> None:
    source = FixtureSource()
    svc = service(engine, source)
    results = await asyncio.gather(*(svc.get_or_build(topic, date(2026, 2, 25), requester=f"u{i}") for i in range(5)))
    assert source.fetches == 1
    assert len({r.digest.model_dump_json() for r in results}) == 1
    again = await svc.get_or_build(topic, date(2026, 2, 25))
    assert (again.built, source.fetches) == (False, 1)


async def test_on_demand_limits_per_user_and_overall(engine: AsyncEngine, topic: Topic) -> None:
    svc = service(engine, FixtureSource(), BuildLimiter(per_user=1, overall=2))
    await svc.get_or_build(topic, date(2026, 2, 25), requester="alice")
    with pytest.raises(BuildRateLimited, match=r"Too many new digests requested by you; try again in 3600 s"):
        await svc.get_or_build(topic, date(2026, 1, 7), requester="alice")
    await svc.get_or_build(topic, date(2026, 1, 7), requester="bob")
    with pytest.raises(BuildRateLimited, match="right now"):
        await svc.get_or_build(topic, date(2026, 1, 6), requester="carol")
    # Stored digests and scheduled builds are never limited.
    assert not (await svc.get_or_build(topic, date(2026, 2, 25), requester="alice")).built


def test_limiter_window_slides() -> None:
    limiter = BuildLimiter(per_user=2, overall=10, period=timedelta(minutes=10))
    limiter.acquire("a", NOW)
    limiter.acquire("a", NOW + timedelta(minutes=4))
    with pytest.raises(BuildRateLimited) as info:
        limiter.acquire("a", NOW + timedelta(minutes=5))
    assert info.value.retry_after == 300
    limiter.acquire("a", NOW + timedelta(minutes=10))


class RepeatingSource:
    """The 2026-02-25 fixture news served again, a day later, for 2026-02-26: the same stories continue."""

    async def fetch(self, topic: Topic, window: Window) -> list[FeedResult]:
        days = (window.end.date() - date(2026, 2, 25)).days
        folder = FIXTURES / "2026-02-25"
        return [
            FeedResult(p, o, "fixture", body=shift_dates((folder / f"{o.domains[0]}.xml").read_bytes(), days))
            for p, o in topic.all_outlets
        ]


async def test_what_changed_does_not_depend_on_build_order(engine: AsyncEngine, topic: Topic) -> None:
    def statuses(digest: Digest) -> list[tuple[str, int]]:
        return [(s.status, s.day) for s in digest.stories]

    early, late = date(2026, 2, 25), date(2026, 2, 26)
    svc = DigestService(load_topics(), RepeatingSource(), ExtractiveSummarizer(), SqlDigestStore(engine), lambda: NOW)
    alone = (await svc.get_or_build(topic, late)).digest  # built first: nothing before it yet
    assert {s.status for s in alone.stories} == {""}  # nothing before it: no status at all
    await svc.get_or_build(topic, early)  # the earlier day, built late
    stored = await svc.store.get(topic.id, late)
    assert stored is not None
    assert statuses(stored) == [("continuing", 2)] * len(stored.stories)
    # the same as building the days in order
    again = await svc.get_or_build(topic, late, rebuild=True)
    assert statuses(again.digest) == statuses(stored)
    assert again.digest.vanished == stored.vanished == []
