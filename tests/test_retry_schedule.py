"""A failed day is tried again on a stated schedule (2, 5, 10, 20, then every 30 minutes), starting
over after a success; the failure's line says when, and once per episode points to `make demo`.
The times are APScheduler's trigger times under injected clocks: nothing sleeps (issue #27)."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.site_pages import page_writer
from bot.failures import DEMO_HINT
from bot.scheduler import RETRY_MINUTES, Backoff, DigestScheduler
from digest_core.dates import Window
from digest_core.delivery.ledger import DeliveryLedger
from digest_core.delivery.publication import Publication
from digest_core.delivery.subscriptions import SubscriptionStore
from digest_core.fetch.google_news import GoogleNewsSource
from digest_core.fetch.ports import FeedResult, FeedSource
from digest_core.storage.digests import SqlDigestStore
from digest_core.summarize import ExtractiveSummarizer
from digest_core.topics import Topic, load_topics
from digest_core.usecases.service import DigestService
from tests.test_service import FixtureSource

EVENING = datetime(2026, 2, 25, 22, 30, tzinfo=UTC)  # the 2026-02-25 publish time (04:00) is past the grace
MORNING = datetime(2026, 2, 25, 5, 0, tzinfo=UTC)  # an hour after it: within the grace
WALL = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)  # APScheduler's clock, apart from the service's


class Switch:
    """A `FeedSource` whose source can be swapped: the network down, then back."""

    def __init__(self, source: FeedSource) -> None:
        self.source = source

    async def fetch(self, topic: Topic, window: Window) -> list[FeedResult]:
        return await self.source.fetch(topic, window)


class Clocks:
    """The service's clock and APScheduler's, moved together by the test."""

    def __init__(self, now: datetime) -> None:
        self.now, self.wall = now, WALL

    def advance(self, delta: timedelta) -> None:
        self.now += delta
        self.wall += delta


class Offline(GoogleNewsSource):
    """Google News on a loopback port where nothing listens: every connection refused."""

    def __init__(self, client: httpx.AsyncClient, port: int) -> None:
        super().__init__(client, f"http://127.0.0.1:{port}", attempts=1)
        self.address = f"127.0.0.1:{port}"


@pytest.fixture
async def offline() -> AsyncIterator[Offline]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with httpx.AsyncClient() as client:
        yield Offline(client, port)


def make(engine: AsyncEngine, tmp_path: Path, source: FeedSource, clocks: Clocks) -> DigestScheduler:
    topics = load_topics()
    digests = DigestService(topics, source, ExtractiveSummarizer(), SqlDigestStore(engine), lambda: clocks.now)
    publication = Publication(
        digests, SubscriptionStore(engine), DeliveryLedger(engine), page_writer(tmp_path, digests.store), "w"
    )
    return DigestScheduler(
        topics, publication, grace=timedelta(hours=6), clock=lambda: clocks.now, wall=lambda: clocks.wall
    )


def test_the_waits_are_the_stated_ones_and_start_over() -> None:
    backoff = Backoff()
    assert RETRY_MINUTES == (2, 5, 10, 20, 30)
    assert [backoff.next_wait("t").total_seconds() / 60 for _ in range(7)] == [2, 5, 10, 20, 30, 30, 30]
    assert backoff.next_wait("other") == timedelta(minutes=2)  # per topic
    backoff.reset("t")
    assert backoff.next_wait("t") == timedelta(minutes=2)


async def test_an_unreachable_day_is_retried_on_the_schedule_then_archived(
    engine: AsyncEngine, tmp_path: Path, offline: Offline, caplog: pytest.LogCaptureFixture
) -> None:
    clocks = Clocks(EVENING)
    switch = Switch(offline)
    s = make(engine, tmp_path, switch, clocks)
    topic = s.topics.get("china-japan")
    [line] = await s.start_up()
    assert line == (
        f"china-japan 2026-02-25: not archived: none of the 7 sources answered: check the network (China Daily: "
        f"connection refused by {offline.address} after 1 attempt); "
        f"next try at 22:32 UTC (in 2 min); {DEMO_HINT}"
    )
    job = s.scheduler.get_job("retry:china-japan")
    assert job is not None
    assert job.trigger.get_next_fire_time(None, clocks.wall) == WALL + timedelta(minutes=2)

    caplog.set_level(logging.INFO, "bot.scheduler")
    for wait, following in zip((2, 5, 10, 20, 30, 30), (5, 10, 20, 30, 30, 30), strict=True):
        run_at = s.retry_time(topic)  # each retry runs at its trigger time and sets the next
        assert run_at == clocks.wall + timedelta(minutes=wait)
        clocks.advance(run_at - clocks.wall)
        caplog.clear()
        await s.retry(topic)
        [message] = [r.getMessage() for r in caplog.records if r.name == "bot.scheduler"]
        assert message.startswith("china-japan 2026-02-25: not archived: none of the 7 sources answered")
        at = clocks.now + timedelta(minutes=following)
        assert message.endswith(f"; next try at {at:%H:%M} UTC (in {following} min)")  # no hint: once per episode

    switch.source = FixtureSource()  # the network is back
    clocks.advance(s.retry_time(topic) - clocks.wall)  # type: ignore[operator]
    await s.retry(topic)
    assert s.retry_time(topic) is None
    assert s.backoff.failures == {}
    assert caplog.records[-1].getMessage().startswith("china-japan 2026-02-25: built and archived, ")

    switch.source = offline  # a new episode the next day: the first wait again, and the hint again
    clocks.advance(timedelta(days=1))
    line = await s.archive_latest(topic)
    assert line.startswith("china-japan 2026-02-26: not archived: ")
    assert line.endswith(f"; next try at {clocks.now + timedelta(minutes=2):%H:%M} UTC (in 2 min); {DEMO_HINT}")


async def test_a_failed_publication_is_retried_within_the_grace(
    engine: AsyncEngine, tmp_path: Path, offline: Offline, caplog: pytest.LogCaptureFixture
) -> None:
    clocks = Clocks(MORNING)
    switch = Switch(offline)
    s = make(engine, tmp_path, switch, clocks)
    topic = s.topics.get("china-japan")
    caplog.set_level(logging.WARNING, "bot.scheduler")
    [result] = await s.catch_up()
    assert (result.status, result.unreachable) == ("nothing to publish", True)
    [warning] = [r.getMessage() for r in caplog.records]
    assert warning.startswith("china-japan 2026-02-25: nothing to publish: none of the 7 sources answered")
    assert warning.endswith(f"; next try at 05:02 UTC (in 2 min); {DEMO_HINT}")
    assert s.retry_time(topic) == WALL + timedelta(minutes=2)
    assert await s.catch_up() == []  # the periodic catch-up leaves it to its retry

    switch.source = FixtureSource()
    clocks.advance(timedelta(minutes=2))
    await s.retry(topic)
    assert await s.publication.ledger.publication_state("china-japan", MORNING.date()) == "done"
    assert s.retry_time(topic) is None


class Broken:
    """A `FeedSource` that fails in a way no source should (a bug): not the network."""

    async def fetch(self, topic: Topic, window: Window) -> list[FeedResult]:
        raise RuntimeError("feed parser exploded")


async def test_a_failed_build_is_retried_without_the_demo_hint(engine: AsyncEngine, tmp_path: Path) -> None:
    clocks = Clocks(EVENING)
    s = make(engine, tmp_path, Broken(), clocks)
    [line] = await s.start_up()
    assert line == (
        "china-japan 2026-02-25: not archived (RuntimeError: feed parser exploded); next try at 22:32 UTC (in 2 min)"
    )
    assert s.retry_time(s.topics.get("china-japan")) == WALL + timedelta(minutes=2)
