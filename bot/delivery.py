"""Publishing a digest and delivering it exactly once to every subscription.

`Publication.publish(topic, day)`: build and archive the digest first, write its site page, then
create one delivery row per active subscription. `Deliverer` claims due rows from the ledger and
sends them part by part through the platform's publisher, recording each acknowledged part.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from adapters.site_pages import publish_page
from digest_core.deliveries import Claimed, DeliveryLedger
from digest_core.models import Digest
from digest_core.pipeline import NoArticlesError
from digest_core.publish import DestinationGone, PartPublisher
from digest_core.service import DigestService
from digest_core.store import DigestStore
from digest_core.subscriptions import SubscriptionStore
from digest_core.topics import Topic

log = logging.getLogger(__name__)


def worker_id() -> str:
    """A name for this process in the ledger: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class PublishResult:
    topic: str
    day: date
    status: str  # "published" | "already published" | "in progress elsewhere" | "nothing to publish"
    deliveries_created: int = 0
    detail: str = ""


class Publication:
    """Build-once-then-fan-out for one (topic, day), safe to run from several processes at once."""

    def __init__(
        self,
        digests: DigestService,
        subscriptions: SubscriptionStore,
        ledger: DeliveryLedger,
        content_dir: Path | None,
        worker: str,
        stale_after: timedelta = timedelta(minutes=15),
    ) -> None:
        self.digests = digests
        self.subscriptions = subscriptions
        self.ledger = ledger
        self.content_dir = content_dir
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
            if self.content_dir is not None:
                await publish_page(self.content_dir, self.digests.store, topic, result.digest)
            created = await self._queue(topic, day)
        except NoArticlesError as exc:
            await self.ledger.finish_publication(topic.id, day, self.worker, error=str(exc))
            return PublishResult(topic.id, day, "nothing to publish", detail=str(exc))
        except BaseException as exc:
            await asyncio.shield(self.ledger.finish_publication(topic.id, day, self.worker, error=repr(exc)))
            raise
        await self.ledger.finish_publication(topic.id, day, self.worker)
        log.info("%s %s published: %d deliveries queued", topic.id, day, created)
        return PublishResult(topic.id, day, "published", created)

    async def _queue(self, topic: Topic, day: date) -> int:
        subs = await self.subscriptions.active_for_topic(topic.id)
        return await self.ledger.create(topic.id, day, [s.id for s in subs])


class Deliverer:
    """Sends claimed deliveries through the publishers of the platforms this process runs."""

    def __init__(
        self,
        ledger: DeliveryLedger,
        store: DigestStore,
        subscriptions: SubscriptionStore,
        publishers: Mapping[str, PartPublisher],
        worker: str,
        max_attempts: int = 5,
        backoff: timedelta = timedelta(seconds=30),
        concurrency: int = 8,
    ) -> None:
        self.ledger = ledger
        self.store = store
        self.subscriptions = subscriptions
        self.publishers = dict(publishers)
        self.worker = worker
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.concurrency = concurrency
        self._digests: dict[tuple[str, date], Digest] = {}

    async def run_once(self, topic: str | None = None) -> int:
        """Claim and deliver one batch; returns how many deliveries it handled."""
        batch = await self.ledger.claim(
            self.worker, limit=self.concurrency * 4, topic=topic, platforms=list(self.publishers)
        )
        gate = asyncio.Semaphore(self.concurrency)

        async def one(claimed: Claimed) -> None:
            async with gate:
                await self.deliver(claimed)

        await asyncio.gather(*(one(c) for c in batch))
        return len(batch)

    async def drain(self, topic: str | None = None) -> None:
        """Deliver until nothing is due (retries with backoff are left for later)."""
        while await self.run_once(topic):
            pass

    async def run_forever(self, stop: asyncio.Event, poll: float = 2.0) -> None:
        """Deliver whatever becomes due until `stop` is set; a batch in progress is finished."""
        while not stop.is_set():
            try:
                handled = await self.run_once()
            except Exception:  # the loop must survive a database hiccup
                log.exception("delivery batch failed")
                handled = 0
            if not handled:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), poll)

    async def _digest(self, topic: str, day: date) -> Digest | None:
        key = (topic, day)
        if key not in self._digests:
            digest = await self.store.get(topic, day)
            if digest is None:
                return None
            if len(self._digests) > 32:
                self._digests.clear()
            self._digests[key] = digest
        return self._digests[key]

    async def deliver(self, claimed: Claimed) -> None:
        """Send the parts not yet acknowledged, recording each one; classify any failure."""
        publisher = self.publishers[claimed.destination.platform]
        attempts = claimed.attempts + 1
        try:
            digest = await self._digest(claimed.topic, claimed.date)
            if digest is None:
                raise LookupError(f"digest {claimed.topic} {claimed.date} is not in the archive")
            parts = publisher.render(digest, claimed.destination)
            sent = list(claimed.message_ids)
            for index in range(len(sent), len(parts)):
                key = f"d{claimed.id}p{index}"
                sent.append(await publisher.send_part(claimed.destination, parts[index], sent, key))
                if not await self.ledger.record_part(claimed.id, self.worker, sent):
                    log.warning("delivery %d: claim lost, another worker continues it", claimed.id)
                    return
            await self.ledger.mark_sent(claimed.id, self.worker, sent)
        except DestinationGone as exc:
            log.warning("%s is gone (%s): subscription deactivated", claimed.destination, exc)
            await self.ledger.mark_gone(claimed.id, self.worker, str(exc))
            await self.subscriptions.deactivate_destination(claimed.destination, str(exc))
            await self.ledger.close_destination(claimed.destination, str(exc))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            delay = self.backoff * 2 ** (attempts - 1)
            state = await self.ledger.mark_retry(
                claimed.id, self.worker, f"{type(exc).__name__}: {exc}", attempts, self.max_attempts, delay
            )
            log.warning(
                "delivery to %s failed (attempt %d/%d, now %s): %s",
                claimed.destination,
                attempts,
                self.max_attempts,
                state,
                exc,
            )
