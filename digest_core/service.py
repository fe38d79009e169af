"""The one entry point adapters call: topics, dates and digests, built or loaded from the archive."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from digest_core.dates import digest_window, latest_complete_date, parse_digest_date
from digest_core.fetch import FeedSource
from digest_core.models import Digest
from digest_core.pipeline import build_digest
from digest_core.store import DigestStore
from digest_core.summarize.base import Summarizer
from digest_core.topics import Topic, Topics

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


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
    ) -> None:
        self.topics = topics
        self.source = source
        self.summarizer = summarizer
        self.store = store
        self.clock = clock

    def topic(self, topic_id: str) -> Topic:
        """The topic, or `UnknownTopicError` listing the known ones."""
        return self.topics.get(topic_id)

    def parse_date(self, topic: Topic, text: str | None) -> date:
        """A user's date argument (None: the latest complete day), or `DateInputError`."""
        now = self.clock()
        return latest_complete_date(topic, now) if text is None else parse_digest_date(text, topic, now)

    async def get_or_build(self, topic: Topic, day: date, rebuild: bool = False) -> DigestResult:
        """The stored digest, or a new one built now (and stored once its window has closed)."""
        if not rebuild:
            stored = await self.store.get(topic.id, day)
            if stored is not None:
                return DigestResult(stored, built=False, stored=True)
        now = self.clock()
        digest = await build_digest(topic, day, self.source, self.summarizer, now)
        complete = digest_window(topic, day).end <= now
        if complete:
            await self.store.save(digest)
        else:
            log.info("%s %s: window still open, digest not archived", topic.id, day)
        return DigestResult(digest, built=True, stored=complete)
