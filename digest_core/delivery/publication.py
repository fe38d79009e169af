"""Publishing a digest: build and archive it once, write its page, queue one delivery per subscription.

`Publication.publish(topic, day)` is safe to run from several processes at once: the ledger's
publication claim lets one of them build; the others find it in progress or done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Protocol

from digest_core.delivery.ledger import DeliveryLedger
from digest_core.delivery.subscriptions import SubscriptionStore
from digest_core.errors import NoArticlesError, SourcesUnreachable
from digest_core.models import Digest
from digest_core.topics import Topic

log = logging.getLogger(__name__)


class Built(Protocol):
    @property
    def digest(self) -> Digest: ...

    @property
    def built(self) -> bool:
        """False when the digest came from the archive."""
        ...


class DigestSource(Protocol):
    """What publishing needs of the use cases' digest service (it lives above delivery)."""

    async def get_or_build(self, topic: Topic, day: date) -> Built: ...


PageWriter = Callable[[Topic, Digest], Awaitable[Path]]
"""Writes an archived digest's page (the site adapter); injected by the composition root."""


@dataclass(frozen=True)
class PublishResult:
    topic: str
    day: date
    status: str  # "published" | "already published" | "in progress elsewhere" | "nothing to publish"
    deliveries_created: int = 0
    detail: str = ""
    page: Path | None = None
    unreachable: bool = False  # nothing to publish because no source could be reached (not an empty day)


class Publication:
    """Build-once-then-fan-out for one (topic, day), safe to run from several processes at once."""

    def __init__(
        self,
        digests: DigestSource,
        subscriptions: SubscriptionStore,
        ledger: DeliveryLedger,
        write_page: PageWriter | None,
        worker: str,
        stale_after: timedelta = timedelta(minutes=15),
    ) -> None:
        self.digests = digests
        self.subscriptions = subscriptions
        self.ledger = ledger
        self.write_page = write_page
        self.worker = worker
        self.stale_after = stale_after

    async def publish(self, topic: Topic, day: date) -> PublishResult:
        """Build (or load) and archive the digest, write its page, queue a delivery per subscription.

        Running it again re-queues nothing already queued: delivery rows are unique per
        subscription and day; subscriptions added since get theirs.
        """
        if not await self.ledger.claim_publication(topic.id, day, self.worker, self.stale_after):
            state = await self.ledger.publication_state(topic.id, day)
            if state != "done":
                return PublishResult(topic.id, day, "in progress elsewhere")
            created = await self._queue(topic, day)
            return PublishResult(topic.id, day, "already published", created)
        try:
            result = await self.digests.get_or_build(topic, day)
            page = await self.write_page(topic, result.digest) if self.write_page is not None else None
            created = await self._queue(topic, day)
        except NoArticlesError as exc:
            await self.ledger.finish_publication(topic.id, day, self.worker, error=exc.report)
            unreachable = isinstance(exc, SourcesUnreachable)
            return PublishResult(topic.id, day, "nothing to publish", detail=exc.report, unreachable=unreachable)
        except BaseException as exc:
            await asyncio.shield(self.ledger.finish_publication(topic.id, day, self.worker, error=repr(exc)))
            raise
        await self.ledger.finish_publication(topic.id, day, self.worker)
        log.info("%s %s published: %d deliveries queued", topic.id, day, created)
        return PublishResult(topic.id, day, "published", created, page=page)

    async def archive(self, topic: Topic, day: date) -> tuple[Built, Path | None]:
        """Build (or load) and archive the digest and write its page, posting nothing."""
        result = await self.digests.get_or_build(topic, day)
        page = await self.write_page(topic, result.digest) if self.write_page is not None else None
        return result, page

    async def _queue(self, topic: Topic, day: date) -> int:
        return await self.ledger.queue_topic(topic.id, day)
