"""The sender lock (one sender per platform token), the claim index and set-based claims, and
Telegram's opt-in paid broadcast."""

from __future__ import annotations

import asyncio
import os
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.telegram.publisher import TelegramPublisher
from adapters.telegram.ratelimit import TelegramRateLimiter
from digest_core.clock import clock_starting_at
from digest_core.delivery.deliverer import Deliverer
from digest_core.delivery.ledger import DeliveryLedger
from digest_core.delivery.ports import Destination
from digest_core.delivery.sender_lock import lock_key, sender_lock
from digest_core.storage.digests import SqlDigestStore
from testkit.fakes.telegram import TOKEN, FakeTelegram
from tests.test_delivery import RecordingPublisher, setup
from tests.test_sender_takeover import same_database

DAY = date(2026, 2, 25)
START = datetime.fromisoformat("2026-02-25T05:00:00+00:00")


def test_a_lock_key_names_the_platform_not_the_token() -> None:
    key = lock_key("telegram", TOKEN)
    assert key.startswith("telegram-") and TOKEN not in key and TOKEN.split(":")[1] not in key
    assert key == lock_key("telegram", TOKEN) != lock_key("telegram", TOKEN + "x")


async def test_one_holder_at_a_time_and_the_next_takes_over(engine: AsyncEngine) -> None:
    a, b = (sender_lock(engine, "telegram-abc", w) for w in ("host:1", "host:2"))
    other = sender_lock(engine, "discord-abc", "host:2")
    assert await a.acquire()
    assert await a.acquire()  # held: asking again is cheap and true
    assert not await b.acquire()
    assert await b.holder() == "host:1"
    assert await other.acquire()  # another token's lock is independent
    await a.release()
    assert await b.holder() is None
    assert await b.acquire()
    assert await a.holder() == "host:2"
    assert not await a.acquire()
    await b.release()
    await other.release()


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
async def test_a_postgres_lock_dies_with_its_connection(engine: AsyncEngine) -> None:
    holder_engine = await same_database(engine, "lock-holder")
    a = sender_lock(holder_engine, "telegram-dies", "worker-a")
    b = sender_lock(engine, "telegram-dies", "worker-b")
    try:
        assert await a.acquire()
        assert not await b.acquire()
        async with engine.connect() as conn:
            await conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE '%worker-a'")
            )
        assert await b.acquire()  # at once: no lease, no timeout
        assert not await a.acquire()  # a notices it lost the lock
        assert await a.holder() == "worker-b"
    finally:
        await b.release()
        await a.release()
        await holder_engine.dispose()


async def test_claims_are_per_platform_and_use_the_claim_index(engine: AsyncEngine) -> None:
    ledger, subs, _ = await setup(engine, n=3)
    await subs.subscribe(Destination("telegram", "-100"), "china-japan")
    await ledger.create("china-japan", DAY, [s.id for s in await subs.active_for_topic("china-japan")])
    claimed = await ledger.claim("w", limit=10, platforms=["telegram"])
    assert [c.destination for c in claimed] == [Destination("telegram", "-100")]
    query = (
        "SELECT id FROM deliveries WHERE platform = 'fake' AND shard = '' AND state = 'pending' "
        "AND next_attempt_at <= CURRENT_TIMESTAMP ORDER BY id LIMIT 64"
    )
    async with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text("SET enable_seqscan = off"))  # would the index serve the claim?
            plan = "\n".join((await conn.scalars(text(f"EXPLAIN {query}"))).all())
        else:
            plan = "\n".join(str(row[-1]) for row in await conn.execute(text(f"EXPLAIN QUERY PLAN {query}")))
    assert "ix_deliveries_claim" in plan
    assert "SORT" not in plan.upper()  # rows come in id order from the index: no sort of every pending row


async def test_take_over_makes_a_dead_senders_claims_due_at_once(engine: AsyncEngine) -> None:
    clock = clock_starting_at(START)
    ledger, subs, ids = await setup(engine, n=2)
    ledger = DeliveryLedger(engine, lease=timedelta(hours=1), clock=clock)
    await ledger.create("china-japan", DAY, ids)
    [first, _] = await ledger.claim("dead", limit=2)
    assert await ledger.record_part(first.id, "dead", ["chat0-0"])
    assert await ledger.claim("alive") == []  # the lease has an hour to run
    assert await ledger.take_over("fake", "alive") == 2
    pub = RecordingPublisher()
    d = Deliverer(ledger, SqlDigestStore(engine), subs, {"fake": pub}, "alive", backoff=timedelta(0))
    report = await d.drain()
    assert report.handled == 2 and report.elsewhere == {}
    assert sorted(pub.sent) == [("chat0", 1), ("chat0", 2), ("chat1", 0), ("chat1", 1), ("chat1", 2)]


async def test_drain_leaves_a_platform_to_the_process_holding_its_lock(engine: AsyncEngine) -> None:
    ledger, subs, ids = await setup(engine, n=2)
    await ledger.create("china-japan", DAY, ids)
    service = sender_lock(engine, "fake-token", "service:1")
    assert await service.acquire()
    pub = RecordingPublisher()
    cli = Deliverer(
        ledger,
        SqlDigestStore(engine),
        subs,
        {"fake": pub},
        "cli:2",
        locks={"fake": sender_lock(engine, "fake-token", "cli:2")},
    )
    report = await cli.drain()
    assert report.elsewhere == {"fake": "service:1"}
    assert pub.sent == [] and await ledger.pending_count() == 2  # queued for the running service
    await service.release()
    assert (await cli.drain()).handled == 2
    assert len(pub.sent) == 6
    await cli.release()


async def test_paid_broadcast_sends_beyond_the_free_limit_without_429s() -> None:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    from telegram.ext import ExtBot

    from adapters.telegram.aiohttp_request import AiohttpRequest

    fake = FakeTelegram(overall_limit=30)
    async with fake.serve() as base_url:
        for paid in (False, True):
            limiter = TelegramRateLimiter.for_paid_broadcast(paid)
            assert limiter.overall_per_second == (1000 if paid else 30)
            request = AiohttpRequest(connection_pool_size=64)
            bot = ExtBot(TOKEN, base_url=base_url, rate_limiter=limiter, request=request)
            await bot.initialize()
            publisher = TelegramPublisher(bot, paid_broadcast=paid)
            before = fake.too_many
            try:
                chats = [Destination("telegram", str(500 + i)) for i in range(45)]
                await asyncio.gather(*(publisher.send_parts(["hi"], chat) for chat in chats))
            finally:
                await bot.shutdown()
            sends = fake.methods("sendMessage")[-45:]
            assert all(c.params.get("allow_paid_broadcast") is (True if paid else None) for c in sends)
            fake.calls.clear()
        assert fake.too_many == before  # the paid sends: none refused
        paid_times = sorted(s.at for s in fake.sent[-45:])
        assert max(b - a for a, b in zip(paid_times, paid_times[30:], strict=False)) < 1.0  # > 30 in a second
    assert len(fake.sent) == 90


async def test_queue_topic_queues_active_subscriptions_in_one_statement(engine: AsyncEngine) -> None:
    ledger, subs, _ = await setup(engine, n=3)
    await subs.subscribe(Destination("telegram", "-100"), "china-japan")
    await subs.deactivate_destination(Destination("fake", "chat1"), "Forbidden")
    assert await ledger.queue_topic("china-japan", DAY) == 3
    assert await ledger.queue_topic("china-japan", DAY) == 0  # unique per subscription and day
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT platform, state FROM deliveries ORDER BY id"))).all()
    assert [tuple(r) for r in rows] == [("fake", "pending"), ("fake", "pending"), ("telegram", "pending")]
    claimed = await ledger.claim("w", limit=10, platforms=["fake"])
    assert sorted(c.destination.id for c in claimed) == ["chat0", "chat2"]
