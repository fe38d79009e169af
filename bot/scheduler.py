"""One APScheduler job per topic at its publish time and time zone, plus catch-up at start-up.

APScheduler's default misfire grace (1 s) would silently skip a day if the process was down or
late at the publish time; here every job gets a generous grace, and `catch_up()` publishes at
start-up any topic whose latest publish time passed within that grace without a publication.
Exactly-once across several processes comes from the ledger, not from the scheduler.

A topic whose day failed (no source reachable, nothing on-topic yet within the grace, an error) is
tried again after `RETRY_MINUTES` in turn (2, 5, 10, 20, then every 30 minutes), starting over
after a success; the failure's log line says when the next try is.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.failures import with_demo_hint
from digest_core.clock import utc_now
from digest_core.dates import digest_window, latest_complete_date
from digest_core.delivery.publication import Publication, PublishResult
from digest_core.errors import NoArticlesError, SourcesUnreachable
from digest_core.fetch.polite import describe_error
from digest_core.plural import plural
from digest_core.topics import Topic, Topics

log = logging.getLogger(__name__)
RETRY_MINUTES = (2, 5, 10, 20, 30)  # the waits before a failed day's 1st, 2nd... retry; the last repeats
CATCH_UP_MINUTES = 30  # how often publications failed elsewhere (another process) are looked for


@dataclass
class Backoff:
    """The wait before each retry of a topic's failed day: `minutes` in turn, the last repeating;
    a success starts the topic over."""

    minutes: Sequence[int] = RETRY_MINUTES
    failures: dict[str, int] = field(default_factory=dict)

    def next_wait(self, key: str) -> timedelta:
        """The wait after one more failure of `key`."""
        count = self.failures.get(key, 0)
        self.failures[key] = count + 1
        return timedelta(minutes=self.minutes[min(count, len(self.minutes) - 1)])

    def reset(self, key: str) -> None:
        self.failures.pop(key, None)


class DigestScheduler:
    def __init__(
        self,
        topics: Topics,
        publication: Publication,
        grace: timedelta = timedelta(hours=6),
        clock: Callable[[], datetime] = utc_now,
        wall: Callable[[], datetime] = utc_now,
    ) -> None:
        """`clock` is the service's "now" (digest dates, the times logged); `wall` is APScheduler's
        own clock, on which retry jobs are set (the same but in tests that move `clock`)."""
        self.topics = topics
        self.publication = publication
        self.grace = grace
        self.clock = clock
        self.wall = wall
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.backoff = Backoff()
        self._hinted = False  # the demo hint was given in this failure episode

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
        # A publication that failed here is retried on the backoff (`retry_later`); one that
        # another process claimed and then failed is caught up with here, within the grace.
        self.scheduler.add_job(
            self.catch_up, IntervalTrigger(minutes=CATCH_UP_MINUTES), id="catch-up", coalesce=True, max_instances=1
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

    def retry_later(self, topic: Topic, unreachable: bool) -> str:
        """Set the topic's next try on the backoff; the words the failure's log line ends with: when
        the next try is and, the first time in a failure episode that no source could be reached,
        the demo hint."""
        wait = self.backoff.next_wait(topic.id)
        self._drop_retry(topic)  # (`replace_existing` keeps both while the scheduler is not started)
        self.scheduler.add_job(
            self.retry,
            DateTrigger(run_date=self.wall() + wait),
            args=[topic],
            id=f"retry:{topic.id}",
            misfire_grace_time=max(1, int(self.grace.total_seconds())),
        )
        at = (self.clock() + wait).strftime("%H:%M UTC")
        words = f"; next try at {at} (in {wait.total_seconds() / 60:g} min)"
        if unreachable and not self._hinted:
            self._hinted = True
            words = with_demo_hint(words)
        return words

    def succeeded(self, topic: Topic) -> None:
        """The topic's day is done: its backoff starts over, its pending retry is dropped."""
        self.backoff.reset(topic.id)
        self._hinted = False
        self._drop_retry(topic)

    def _drop_retry(self, topic: Topic) -> None:
        with contextlib.suppress(JobLookupError):
            self.scheduler.remove_job(f"retry:{topic.id}")

    def retry_time(self, topic: Topic) -> datetime | None:
        """When the topic's pending retry runs (on the `wall` clock), None if none is pending."""
        job = self.scheduler.get_job(f"retry:{topic.id}")
        return job.trigger.run_date if job is not None else None

    async def retry(self, topic: Topic) -> None:
        """A failed day's retry: published if its publish time is still within the grace, else archived."""
        now = self.clock()
        if self._due(topic, now):
            if await self.publication.ledger.publication_state(topic.id, latest_complete_date(topic, now)) == "done":
                self.succeeded(topic)
                return
            with contextlib.suppress(Exception):  # logged by publish_latest, retried on the backoff
                await self.publish_latest(topic)
            return
        log.info("%s", await self.archive_latest(topic))

    async def publish_latest(self, topic: Topic) -> PublishResult:
        """Publish the topic's latest complete day (the one whose window just closed); on failure,
        retried on the backoff while within the grace."""
        day = latest_complete_date(topic, self.clock())
        try:
            result = await self.publication.publish(topic, day)
        except Exception as exc:
            log.exception(
                "%s %s: publication failed (%s)%s", topic.id, day, describe_error(exc), self.retry_later(topic, False)
            )
            raise
        if result.status == "nothing to publish":
            again = self.retry_later(topic, result.unreachable) if self._due(topic, self.clock()) else ""
            log.warning("%s %s: nothing to publish: %s%s", topic.id, day, result.detail or "no articles", again)
            return result
        log.info("%s %s: %s (%d deliveries queued)", topic.id, day, result.status, result.deliveries_created)
        if result.status != "in progress elsewhere":
            self.succeeded(topic)
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
            if self.scheduler.get_job(f"retry:{topic.id}") is not None:
                continue  # its retry is set on the backoff
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
        digest is built and archived but posted to no one. One plain line per topic says what was done
        (but for a publication that found nothing: `publish_latest` logged why, and the next try).
        """
        published = {result.topic: result for result in await self.catch_up()}
        lines = []
        for topic in self.topics:
            if topic.id in published:
                result = published[topic.id]
                if result.status == "nothing to publish":
                    continue  # its warning said why, and when it is tried again
                queued = plural(result.deliveries_created, "delivery", "deliveries")
                day = result.day
                lines.append(f"{topic.id} {day}: {result.status} at start-up, {queued} queued{_page(result.page)}")
                continue
            lines.append(await self.archive_latest(topic))
        return lines

    async def archive_latest(self, topic: Topic) -> str:
        """Build and archive the topic's latest complete day, posting nothing; one line saying what
        was done, or why not and when it is tried again."""
        now = self.clock()
        day = latest_complete_date(topic, now)
        try:
            built, page = await self.publication.archive(topic, day)
        except SourcesUnreachable as exc:
            return f"{topic.id} {day}: not archived: {exc.report}{self.retry_later(topic, True)}"
        except NoArticlesError as exc:
            self.succeeded(topic)  # the sources answered: an empty day is not retried
            return f"{topic.id} {day}: nothing archived: {exc}"
        except Exception as exc:
            log.debug("%s %s: build failed", topic.id, day, exc_info=True)
            return f"{topic.id} {day}: not archived ({describe_error(exc)}){self.retry_later(topic, False)}"
        self.succeeded(topic)
        what = "built and archived" if built.built else "already archived"
        articles = plural(len(built.digest.articles), "article")
        posted = "" if self._due(topic, now) else ", posted to no one (its publish time is past the catch-up grace)"
        return f"{topic.id} {day}: {what}, {articles}{posted}{_page(page)}"


def _page(page: Path | None) -> str:
    return f"; page {page}" if page is not None else ""
