"""Delivering queued digests exactly once: one sender per platform, each claiming its own rows.

Each platform's deliveries are sent by one process at a time (the holder of the platform's
`SenderLock`), so that one bot token's rate limit is never shared by two unaware senders. The
platforms send side by side: each has its own pipeline that claims rows as slots free up, with no
batch that waits for the slowest delivery or for another platform.

Each part is announced in the ledger right before it leaves (after the platform's rate limiter),
and recorded once acknowledged, so a process that dies mid-delivery is resumed after its last
acknowledged part by the sender that takes over its lock, and a part announced but never
acknowledged is not sent twice. A part whose announcement cannot be written is not sent. A part
whose recording fails is never sent again before what was recorded has been checked.

When the database refuses writes (`WritesRefused`: read-only, disk full, rights revoked), no
new part is sent: the deliveries in progress end at their next write, and `drain` and
`run_forever` raise it, so that the process ends with one line instead of retrying.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from digest_core.backoff import BackoffPolicy
from digest_core.delivery.ledger import Claimed, DeliveryLedger
from digest_core.delivery.ports import PartPublisher, start_announcing, stop_announcing
from digest_core.delivery.sender_lock import LocalSenderLock, SenderLock
from digest_core.delivery.senders import sender_name, split_sender
from digest_core.delivery.subscriptions import SubscriptionStore
from digest_core.errors import ClaimLost, DestinationGone, RecordingFailed, WritesRefused
from digest_core.models import Digest
from digest_core.single_flight import SingleFlight
from digest_core.storage.digests import DigestStore
from digest_core.storage.faults import refusal, writes_refused

log = logging.getLogger(__name__)

SHARED_ENTRIES = 32  # digests (and their rendered parts) kept per deliverer


def worker_id() -> str:
    """A name for this process in the ledger: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


UNKNOWN_MESSAGE = "?"  # the message id of a part in doubt: handed to the platform, never acknowledged


class _Announcement:
    """The ledger's "part `index` is about to leave" for one part, written once (the first call),
    with the lost-connection retries of a recording; `error` keeps why it could not be written."""

    __slots__ = ("_claimed", "_deliverer", "_index", "_sent", "done", "error")

    def __init__(self, deliverer: Deliverer, claimed: Claimed, index: int, sent: list[str]) -> None:
        # A tuple: for a first part the shared empty one, and one the garbage collector stops tracking
        self._deliverer, self._claimed, self._index, self._sent = deliverer, claimed, index, tuple(sent)
        self.done = False
        self.error: BaseException | None = None

    async def __call__(self) -> None:
        if self.done:
            return
        if self.error is not None:
            raise self.error
        d, claimed = self._deliverer, self._claimed
        for attempt in range(d.record_attempts):
            try:
                if not await d.ledger.announce(claimed.id, d.worker, self._index, self._sent):
                    self.error = ClaimLost(f"delivery {claimed.id}: claim lost, another worker continues it")
                    raise self.error
                self.done = True
                return
            except (asyncio.CancelledError, WritesRefused, ClaimLost) as exc:
                self.error = exc
                raise
            except Exception as exc:  # a lost connection: writing the same announcement again is harmless
                log.warning("delivery %d: announcing part %d failed (%s), trying again", claimed.id, self._index, exc)
                await asyncio.sleep(BackoffPolicy(d.record_backoff).wait(attempt + 1))
        self.error = RecordingFailed(f"delivery {claimed.id}: part {self._index} not announced, so not sent")
        raise self.error


@dataclass
class DrainReport:
    """What `drain` did: deliveries handled here, and platforms another process is sending for."""

    handled: int = 0
    elsewhere: dict[str, str] = field(default_factory=dict)  # platform -> the sender holding its lock


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
        locks: Mapping[str, SenderLock] | None = None,
        record_attempts: int = 8,
        record_backoff: float = 0.25,
        takeover_pause: float = 1.1,
        resend_in_doubt: bool = False,
    ) -> None:
        """`publishers` and `locks` are keyed by sender (`senders.sender_name`: a platform, or a
        platform's shard such as `telegram@7654321`), each with its own pipeline; `concurrency` is
        per sender; a sender without a lock is this process's alone. A failed recording is retried
        `record_attempts` times. A sender that takes over a dead one's deliveries first waits
        `takeover_pause` seconds, so that a platform's one-second window never holds both the dead
        sender's last sends and its own.
        A part in doubt (announced, never acknowledged) is taken as delivered, unless
        `resend_in_doubt` (at least once instead of at most once)."""
        self.ledger = ledger
        self.store = store
        self.subscriptions = subscriptions
        self.publishers = dict(publishers)
        self.worker = worker
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.concurrency = concurrency
        self.locks: dict[str, SenderLock] = {
            p: (locks or {}).get(p) or LocalSenderLock(p, worker) for p in self.publishers
        }
        self.record_attempts = record_attempts
        self.record_backoff = record_backoff
        self.takeover_pause = takeover_pause
        self.resend_in_doubt = resend_in_doubt
        self._digests: SingleFlight[tuple[str, date], Digest | None] = SingleFlight(
            SHARED_ENTRIES, lambda d: d is not None
        )
        self._parts: SingleFlight[tuple[str, str, date], Sequence[Any]] = SingleFlight(SHARED_ENTRIES)
        self._holding: set[str] = set()
        self.refused: WritesRefused | None = None  # set once the database refused a write: nothing more is sent

    # --- the sender lock ----------------------------------------------------------------------

    def is_sender(self, name: str) -> bool:
        """Whether this process holds the sender lock of `name` (a platform or a shard)."""
        return name in self._holding

    async def _hold(self, platform: str) -> bool:
        """True while this process is the platform's sender; on taking the lock, the previous
        sender's claims are made claimable at once (it is dead: its lock died with it)."""
        try:
            held = await self.locks[platform].acquire()
        except Exception:
            log.exception("%s: sender lock unavailable", platform)
            held = False
        if held and platform not in self._holding:
            self._holding.add(platform)
            name, shard = split_sender(platform)
            resumed = await self.ledger.take_over(name, self.worker, shard=shard)
            quiet = platform == "console" and not resumed  # nothing a newcomer's first run needs to read
            log.log(
                logging.DEBUG if quiet else logging.INFO,
                "%s: this process is the sender%s",
                platform,
                f" ({resumed} deliveries resumed)" if resumed else "",
            )
            if resumed:  # the previous sender was sending until just now: let the platform's window pass
                await asyncio.sleep(self.takeover_pause)
        elif not held:
            self._holding.discard(platform)
        return held

    async def release(self) -> None:
        """Let another process send (at shutdown)."""
        for platform in self._holding:
            await self.locks[platform].release()
        self._holding.clear()

    # --- sending --------------------------------------------------------------------------------

    async def _claim(
        self, sender: str, limit: int, topic: str | None, after_failure: Sequence[int] | None
    ) -> list[Claimed]:
        """Claim for one sender; after a failed claim, also this worker's claims that are not in
        progress (`after_failure`), in case the failed one was committed and only its answer lost."""
        platform, shard = split_sender(sender)
        return await self.ledger.claim(
            self.worker, limit=limit, topic=topic, platforms=[platform], own_except=after_failure, shard=shard
        )

    async def _pump(self, platform: str, topic: str | None, stop: asyncio.Event | None) -> int:
        """Deliver one platform's due rows until none is left (or `stop`): a slot freed by one
        delivery is refilled by the next claim, so the pipeline never waits for a whole batch."""
        in_flight: dict[asyncio.Task[None], int] = {}
        ended: list[asyncio.Task[None]] = []  # deliveries done since the last look: O(1) per delivery
        woken = asyncio.Event()  # (`asyncio.wait` would hook every task in flight at each look)
        quiet = contextvars.copy_context()  # `on_end`'s, shared: each callback would copy one per task

        def on_end(task: asyncio.Task[None]) -> None:
            ended.append(task)
            woken.set()

        handled, exhausted, failures, stopping = 0, False, 0, False
        refill = max(1, self.concurrency // 4)
        try:
            while True:
                stopping = stopping or (stop is not None and stop.is_set()) or self.refused is not None
                free = self.concurrency - len(in_flight)
                if not stopping and not exhausted and free >= refill:
                    if not await self._hold(platform):
                        log.warning("%s: sender lock lost; finishing the deliveries in progress", platform)
                        stopping = True
                        continue
                    try:
                        batch = await self._claim(platform, free, topic, list(in_flight.values()) if failures else None)
                    except WritesRefused as exc:
                        self.refused = self.refused or exc
                        stopping = True
                        continue
                    except Exception:
                        failures += 1
                        log.warning("%s: claim failed (%d in a row)", platform, failures, exc_info=True)
                        if stop is None and failures >= self.record_attempts and not in_flight:
                            raise
                        await asyncio.sleep(BackoffPolicy(self.record_backoff, cap=5.0).wait(failures + 1))
                        continue
                    failures = 0
                    exhausted = len(batch) < free
                    handled += len(batch)
                    for claimed in batch:
                        task = asyncio.create_task(self.deliver(claimed))
                        task.add_done_callback(on_end, context=quiet)
                        in_flight[task] = claimed.id
                if not in_flight:
                    if self.refused is not None:
                        raise self.refused
                    if exhausted or stopping:
                        return handled
                    continue
                if not ended:
                    woken.clear()
                    await woken.wait()
                done, ended[:] = list(ended), []
                for task in done:
                    del in_flight[task]
                    if not task.cancelled() and isinstance(task.exception(), WritesRefused):
                        self.refused = self.refused or task.exception()  # type: ignore[assignment]
                stopping = stopping or self.refused is not None
                if not in_flight:
                    exhausted = False  # look again: retries may have come due
        finally:
            if in_flight:  # cancelled: each acknowledged part is recorded, the takeover resumes the rest
                for task in in_flight:
                    task.cancel()
                await asyncio.gather(*in_flight, return_exceptions=True)

    async def drain(self, topic: str | None = None) -> DrainReport:
        """Deliver until nothing is due, every platform side by side; a platform whose sender lock
        another process holds is left to it (retries with backoff are left for later)."""
        report = DrainReport()

        async def one(platform: str) -> None:
            if not await self._hold(platform):
                report.elsewhere[platform] = await self.locks[platform].holder() or "another process"
                return
            report.handled += await self._pump(platform, topic, None)

        await self._each_platform(one)
        return report

    async def _each_platform(self, run: Callable[[str], Awaitable[None]]) -> None:
        """`run(platform)` for every platform side by side; when the database refused a write, the
        others stop too (no new part is sent) and `WritesRefused` is raised once all have ended."""
        outcomes = await asyncio.gather(*(run(p) for p in self.publishers), return_exceptions=True)
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        refused = self.refused or next((f for f in failures if isinstance(f, WritesRefused)), None)
        if refused is not None:
            raise refused
        if failures:
            raise failures[0]

    async def run_forever(self, stop: asyncio.Event, poll: float = 2.0) -> None:
        """Deliver whatever becomes due until `stop` is set, a sender per platform; a platform whose
        lock is held elsewhere is taken over within `poll` seconds of its holder's death."""

        async def platform_loop(platform: str) -> None:
            while not stop.is_set() and self.refused is None:
                handled = 0
                try:
                    if await self._hold(platform):
                        handled = await self._pump(platform, None, stop)
                except WritesRefused as exc:  # not a hiccup: every sender stops, the service ends
                    self.refused = self.refused or exc
                    stop.set()
                    raise
                except Exception:  # the loop must survive a database hiccup
                    log.exception("%s: delivery failed", platform)
                if not handled:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), poll)

        try:
            await self._each_platform(platform_loop)
        finally:
            await asyncio.shield(self.release())

    async def _digest(self, topic: str, day: date) -> Digest | None:
        """The archived digest, read once per fan-out; None (not archived) is asked again next time."""
        return await self._digests.run((topic, day), lambda: self.store.get(topic, day))

    async def _retire(self, claimed: Claimed, reason: str) -> None:
        """A gone destination, in one unit of work: this delivery gone, its subscriptions
        deactivated, its other pending deliveries closed (a crash leaves all or none)."""
        async with self.ledger.unit_of_work.begin() as tx:
            await self.ledger.mark_gone(claimed.id, self.worker, reason, tx=tx)
            await self.subscriptions.deactivate_destination(claimed.destination, reason, tx=tx)
            await self.ledger.close_destination(claimed.destination, reason, tx=tx)

    async def _render(self, publisher: PartPublisher, claimed: Claimed) -> Sequence[Any]:
        """The parts for a delivery. A publisher whose parts are the same for every destination
        (`same_parts_everywhere`) renders each digest once, in a thread, off the event loop: once
        however many deliveries ask at the same time (a fan-out starts dozens at once)."""
        digest = await self._digest(claimed.topic, claimed.date)
        if digest is None:
            raise LookupError(f"digest {claimed.topic} {claimed.date} is not in the archive")
        if not getattr(publisher, "same_parts_everywhere", False):
            return publisher.render(digest, claimed.destination)
        key = (publisher.platform, claimed.topic, claimed.date)
        return await self._parts.run(key, lambda: asyncio.to_thread(publisher.render, digest, claimed.destination))

    async def _record(self, claimed: Claimed, sent: list[str], done: bool) -> bool:
        """Record the acknowledged parts (and `done`); False when this worker lost the claim.

        When the database fails, what was recorded is read back before trying again: the part is
        never sent a second time on the guess that its recording was lost."""
        for attempt in range(self.record_attempts):
            try:
                if attempt:
                    recorded = await self.ledger.recorded_parts(claimed.id, self.worker)
                    if recorded is None:
                        return False
                if done:
                    return await self.ledger.mark_sent(claimed.id, self.worker, sent)
                if attempt and recorded == sent:
                    return True  # the earlier write was committed; only its answer was lost
                return await self.ledger.record_part(claimed.id, self.worker, sent)
            except (asyncio.CancelledError, WritesRefused):
                raise
            except Exception as exc:
                log.warning("delivery %d: recording failed (%s), checking again", claimed.id, exc)
                await asyncio.sleep(BackoffPolicy(self.record_backoff).wait(attempt + 1))
        raise RecordingFailed(f"delivery {claimed.id}: parts {sent} sent but not recorded")

    async def deliver(self, claimed: Claimed) -> None:
        """Send the parts not yet acknowledged, each announced before it leaves and recorded once
        acknowledged; classify any failure. `WritesRefused` is raised (the run ends)."""
        publisher = self.publishers[sender_name(claimed.destination.platform, claimed.destination.via)]
        attempts = claimed.attempts + 1
        sent = list(claimed.message_ids)
        try:
            try:
                parts = await self._render(publisher, claimed)
                if claimed.in_doubt and len(sent) < len(parts) and not self.resend_in_doubt:
                    log.warning(
                        "delivery %d: part %d was handed to %s by a sender that stopped before its answer; "
                        "not sent again",
                        claimed.id,
                        len(sent),
                        claimed.destination.platform,
                    )
                    sent.append(UNKNOWN_MESSAGE)
                for index in range(len(sent), len(parts)):
                    # Part `index`, once the ledger holds its announcement: written by the publisher
                    # right before its request leaves (`announces_sends`), else here. Inline, with no
                    # coroutine or context manager of its own: a delivery waiting for its slot holds
                    # fewer objects (a thousand wait at the paid-broadcast rate; docs/delivery.md).
                    announcement = _Announcement(self, claimed, index, sent)
                    token = start_announcing(announcement)
                    try:
                        if not getattr(publisher, "announces_sends", False):
                            await announcement()
                        message = await publisher.send_part(
                            claimed.destination, parts[index], sent, f"d{claimed.id}p{index}"
                        )
                    except Exception:
                        if announcement.error is not None:  # whatever the publisher made of it: nothing was sent
                            raise announcement.error from None
                        raise
                    finally:
                        stop_announcing(token)
                    if not announcement.done:  # only logged: the part is recorded below as every part is
                        log.error("delivery %d: %s sent part %d unannounced", claimed.id, publisher.platform, index)
                    sent.append(message)
                    if len(sent) < len(parts) and not await self._record(claimed, sent, done=False):
                        log.warning("delivery %d: claim lost, another worker continues it", claimed.id)
                        return
            except ClaimLost as exc:
                log.warning("%s", exc)
                return
            except DestinationGone as exc:
                log.warning("%s is gone (%s): subscription deactivated", claimed.destination, exc)
                await self._retire(claimed, str(exc))
                return
            except (asyncio.CancelledError, RecordingFailed, WritesRefused):
                raise
            except Exception as exc:
                await self._retry_later(claimed, attempts, exc)
                return
            await self._record(claimed, sent, done=True)
        except RecordingFailed as exc:
            log.error("%s; the row stays claimed until a sender takes it over", exc)
        except (asyncio.CancelledError, WritesRefused):
            raise
        except Exception as exc:  # the ledger failed while classifying: the row stays claimed (lease fallback)
            reason = refusal(exc)
            if reason is not None:  # a unit of work (a gone destination) the database refused
                raise writes_refused(self.ledger.url, reason) from exc
            log.exception("delivery %d: could not record its outcome", claimed.id)

    async def _retry_later(self, claimed: Claimed, attempts: int, exc: Exception) -> None:
        delay = timedelta(seconds=BackoffPolicy(self.backoff.total_seconds()).wait(attempts))
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
