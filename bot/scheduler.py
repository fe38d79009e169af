"""One APScheduler job per topic at its publish time and time zone, plus catch-up at start-up.

APScheduler's default misfire grace (1 s) would silently skip a day if the process was down or
late at the publish time; here every job gets a generous grace, and `catch_up()` publishes at
start-up any topic whose latest publish time passed within that grace without a publication.
Exactly-once across several processes comes from the ledger, not from the scheduler.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from digest_core.clock import utc_now
from digest_core.dates import digest_window, latest_complete_date
from digest_core.delivery.publication import Publication, PublishResult
from digest_core.editorial.pipeline import NoArticlesError
from digest_core.plural import plural
from digest_core.topics import Topic, Topics

log = logging.getLogger(__name__)
RETRY_MINUTES = 30


class DigestScheduler:
    def __init__(
        self,
        topics: Topics,
        publication: Publication,
        grace: timedelta = timedelta(hours=6),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.topics = topics
        self.publication = publication
        self.grace = grace
        self.clock = clock
        self.scheduler = AsyncIOScheduler(timezone="UTC")

    def start(self) -> None:
        for topic in self.topics:
            trigger = CronTrigger(hour=topic.publish_time.hour, minute=topic.publish_time.minute, timezone=topic.tz)
            self.scheduler.add_job(
                self.publish_latest,
                trigger,
                args=[topic],
                id=f"publish:{topic.id}",
                misfire_grace_time=max(1, int(self.grace.total_seconds())),  # APScheduler refuses 0
                coalesce=True,
                max_instances=1,
                replace_existing=True,
            )
        # A publication that failed (network down, nothing on-topic yet) is tried again while
        # within the grace period.
        self.scheduler.add_job(
            self.catch_up, IntervalTrigger(minutes=RETRY_MINUTES), id="catch-up", coalesce=True, max_instances=1
        )
        self.scheduler.start()
        for job in self.scheduler.get_jobs():
            log.debug("scheduled %s, next run %s", job.id, job.next_run_time)

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def next_runs(self) -> dict[str, datetime | None]:
        return {
            job.id.removeprefix("publish:"): job.next_run_time
            for job in self.scheduler.get_jobs()
            if job.id.startswith("publish:")
        }

    async def publish_latest(self, topic: Topic) -> PublishResult:
        """Publish the topic's latest complete day (the one whose window just closed)."""
        day = latest_complete_date(topic, self.clock())
        try:
            result = await self.publication.publish(topic, day)
        except Exception:
            log.exception("%s %s: publication failed", topic.id, day)
            raise
        log.info("%s %s: %s (%d deliveries queued)", topic.id, day, result.status, result.deliveries_created)
        if result.detail:
            log.warning("%s %s: %s", topic.id, day, result.detail)
        return result

    def _due(self, topic: Topic, now: datetime) -> bool:
        """Whether the topic's latest publish time passed less than `grace` ago."""
        return now - digest_window(topic, latest_complete_date(topic, now)).end <= self.grace

    async def catch_up(self) -> list[PublishResult]:
        """Publish every topic whose publish time passed less than `grace` ago without a publication."""
        results = []
        now = self.clock()
        for topic in self.topics:
            day = latest_complete_date(topic, now)
            if not self._due(topic, now) or await self.publication.ledger.publication_state(topic.id, day) == "done":
                continue
            missed_by = now - digest_window(topic, day).end
            log.info(
                "%s %s: publish time passed %s ago without a publication; publishing now",
                topic.id,
                day,
                str(missed_by).split(".")[0],
            )
            with contextlib.suppress(Exception):  # logged by publish_latest; the other topics still catch up
                results.append(await self.publish_latest(topic))
        return results

    async def start_up(self) -> list[str]:
        """At start-up, make sure each topic's latest complete day is archived and its page written.

        Within the grace a missed publication is published (the catch-up); at any other hour the
        digest is built and archived but posted to no one. One plain line per topic says what was done.
        """
        published = {result.topic: result for result in await self.catch_up()}
        now = self.clock()
        lines = []
        for topic in self.topics:
            day = latest_complete_date(topic, now)
            if topic.id in published:
                result = published[topic.id]
                queued = plural(result.deliveries_created, "delivery", "deliveries")
                lines.append(f"{topic.id} {day}: {result.status} at start-up, {queued} queued{_page(result.page)}")
                continue
            try:
                built, page = await self.publication.archive(topic, day)
            except NoArticlesError as exc:
                lines.append(f"{topic.id} {day}: nothing archived: {exc}")
                continue
            except Exception as exc:
                log.debug("%s %s: start-up build failed", topic.id, day, exc_info=True)
                lines.append(f"{topic.id} {day}: not archived ({type(exc).__name__}: {exc}); retried at the next run")
                continue
            what = "built and archived" if built.built else "already archived"
            articles = plural(len(built.digest.articles), "article")
            posted = "" if self._due(topic, now) else ", posted to no one (its publish time is past the catch-up grace)"
            lines.append(f"{topic.id} {day}: {what}, {articles}{posted}{_page(page)}")
        return lines


def _page(page: Path | None) -> str:
    return f"; page {page}" if page is not None else ""
