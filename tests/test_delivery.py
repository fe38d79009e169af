"""The delivery ledger and the deliverer, on SQLite and PostgreSQL, with a hand-written publisher."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.site_pages import page_writer
from digest_core.delivery.deliverer import Deliverer
from digest_core.delivery.ledger import DeliveryLedger
from digest_core.delivery.ports import Destination
from digest_core.delivery.publication import Publication
from digest_core.delivery.subscriptions import SubscriptionStore
from digest_core.errors import DestinationGone, SendFailed
from digest_core.models import Digest
from digest_core.storage.digests import SqlDigestStore
from digest_core.storage.tables import DeliveryRow, PublicationRow
from tests.test_store import digest

DAY = date(2026, 2, 25)


class RecordingPublisher:
    """Renders a digest as three parts and records every part it is asked to send."""

    platform = "fake"

    def __init__(self) -> None:
        self.sent: list[tuple[str, int]] = []
        self.fail: dict[str, Exception] = {}

    def render(self, digest: Digest, destination: Destination) -> Sequence[Any]:
        return [0, 1, 2]

    async def send_part(self, destination: Destination, part: Any, sent: Sequence[str], key: str) -> str:
        assert len(sent) == part  # parts arrive in order, each once per successful send
        error = self.fail.get(destination.id)
        if error:
            raise error
        self.sent.append((destination.id, part))
        return f"{destination.id}-{part}"


async def setup(engine: AsyncEngine, n: int = 3) -> tuple[DeliveryLedger, SubscriptionStore, list[int]]:
    await SqlDigestStore(engine).save(digest(DAY))
    subs = SubscriptionStore(engine)
    for i in range(n):
        await subs.subscribe(Destination("fake", f"chat{i}"), "china-japan")
    ids = [s.id for s in await subs.active_for_topic("china-japan")]
    return DeliveryLedger(engine), subs, ids


def deliverer(
    engine: AsyncEngine,
    ledger: DeliveryLedger,
    subs: SubscriptionStore,
    pub: RecordingPublisher,
    worker: str = "w1",
    **kw: Any,
) -> Deliverer:
    return Deliverer(ledger, SqlDigestStore(engine), subs, {"fake": pub}, worker, backoff=timedelta(0), **kw)


async def test_rows_are_unique_per_subscription_and_day(engine: AsyncEngine) -> None:
    ledger, _, ids = await setup(engine)
    assert await ledger.create("china-japan", DAY, ids) == 3
    assert await ledger.create("china-japan", DAY, ids) == 0
    assert await ledger.pending_count("china-japan", DAY) == 3


async def test_every_destination_gets_every_part_once(engine: AsyncEngine) -> None:
    ledger, subs, ids = await setup(engine)
    await ledger.create("china-japan", DAY, ids)
    pub = RecordingPublisher()
    await deliverer(engine, ledger, subs, pub).drain()
    assert sorted(pub.sent) == [(f"chat{i}", p) for i in range(3) for p in range(3)]
    counts = await ledger.counts()
    assert counts.by_state["sent"] == 3
    assert counts.by_state["pending"] == 0
    await deliverer(engine, ledger, subs, pub).drain()  # nothing left: nothing resent
    assert len(pub.sent) == 9


class SharedPartsPublisher(RecordingPublisher):
    """Parts the same for every destination, counting its renders (which run in a thread)."""

    same_parts_everywhere = True

    def __init__(self) -> None:
        super().__init__()
        self.renders = 0

    def render(self, digest: Digest, destination: Destination) -> Sequence[Any]:
        self.renders += 1
        return super().render(digest, destination)


class CountingStore(SqlDigestStore):
    """The archive, counting the digests read from it."""

    reads = 0

    async def get(self, topic: str, day: date) -> Digest | None:
        self.reads += 1
        return await super().get(topic, day)


async def test_a_fan_out_reads_and_renders_the_digest_once(engine: AsyncEngine) -> None:
    ledger, subs, ids = await setup(engine, n=12)
    await ledger.create("china-japan", DAY, ids)
    pub, store = SharedPartsPublisher(), CountingStore(engine)
    sender = Deliverer(ledger, store, subs, {"fake": pub}, "w1", backoff=timedelta(0), concurrency=12)
    await sender.drain()  # twelve deliveries start at once, all needing the digest and its parts
    assert len(pub.sent) == 12 * 3
    assert (store.reads, pub.renders) == (1, 1)


async def test_other_platforms_rows_are_left_for_their_process(engine: AsyncEngine) -> None:
    ledger, subs, _ids = await setup(engine)
    await subs.subscribe(Destination("telegram", "-100"), "china-japan")
    all_ids = [s.id for s in await subs.active_for_topic("china-japan")]
    await ledger.create("china-japan", DAY, all_ids)
    await deliverer(engine, ledger, subs, RecordingPublisher()).drain()
    assert (await ledger.counts()).by_state["pending"] == 1


async def test_two_workers_never_claim_the_same_row(engine: AsyncEngine) -> None:
    ledger, _subs, ids = await setup(engine, n=30)
    await ledger.create("china-japan", DAY, ids)
    a, b = await asyncio.gather(ledger.claim("a", limit=20), ledger.claim("b", limit=20))
    claimed = [c.id for c in a] + [c.id for c in b]
    assert len(claimed) == len(set(claimed))
    if engine.dialect.name == "postgresql":
        assert len(claimed) == 30  # SKIP LOCKED: the second worker takes the rows the first did not lock
    rest = await ledger.claim("c", limit=30)
    assert sorted(claimed + [c.id for c in rest]) == sorted(ids)


async def test_a_dead_workers_claim_is_resumed_after_the_lease(engine: AsyncEngine) -> None:
    ledger, subs, ids = await setup(engine, n=1)
    await ledger.create("china-japan", DAY, ids)
    [claimed] = await ledger.claim("dead")
    assert await ledger.record_part(claimed.id, "dead", ["chat0-0"])  # part 0 acknowledged, then SIGKILL
    assert await ledger.claim("alive") == []  # lease still running
    async with engine.begin() as conn:
        await conn.execute(update(DeliveryRow).values(claimed_at=datetime.now(UTC) - timedelta(minutes=5)))
    pub = RecordingPublisher()
    await deliverer(engine, ledger, subs, pub, worker="alive").drain()
    assert pub.sent == [("chat0", 1), ("chat0", 2)]  # resumed after the acknowledged part
    assert not await ledger.record_part(claimed.id, "dead", ["x"])  # the dead worker's claim is void


async def test_failures_retry_then_fail_and_gone_deactivates(engine: AsyncEngine) -> None:
    ledger, subs, ids = await setup(engine)
    await ledger.create("china-japan", DAY, ids)
    pub = RecordingPublisher()
    pub.fail = {"chat0": SendFailed("network down"), "chat1": DestinationGone("Forbidden: bot was kicked")}
    d = deliverer(engine, ledger, subs, pub, max_attempts=2)
    await d.drain()
    counts = await ledger.counts()
    assert counts.by_state == {"pending": 0, "sending": 0, "sent": 1, "failed": 1, "gone": 1}
    errors = {dest: err for dest, _, _, err in counts.failures}
    assert errors == {"fake:chat0": "SendFailed: network down", "fake:chat1": "Forbidden: bot was kicked"}
    assert [s.destination.id for s in await subs.active_for_topic("china-japan")] == ["chat0", "chat2"]


class FakeDigests:
    def __init__(self, engine: AsyncEngine) -> None:
        self.store = SqlDigestStore(engine)
        self.builds = 0

    async def get_or_build(self, topic: Any, day: date) -> Any:
        self.builds += 1
        await asyncio.sleep(0.01)
        await self.store.save(digest(day))
        return type("R", (), {"digest": digest(day)})


async def test_publication_is_built_once_across_workers(engine: AsyncEngine, topic: Any, tmp_path: Any) -> None:
    ledger, subs, _ = await setup(engine)
    digests = FakeDigests(engine)
    pubs = [Publication(digests, subs, ledger, page_writer(tmp_path, digests.store), worker=w) for w in ("a", "b")]  # type: ignore[arg-type]
    results = await asyncio.gather(*(p.publish(topic, DAY) for p in pubs))
    assert sorted(r.status for r in results) == ["in progress elsewhere", "published"]
    assert digests.builds == 1
    assert await ledger.pending_count() == 3
    assert (tmp_path / "china-japan" / "2026-02-25.md").exists()
    again = await pubs[1].publish(topic, DAY)
    assert (again.status, again.deliveries_created) == ("already published", 0)
    await subs.subscribe(Destination("fake", "late"), "china-japan")
    assert (await pubs[0].publish(topic, DAY)).deliveries_created == 1


async def test_stale_or_failed_publication_can_be_claimed_again(engine: AsyncEngine) -> None:
    ledger = DeliveryLedger(engine)
    assert await ledger.claim_publication("t", DAY, "a", timedelta(minutes=15))
    assert not await ledger.claim_publication("t", DAY, "b", timedelta(minutes=15))
    async with engine.begin() as conn:
        await conn.execute(update(PublicationRow).values(claimed_at=datetime.now(UTC) - timedelta(hours=1)))
    assert await ledger.claim_publication("t", DAY, "b", timedelta(minutes=15))
    await ledger.finish_publication("t", DAY, "b", error="boom")
    assert await ledger.publication_state("t", DAY) == "failed"
    assert await ledger.claim_publication("t", DAY, "c", timedelta(minutes=15))


@pytest.fixture
def topic() -> Any:
    from digest_core.topics import load_topics

    return load_topics().get("china-japan")


async def test_deliveries_of_a_deactivated_subscription_are_not_claimed(engine: AsyncEngine) -> None:
    ledger, subs, ids = await setup(engine)
    await ledger.create("china-japan", DAY, ids)
    await subs.deactivate_destination(Destination("fake", "chat1"), "Forbidden")
    claimed = await ledger.claim("w", limit=10)
    assert sorted(c.destination.id for c in claimed) == ["chat0", "chat2"]


async def test_a_gone_destination_closes_its_other_pending_deliveries(engine: AsyncEngine) -> None:
    ledger, subs, ids = await setup(engine, n=1)
    await ledger.create("china-japan", DAY, ids)
    await ledger.create("china-japan", DAY - timedelta(days=1), ids)  # an older day still pending
    pub = RecordingPublisher()
    pub.fail = {"chat0": DestinationGone("Forbidden: bot was kicked")}
    [first] = await ledger.claim("w1", limit=1)
    await deliverer(engine, ledger, subs, pub).deliver(first)
    counts = await ledger.counts()
    assert (counts.by_state["gone"], counts.by_state["pending"]) == (2, 0)  # nothing left waiting forever


class CrashingSubscriptions(SubscriptionStore):
    """Deactivates as asked, then fails: as if the process died in the middle of the unit of work."""

    crashed = False

    async def deactivate_destination(self, destination: Destination, reason: str, tx: Any = None) -> int:
        await super().deactivate_destination(destination, reason, tx=tx)
        self.crashed = True
        raise RuntimeError("crash between two writes")


async def test_a_gone_destination_is_one_unit_of_work(engine: AsyncEngine) -> None:
    ledger, subs, ids = await setup(engine, n=1)
    await ledger.create("china-japan", DAY, ids)
    await ledger.create("china-japan", DAY - timedelta(days=1), ids)
    pub = RecordingPublisher()
    pub.fail = {"chat0": DestinationGone("Forbidden: bot was kicked")}
    [first] = await ledger.claim("w1", limit=1)
    crashing = CrashingSubscriptions(engine)
    await deliverer(engine, ledger, crashing, pub).deliver(first)  # the crash is logged; the row stays claimed
    assert crashing.crashed
    counts = await ledger.counts()
    assert (counts.by_state["sending"], counts.by_state["pending"], counts.by_state["gone"]) == (1, 1, 0)
    assert [s.active for s in await subs.all()] == [True]  # nothing half-done: the deactivation rolled back

    await deliverer(engine, ledger, subs, pub).deliver(first)
    counts = await ledger.counts()
    assert (counts.by_state["gone"], counts.by_state["pending"], counts.by_state["sending"]) == (2, 0, 0)
    [sub] = await subs.all()
    assert (sub.active, sub.deactivated_reason) == (False, "Forbidden: bot was kicked")


async def test_one_batch_writes_every_kind_of_part_record_where_the_claim_still_holds(engine: AsyncEngine) -> None:
    ledger, _, ids = await setup(engine, n=5)
    await ledger.create("china-japan", DAY, ids)
    mine = await ledger.claim("w1", limit=4)
    [other] = await ledger.claim("w2", limit=1)
    first, second, third, retried = (c.id for c in mine)
    async with engine.begin() as conn:  # an earlier attempt failed: its error stays until the delivery is sent
        await conn.execute(update(DeliveryRow).where(DeliveryRow.id.in_([third, retried])).values(last_error="timeout"))
    outcomes = await asyncio.gather(  # queued together: one batch, one statement
        ledger.announce(first, "w1", 1, ["m0"]),
        ledger.record_part(second, "w1", ["m0", "m1"]),
        ledger.mark_sent(third, "w1", ["m0", "m1", "m2"]),
        ledger.announce(retried, "w1", 0, []),
        ledger.mark_sent(other.id, "w1", ["x"]),  # not w1's: nothing written
    )
    assert outcomes == [True, True, True, True, False]
    await ledger.drain()
    async with engine.connect() as conn:
        rows = {
            r.id: (r.state, r.message_ids, r.sending_part, r.last_error)
            for r in await conn.execute(
                DeliveryRow.__table__.select().where(DeliveryRow.id.in_([first, second, third, retried, other.id]))
            )
        }
    assert rows == {
        first: ("sending", ["m0"], 1, None),
        second: ("sending", ["m0", "m1"], None, None),
        third: ("sent", ["m0", "m1", "m2"], None, None),
        retried: ("sending", [], 0, "timeout"),
        other.id: ("sending", [], None, None),
    }
    assert await ledger.recorded_parts(second, "w1") == ["m0", "m1"]
    assert await ledger.recorded_parts(other.id, "w1") is None


@pytest.mark.parametrize("transaction_windows", [0.0, 3.0])
async def test_writes_queued_during_a_long_transaction_wait_no_further_window(
    engine: AsyncEngine, transaction_windows: float
) -> None:
    """The gathering window runs from a batch's first write: a write queued while the last
    transaction ran waits only what is left of its window (none once the transaction outlasted it)."""
    _, _, ids = await setup(engine, n=2)
    window, now, sleeps = 5.0, [0.0], []

    async def sleep(seconds: float) -> None:  # virtual time: a sleep moves the clock on
        sleeps.append(seconds)
        now[0] += seconds
        await asyncio.sleep(0)

    ledger = DeliveryLedger(engine, write_window=window, timer=lambda: now[0], sleep=sleep)
    await ledger.create("china-japan", DAY, ids)
    first, second = (c.id for c in await ledger.claim("w1", limit=2))
    loop, queued = asyncio.get_running_loop(), []

    def lasts() -> None:
        now[0] += transaction_windows * window

    def queue_second() -> None:  # queued as the first batch's transaction starts, which then lasts a while
        queued.append(asyncio.ensure_future(ledger.announce(second, "w1", 0, [])))
        loop.call_soon(lasts)  # after the task's first step has queued its write

    def on_update(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE") and not queued:
            loop.call_soon_threadsafe(queue_second)

    event.listen(engine.sync_engine, "before_cursor_execute", on_update)
    try:
        assert await ledger.announce(first, "w1", 0, [])
        assert await queued[0]
    finally:
        await ledger.drain()  # the writer's connection is closed before the engine is
        event.remove(engine.sync_engine, "before_cursor_execute", on_update)
    assert sleeps == ([window] if transaction_windows > 1 else [window, window])
    assert await ledger.recorded_parts(second, "w1") == []


class HeldPublisher(RecordingPublisher):
    """One part per digest; every send waits for `go`, as sends wait for their slot at a rate limiter."""

    def __init__(self, expected: int) -> None:
        super().__init__()
        self.expected = expected
        self.waiting = 0
        self.all_waiting = asyncio.Event()
        self.go = asyncio.Event()

    def render(self, digest: Digest, destination: Destination) -> Sequence[Any]:
        return [0]

    async def send_part(self, destination: Destination, part: Any, sent: Sequence[str], key: str) -> str:
        self.waiting += 1
        if self.waiting == self.expected:
            self.all_waiting.set()
        await self.go.wait()
        return f"{destination.id}-{part}"


async def tracked_while_waiting(engine: AsyncEngine, ledger: DeliveryLedger, subs: SubscriptionStore, n: int) -> int:
    """The objects the garbage collector tracks while `n` deliveries wait to send (then they finish)."""
    day = DAY + timedelta(days=n)
    await SqlDigestStore(engine).save(digest(day))
    ids = [s.id for s in await subs.active_for_topic("china-japan")][:n]
    await ledger.create("china-japan", day, ids)
    pub = HeldPublisher(n)
    drain = asyncio.create_task(deliverer(engine, ledger, subs, pub, concurrency=n).drain())
    await pub.all_waiting.wait()
    gc.collect()
    tracked = len(gc.get_objects())
    pub.go.set()
    assert (await drain).handled == n
    return tracked


async def test_a_delivery_waiting_to_send_holds_few_objects_for_the_collector(engine: AsyncEngine) -> None:
    # At the paid-broadcast rate about a thousand deliveries wait for their slot at once, and every
    # garbage collection walks what they hold: its longest pauses grow with it (docs/delivery.md).
    # The core's share per waiting delivery: its task, context, coroutine, claim, destination, the
    # parts sent, the announcement and its context variable's token, and the publisher's own wait.
    # It was 24 (a coroutine per send, a context manager and a generator per announcement, lists,
    # a context copied for its done callback); 17 now.
    _, subs, _ = await setup(engine, n=450)
    ledger = DeliveryLedger(engine)
    await tracked_while_waiting(engine, ledger, subs, 10)  # caches warmed: compiled statements, pools
    few, many = (
        await tracked_while_waiting(engine, ledger, subs, 50),
        await tracked_while_waiting(engine, ledger, subs, 450),
    )
    per_delivery = (many - few) / 400
    assert per_delivery <= 19, per_delivery
