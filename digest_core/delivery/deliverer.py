"""Delivering queued digests exactly once: claim due rows from the ledger, send part by part.

Each acknowledged part is recorded before the next is sent, so a process that dies mid-delivery
is resumed after its last acknowledged part by whichever worker claims the row next.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, timedelta
from functools import partial
from typing import TypeVar

from digest_core.delivery.ledger import Claimed, DeliveryLedger
from digest_core.delivery.ports import DestinationGone, PartPublisher
from digest_core.delivery.subscriptions import SubscriptionStore
from digest_core.models import Digest
from digest_core.storage.digests import DigestStore

log = logging.getLogger(__name__)


RECORD_RETRIES = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0)  # seconds between attempts to record a sent part

T = TypeVar("T")


def worker_id() -> str:
    """A name for this process in the ledger: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


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
        record_retries: Sequence[float] = RECORD_RETRIES,
    ) -> None:
        self.ledger = ledger
        self.store = store
        self.subscriptions = subscriptions
        self.publishers = dict(publishers)
        self.worker = worker
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.concurrency = concurrency
        self.record_retries = tuple(record_retries)
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

    async def _durably(self, write: Callable[[], Awaitable[T]]) -> T:
        """Run a ledger write that records a sent message, retrying it through a lost database
        connection (the pool reconnects) before giving up: unrecorded, the part would be sent again."""
        for delay in self.record_retries:
            try:
                return await write()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                log.warning("recording a sent message failed (%s); retrying in %g s", error, delay)
                await asyncio.sleep(delay)
        return await write()

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

    async def _retire(self, claimed: Claimed, reason: str) -> None:
        """A gone destination, in one unit of work: this delivery gone, its subscriptions
        deactivated, its other pending deliveries closed (a crash leaves all or none)."""
        async with self.ledger.unit_of_work.begin() as tx:
            await self.ledger.mark_gone(claimed.id, self.worker, reason, tx=tx)
            await self.subscriptions.deactivate_destination(claimed.destination, reason, tx=tx)
            await self.ledger.close_destination(claimed.destination, reason, tx=tx)

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
                if not await self._durably(partial(self.ledger.record_part, claimed.id, self.worker, list(sent))):
                    log.warning("delivery %d: claim lost, another worker continues it", claimed.id)
                    return
            await self._durably(partial(self.ledger.mark_sent, claimed.id, self.worker, list(sent)))
        except DestinationGone as exc:
            log.warning("%s is gone (%s): subscription deactivated", claimed.destination, exc)
            await self._retire(claimed, str(exc))
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
