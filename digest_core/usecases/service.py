"""Getting a digest: the archived one, or one built now (shared builds, on-demand limits); the use cases call it."""

from __future__ import annotations

import logging
import math
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from digest_core.clock import utc_now
from digest_core.dates import digest_window, latest_complete_date, parse_digest_date
from digest_core.editorial.changes import reannotate
from digest_core.editorial.editor import Editor
from digest_core.editorial.pipeline import build_digest
from digest_core.errors import BuildRateLimited
from digest_core.fetch.ports import FeedSource
from digest_core.models import Digest
from digest_core.single_flight import SingleFlight
from digest_core.storage.digests import DigestStore
from digest_core.summarize.base import Summarizer
from digest_core.topics import Topic, Topics
from digest_core.usecases.recent import RecentDigests

log = logging.getLogger(__name__)


class BuildLimiter:
    """Sliding-window limits on on-demand builds: per requester and for the whole process."""

    def __init__(self, per_user: int, overall: int, period: timedelta = timedelta(hours=1)) -> None:
        self.per_user = per_user
        self.overall = overall
        self.period = period
        self._by_user: dict[str, deque[datetime]] = defaultdict(deque)
        self._all: deque[datetime] = deque()

    def _wait(self, stamps: deque[datetime], limit: int, now: datetime) -> int:
        while stamps and stamps[0] <= now - self.period:
            stamps.popleft()
        if len(stamps) < limit:
            return 0
        return max(1, math.ceil((stamps[0] + self.period - now).total_seconds()))

    def acquire(self, requester: str, now: datetime) -> None:
        """Count one build for `requester`, or raise `BuildRateLimited`."""
        user_wait = self._wait(self._by_user[requester], self.per_user, now)
        if user_wait:
            raise BuildRateLimited(user_wait, "by you")
        overall_wait = self._wait(self._all, self.overall, now)
        if overall_wait:
            raise BuildRateLimited(overall_wait, "right now")
        self._by_user[requester].append(now)
        self._all.append(now)


@dataclass(frozen=True)
class DigestResult:
    digest: Digest
    built: bool  # False when it came from the archive
    stored: bool


class DigestService:
    """Shared rules for every front end: topic lookup, date parsing, get-or-build."""

    def __init__(
        self,
        topics: Topics,
        source: FeedSource,
        summarizer: Summarizer,
        store: DigestStore,
        clock: Callable[[], datetime] = utc_now,
        limiter: BuildLimiter | None = None,
        editor: Editor | None = None,
        recent: RecentDigests | None = None,
    ) -> None:
        self.topics = topics
        self.source = source
        self.summarizer = summarizer
        self.store = store
        self.clock = clock
        self.limiter = limiter or BuildLimiter(per_user=5, overall=30)
        self.editor = editor
        self.recent = recent if recent is not None else RecentDigests()
        self._builds: SingleFlight[tuple[str, date], DigestResult] = SingleFlight()

    def topic(self, topic_id: str) -> Topic:
        """The topic, or `UnknownTopicError` listing the known ones."""
        return self.topics.get(topic_id)

    def parse_date(self, topic: Topic, text: str | None) -> date:
        """A user's date argument (None: the latest complete day), or `DateInputError`."""
        now = self.clock()
        return latest_complete_date(topic, now) if text is None else parse_digest_date(text, topic, now)

    async def get_or_build(
        self, topic: Topic, day: date, rebuild: bool = False, requester: str | None = None
    ) -> DigestResult:
        """The stored digest, or a new one built now (and stored once its window has closed).

        Concurrent calls for the same topic and day share one build. A `requester` (a user asking
        on a platform) is held to the on-demand limits; scheduled and operator builds are not.
        """
        key = (topic.id, day)
        if not rebuild:
            stored = await self.archived(topic, day)
            if stored is not None:
                return DigestResult(stored, built=False, stored=True)
            if self._builds.running(key):  # joined: not counted against the requester's limits
                return await self._builds.run(key, lambda: self._build(topic, day))
        if requester is not None:
            self.limiter.acquire(requester, self.clock())
        return await self._builds.run(key, lambda: self._build(topic, day), fresh=rebuild)

    async def archived(self, topic: Topic, day: date) -> Digest | None:
        """The archived digest, from memory when it was read lately, else from the store."""
        digest = self.recent.get(topic.id, day)
        if digest is None:
            digest = await self.store.get(topic.id, day)
            if digest is not None:
                self.recent.put(digest)
        return digest

    async def _build(self, topic: Topic, day: date) -> DigestResult:
        now = self.clock()
        previous = await self.store.get(topic.id, day - timedelta(days=1))
        digest = await build_digest(topic, day, self.source, self.summarizer, now, previous, self.editor)
        complete = digest_window(topic, day).end <= now
        if complete:
            self.recent.forget(topic.id, day)
            await self.store.save(digest)
            self.recent.put(digest)
            await self._refresh_following_days(topic, digest)
        else:
            log.info("%s %s: window still open, digest not archived", topic.id, day)
        return DigestResult(digest, built=True, stored=complete)

    async def _refresh_following_days(self, topic: Topic, digest: Digest) -> None:
        """Recompute what changed in the archived days after `digest` (an earlier day built late),
        day by day until a day is missing or already right."""
        previous, day = digest, digest.date + timedelta(days=1)
        while (later := await self.store.get(topic.id, day)) is not None:
            updated = reannotate(later, previous, topic)
            if (updated.stories, updated.vanished) == (later.stories, later.vanished):
                return
            await self.store.save(updated)
            log.info("%s %s: what changed recomputed after %s was built", topic.id, day, digest.date)
            previous, day = updated, day + timedelta(days=1)
