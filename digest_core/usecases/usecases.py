"""The application's use cases, written once for every front end (CLI, Telegram, Discord).

Each takes the user's raw arguments (strings as typed, already split), applies the shared rules
(`digest_core.usecases.arguments`) and returns a plain result, or raises an error of
`digest_core.errors`: a `UserError` (bad input, no articles, rate limited, no trend) whose text
every front end shows as it is, escaped for its format. Front ends render results; nothing else.

`sources` means one thing everywhere: the numbered articles a digest is built on. How each feed
answered when it was fetched is `feed_stats` (the CLI's `digestbot feeds`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from digest_core.dates import next_publish_time
from digest_core.delivery.deliverer import Deliverer
from digest_core.delivery.ledger import DeliveryCounts, DeliveryLedger
from digest_core.delivery.ports import Destination
from digest_core.delivery.publication import Publication
from digest_core.delivery.subscriptions import Subscription, SubscriptionStore
from digest_core.editorial.explain import Verdict
from digest_core.editorial.pipeline import explain_day
from digest_core.editorial.trend import Trend, coverage_store, coverage_trend, parse_days
from digest_core.errors import CommandError, NothingToPublish, TrendError
from digest_core.fetch.stats import SourceRow, SourceStatsStore, source_rows
from digest_core.models import Digest
from digest_core.topics import Topic, Topics
from digest_core.usecases.arguments import DigestRequest, parse_date, parse_digest_args, parse_topic, split_args
from digest_core.usecases.service import DigestResult, DigestService


@dataclass(frozen=True)
class SubscriptionChange:
    """The outcome of subscribe/unsubscribe: `changed` is False when it already was that way."""

    destination: Destination
    topic: Topic
    subscribed: bool  # the state asked for
    changed: bool


@dataclass(frozen=True)
class TopicStatus:
    topic: Topic
    latest: date | None
    articles: int | None
    summarizer: str | None  # with the model in parentheses when there is one
    next_publish: datetime  # UTC


@dataclass(frozen=True)
class StatusReport:
    topics: list[TopicStatus]
    deliveries: DeliveryCounts


@dataclass(frozen=True)
class PublishReport:
    topic: Topic
    day: date
    status: str  # Publication's status: "published", "already published", "in progress elsewhere"
    deliveries_created: int
    deliveries: DeliveryCounts
    waiting: int  # deliveries left for a retry or a platform not configured here
    elsewhere: dict[str, str]  # platform -> the running service that holds its sender lock and delivers


@dataclass(frozen=True)
class TopicSources:
    topic: Topic
    rows: list[SourceRow] = field(default_factory=list)


DigestCommand = Literal["digest", "latest", "sources"]


@dataclass(frozen=True)
class DigestQuery:
    """A chat user's `/digest TOPIC [DATE]`, `/latest TOPIC` or `/sources TOPIC [DATE]`, as typed."""

    command: DigestCommand
    args: Sequence[str | None]
    usage: str  # the front end's spelling of the command, quoted in errors
    requester: str | None = None  # held to the on-demand build limits


@dataclass(frozen=True)
class DigestAnswer:
    """The digest a `DigestQuery` shows: from the archive at once, or built (`from_archive` False)."""

    digest: Digest
    from_archive: bool


def _no_wait() -> AbstractAsyncContextManager[None]:
    return contextlib.nullcontext()


class UseCases:
    """Every command's rules, over the core's services. `usage` arguments are the front end's own
    spelling of the command, quoted in error messages."""

    def __init__(
        self,
        digests: DigestService,
        subscriptions: SubscriptionStore,
        ledger: DeliveryLedger | None = None,
        feed_stats: SourceStatsStore | None = None,
    ) -> None:
        self._digests = digests
        self._subscriptions = subscriptions
        self._ledger = ledger
        self._feed_stats = feed_stats

    # --- topics and dates ------------------------------------------------------------------

    @property
    def topics(self) -> Topics:
        return self._digests.topics

    def now(self) -> datetime:
        return self._digests.clock()

    def topic(self, text: str | None, usage: str) -> Topic:
        """A topic the user named, or `CommandError` listing the known ones."""
        return parse_topic(text, self.topics, usage)

    def latest_day(self, topic: Topic) -> date:
        return parse_date(None, topic, self.now())

    async def recent_dates(self, topic: Topic, limit: int) -> list[date]:
        """The newest archived dates of a topic, else the latest complete day (for autocomplete)."""
        return await self._digests.store.recent_dates(topic.id, limit) or [self.latest_day(topic)]

    # --- reading digests -------------------------------------------------------------------

    def digest_request(self, args: Sequence[str | None], usage: str) -> DigestRequest:
        """`TOPIC [DATE]` checked without building anything (to refuse bad input before a slow
        build starts), or `CommandError`."""
        return parse_digest_args([a for a in args if a is not None], self.topics, self.now(), usage)

    async def digest(
        self, args: Sequence[str | None], usage: str, requester: str | None = None, rebuild: bool = False
    ) -> DigestResult:
        """`TOPIC [DATE]`: the archived digest, or one built now. `requester` (a chat user) is held
        to the on-demand build limits. `NoArticlesError`, `BuildRateLimited`, `CommandError`."""
        request = self.digest_request(args, usage)
        return await self._digests.get_or_build(request.topic, request.day, rebuild=rebuild, requester=requester)

    async def explain(self, args: Sequence[str | None], usage: str) -> list[Verdict]:
        """`TOPIC [DATE]`: why each fetched article would be kept or dropped (fetches the day again)."""
        request = self.digest_request(args, usage)
        return await explain_day(request.topic, request.day, self._digests.source, self._digests.editor)

    def query_request(self, query: DigestQuery) -> DigestRequest:
        """The topic and day a `DigestQuery` asks for, or `CommandError` (nothing is read)."""
        if query.command == "latest":
            (topic_text,) = split_args([a for a in query.args if a is not None], 1, query.usage)
            topic = self.topic(topic_text, query.usage)
            return DigestRequest(topic, self.latest_day(topic))
        return self.digest_request(query.args, query.usage)

    async def answer(
        self,
        query: DigestQuery,
        building: Callable[[], AbstractAsyncContextManager[None]] = _no_wait,
        archive_limit: float | None = None,
    ) -> DigestAnswer:
        """The one decision of every chat front end: bad input is refused before anything is read;
        an archived digest is the answer at once; else it is built inside `building()` (the front
        end's "typing" or deferral). An archive read slower than `archive_limit` seconds counts as
        not archived. `CommandError`, `NoArticlesError`, `BuildRateLimited`."""
        request = self.query_request(query)
        try:
            archived = await asyncio.wait_for(self._digests.archived(request.topic, request.day), archive_limit)
        except TimeoutError:
            archived = None
        if archived is not None:
            return DigestAnswer(archived, from_archive=True)
        async with building():
            result = await self._digests.get_or_build(request.topic, request.day, requester=query.requester)
        return DigestAnswer(result.digest, from_archive=False)

    async def sources(self, args: Sequence[str | None], usage: str, requester: str | None = None) -> DigestResult:
        """`TOPIC [DATE]`: the digest whose numbered source list the front end shows."""
        return await self.digest(args, usage, requester)

    async def trend(
        self, topic_text: str | None, days_text: str | None, usage: str, end_text: str | None = None
    ) -> Trend:
        """Articles per side per day from the archive, `days` days to `end` (default: the latest
        complete day); nothing is built. `CommandError` for days out of range, `TrendError` when
        none of them is archived."""
        topic = self.topic(topic_text, usage)
        try:
            days = parse_days(days_text)
        except TrendError as exc:
            raise CommandError(f"{exc}. Usage: {usage}") from None
        end = parse_date(end_text, topic, self.now())
        return await coverage_trend(coverage_store(self._digests.store), topic, end, days)

    async def feed_stats(self, topic_text: str | None, usage: str) -> TopicSources:
        """How each of a topic's sources (Google News, outlets' feeds) answered its latest fetch."""
        topic = self.topic(topic_text, usage)
        if self._feed_stats is None:
            return TopicSources(topic, source_rows(topic, {}))
        return TopicSources(topic, source_rows(topic, await self._feed_stats.latest(topic.id)))

    # --- subscriptions ---------------------------------------------------------------------

    async def subscribe(self, destination: Destination, topic_text: str | None, usage: str) -> SubscriptionChange:
        topic = self.topic(topic_text, usage)
        changed = await self._subscriptions.subscribe(destination, topic.id)
        return SubscriptionChange(destination, topic, subscribed=True, changed=changed)

    async def unsubscribe(self, destination: Destination, topic_text: str | None, usage: str) -> SubscriptionChange:
        topic = self.topic(topic_text, usage)
        changed = await self._subscriptions.unsubscribe(destination, topic.id)
        return SubscriptionChange(destination, topic, subscribed=False, changed=changed)

    async def subscriptions(self, platform: str | None = None, places: set[str] | None = None) -> list[Subscription]:
        """Subscriptions, optionally of one platform and of destinations or threads in `places`
        (a chat, a server's channels)."""
        if platform is not None and places is not None:
            subs = await self._subscriptions.in_places(platform, places)
        else:
            subs = await self._subscriptions.all()
            subs = [s for s in subs if platform is None or s.destination.platform == platform]
            if places is not None:
                subs = [s for s in subs if s.destination.id in places or s.destination.thread_id in places]
        return subs

    async def destination_moved(self, old: Destination, new_id: str) -> int:
        """A destination changed its id (a Telegram group became a supergroup): follow it."""
        return await self._subscriptions.move_destination(old, new_id)

    # --- operating the service -------------------------------------------------------------

    async def status(self) -> StatusReport:
        """The last digest of every topic, its next publication, and the deliveries by state."""
        now = self.now()
        rows = []
        store = self._digests.store
        for topic in self.topics:
            latest = await store.latest_date(topic.id)
            digest = await store.get(topic.id, latest) if latest else None
            next_end = next_publish_time(topic, now)
            summarizer = None
            if digest is not None:
                summarizer = digest.summarizer + (f" ({digest.model})" if digest.model else "")
            rows.append(TopicStatus(topic, latest, len(digest.articles) if digest else None, summarizer, next_end))
        return StatusReport(rows, await self._require_ledger().counts())

    async def publish(
        self, publication: Publication, deliverer: Deliverer, args: Sequence[str | None], usage: str
    ) -> PublishReport:
        """`TOPIC [DATE]`: build if needed, queue a delivery per subscription and deliver them now
        through the ledger (nothing already delivered is sent again). `NothingToPublish`."""
        request = self.digest_request(args, usage)
        topic, day = request.topic, request.day
        result = await publication.publish(topic, day)
        if result.status == "nothing to publish":
            raise NothingToPublish(result.detail)
        drained = await deliverer.drain(topic.id)
        ledger = self._require_ledger()
        return PublishReport(
            topic,
            day,
            result.status,
            result.deliveries_created,
            await ledger.counts(topic.id),
            await ledger.pending_count(topic.id, day),
            drained.elsewhere,
        )

    def _require_ledger(self) -> DeliveryLedger:
        if self._ledger is None:
            raise RuntimeError("this use case needs the delivery ledger")
        return self._ledger
