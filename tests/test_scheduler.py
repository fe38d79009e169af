"""The scheduler: one job per topic at its publish time, generous misfire grace, catch-up at start."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.site_pages import page_writer
from bot.scheduler import DigestScheduler
from digest_core.delivery.ledger import DeliveryLedger
from digest_core.delivery.publication import Publication
from digest_core.delivery.subscriptions import SubscriptionStore
from digest_core.storage.digests import SqlDigestStore
from digest_core.summarize import ExtractiveSummarizer
from digest_core.topics import Topics, load_topics
from digest_core.usecases.service import DigestService
from tests.test_service import FixtureSource


def scheduler(engine: AsyncEngine, now: datetime, tmp_path: Path, topics: Topics | None = None) -> DigestScheduler:
    topics = topics or load_topics()
    digests = DigestService(topics, FixtureSource(), ExtractiveSummarizer(), SqlDigestStore(engine), lambda: now)
    publication = Publication(
        digests, SubscriptionStore(engine), DeliveryLedger(engine), page_writer(tmp_path, digests.store), "w"
    )
    return DigestScheduler(topics, publication, grace=timedelta(hours=6), clock=lambda: now)


async def test_catch_up_publishes_a_missed_day_once(engine: AsyncEngine, tmp_path: Path) -> None:
    late = datetime(2026, 2, 25, 9, 30, tzinfo=UTC)  # publish time 04:00 passed 5.5 h ago
    [result] = await scheduler(engine, late, tmp_path).catch_up()
    assert (result.topic, str(result.day), result.status) == ("china-japan", "2026-02-25", "published")
    assert (tmp_path / "china-japan" / "2026-02-25.md").exists()
    assert await scheduler(engine, late, tmp_path).catch_up() == []  # already done


async def test_catch_up_skips_what_is_beyond_the_grace(engine: AsyncEngine, tmp_path: Path) -> None:
    too_late = datetime(2026, 2, 25, 10, 30, tzinfo=UTC)
    assert await scheduler(engine, too_late, tmp_path).catch_up() == []


async def test_one_job_per_topic_at_its_time_and_zone(engine: AsyncEngine, tmp_path: Path) -> None:
    topics = load_topics()
    tokyo = topics.get("china-japan").model_copy(
        update={"id": "tokyo", "timezone": "Asia/Tokyo", "publish_time": time(7, 30)}
    )
    s = scheduler(engine, datetime.now(UTC), tmp_path, Topics([topics.get("china-japan"), tokyo]))
    s.start()
    try:
        jobs = {job.id: job for job in s.scheduler.get_jobs() if job.id.startswith("publish:")}
        assert set(jobs) == {"publish:china-japan", "publish:tokyo"}
        assert s.scheduler.get_job("catch-up") is not None  # failed publications are retried in the grace
        assert all(job.misfire_grace_time == 6 * 3600 and job.coalesce for job in jobs.values())
        runs = s.next_runs()
        tokyo_run, utc_run = runs["tokyo"], runs["china-japan"]
        assert tokyo_run is not None
        assert utc_run is not None
        assert (tokyo_run.hour, tokyo_run.minute, tokyo_run.utcoffset()) == (7, 30, timedelta(hours=9))
        assert (utc_run.astimezone(UTC).hour, utc_run.minute) == (4, 0)
    finally:
        s.shutdown()


async def test_a_failed_publication_is_retried_within_the_grace(engine: AsyncEngine, tmp_path: Path) -> None:
    late = datetime(2026, 3, 10, 5, tzinfo=UTC)  # the fixtures have nothing for 2026-03-10
    [first] = await scheduler(engine, late, tmp_path).catch_up()
    assert first.status == "nothing to publish"
    [again] = await scheduler(engine, late + timedelta(minutes=30), tmp_path).catch_up()
    assert again.status == "nothing to publish"  # tried again, not skipped as done
