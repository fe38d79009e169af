"""Shards past one bot token's limit: several Telegram bot tokens, each destination served by the
bot it subscribed through, each bot with its own sender lock and rate limiter; tokens never in
logs or the database. Real PTB bots and rate limiters against two fake Bot APIs (one per token)."""

from __future__ import annotations

import asyncio
import logging
import os
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AsyncExitStack
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import ExtBot

from adapters.telegram.aiohttp_request import AiohttpRequest
from adapters.telegram.publisher import TelegramPublisher
from adapters.telegram.ratelimit import TelegramRateLimiter
from adapters.telegram.render import render_digest
from bot.logs import LoggingSetup
from bot.runner import assemble, configured_platforms, sender_locks
from bot.settings import Settings
from bot.telegram_platform import telegram_senders, token_shard
from bot.wiring import open_core
from digest_core.delivery.deliverer import Deliverer
from digest_core.delivery.ledger import DeliveryLedger
from digest_core.delivery.ports import Destination
from digest_core.delivery.sender_lock import SenderLock, lock_key, sender_lock
from digest_core.delivery.senders import sender_name, split_sender
from digest_core.delivery.subscriptions import SubscriptionStore
from digest_core.storage.digests import SqlDigestStore
from testkit.fakes.telegram import FakeTelegram
from testkit.fakes.telegram_harness import ALICE, CHANNEL, PRIVATE, core_for_tests, running_bot
from tests.test_sender_takeover import same_database, until
from tests.test_store import digest

DAY = date(2026, 2, 25)
TOKEN_A = "111111:AAAA-primary-Secr3t"
TOKEN_B = "222222:BBBB-shard-Secr3t"
SHARD_B = "222222"
PARTS = len(render_digest(digest(DAY)))


def test_a_shard_is_named_by_the_bot_id_never_the_tokens_secret() -> None:
    assert token_shard(TOKEN_B) == SHARD_B
    assert sender_name("telegram", SHARD_B) == "telegram@222222"
    assert split_sender("telegram@222222") == ("telegram", SHARD_B)
    assert split_sender("telegram") == ("telegram", "")
    key = lock_key(sender_name("telegram", SHARD_B), TOKEN_B)
    assert key.startswith("telegram@222222-") and "Secr3t" not in key


@given(st.text(min_size=1, max_size=80))
def test_a_shard_name_never_holds_a_tokens_secret_part(token: str) -> None:
    shard = token_shard(token)
    assert shard.isdigit() or (len(shard) == 12 and all(c in "0123456789abcdef" for c in shard))
    secret = token.partition(":")[2]
    if len(secret) >= 4:
        assert secret not in shard
    assert split_sender(sender_name("telegram", shard)) == ("telegram", shard)


def test_several_tokens_the_primary_first_each_once() -> None:
    settings = Settings(telegram_bot_token=TOKEN_A, telegram_bot_tokens=f" {TOKEN_B} ,{TOKEN_A}")
    assert settings.telegram_tokens() == [TOKEN_A, TOKEN_B]
    assert telegram_senders(settings) == {"telegram": TOKEN_A, "telegram@222222": TOKEN_B}
    alone = Settings(telegram_bot_tokens=f"{TOKEN_B},{TOKEN_A}")  # no TELEGRAM_BOT_TOKEN: the first is primary
    assert telegram_senders(alone) == {"telegram": TOKEN_B, "telegram@111111": TOKEN_A}
    assert set(settings.secrets()) >= {TOKEN_A, TOKEN_B}
    assert Settings(telegram_bot_token=TOKEN_A).telegram_tokens() == [TOKEN_A]  # one token works as before


def test_a_bad_token_in_the_list_is_named_by_its_place_not_shown() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(telegram_bot_tokens=f"{TOKEN_A},bad token-Secr3t")
    message = caught.value.errors()[0]["msg"]  # what `digestbot` prints of an invalid setting
    assert "token 2 of the list" in message and "a space" in message
    assert "Secr3t" not in message


async def test_two_tokens_make_two_telegram_platforms_with_their_own_locks_and_limiters(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", telegram_bot_token=TOKEN_A, telegram_bot_tokens=TOKEN_B, article_pages=False
    )
    async with open_core(settings) as core:
        platforms = configured_platforms(core)
        assert [p.name for p in platforms] == ["telegram", "telegram@222222"]
        limiters = [p.publisher.bot.rate_limiter for p in platforms]  # type: ignore[attr-defined]
        assert all(isinstance(limiter, TelegramRateLimiter) for limiter in limiters)
        assert limiters[0] is not limiters[1]  # each token is paced on its own
        locks = sender_locks(core, ["telegram", "telegram@222222"], "w")
        assert locks["telegram"].key == lock_key("telegram", TOKEN_A)  # the primary's lock as before sharding
        assert locks["telegram@222222"].key.startswith("telegram@222222-")
        for lock in locks.values():
            assert "Secr3t" not in lock.key and "111111:" not in lock.key
        service = assemble(core, platforms)
        assert set(service.deliverer.locks) == {"console", "telegram", "telegram@222222"}


def bot_for(token: str, base_url: str) -> ExtBot[Any]:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    request = AiohttpRequest(connection_pool_size=8, pool_timeout=30.0)
    return ExtBot(token, base_url=base_url, rate_limiter=TelegramRateLimiter(), request=request)


async def subscribe_split(engine: AsyncEngine, chats: int) -> dict[str, str]:
    """A digest and `chats` private chats, every other one subscribed through bot B; chat -> shard."""
    await SqlDigestStore(engine).save(digest(DAY))
    subs = SubscriptionStore(engine)
    shards = {str(1000 + i): (SHARD_B if i % 2 else "") for i in range(chats)}
    for chat, shard in shards.items():
        await subs.subscribe(Destination("telegram", chat, via=shard), "china-japan")
    assert await DeliveryLedger(engine).queue_topic("china-japan", DAY) == chats
    return shards


@pytest.fixture
async def two_bots() -> AsyncIterator[dict[str, tuple[FakeTelegram, str]]]:
    """A fake Bot API per token (each answers 401 to any other token), each at one token's limit."""
    fakes = {"": FakeTelegram(token=TOKEN_A, overall_limit=30), SHARD_B: FakeTelegram(token=TOKEN_B, overall_limit=30)}
    async with AsyncExitStack() as stack:
        yield {shard: (fake, await stack.enter_async_context(fake.serve())) for shard, fake in fakes.items()}


async def test_each_chat_gets_its_parts_through_its_shards_token_only(
    engine: AsyncEngine,
    two_bots: dict[str, tuple[FakeTelegram, str]],
    caplog: pytest.LogCaptureFixture,
    production_logging: Callable[[str, Iterable[str]], LoggingSetup],
) -> None:
    """Two instances: each first takes one shard's sender lock, so both send at once, each for its
    own token, and neither can take the other's lock while it is held."""
    production_logging("DEBUG", [TOKEN_A, TOKEN_B])  # as the service starts: both tokens registered
    caplog.set_level(logging.DEBUG)
    shards = await subscribe_split(engine, 24)
    engines = [await same_database(engine, f"shards-{i}") for i in range(2)]
    names = {"": "telegram", SHARD_B: "telegram@222222"}
    tokens = {"": TOKEN_A, SHARD_B: TOKEN_B}
    bots = [{s: bot_for(tokens[s], two_bots[s][1]) for s in names} for _ in engines]
    deliverers = []
    for i, (own, mine) in enumerate(zip(engines, bots, strict=True)):
        for bot in mine.values():
            await bot.initialize()
        locks: dict[str, SenderLock] = {
            names[s]: sender_lock(own, lock_key(names[s], tokens[s]), f"instance-{i}") for s in names
        }
        publishers = {names[s]: TelegramPublisher(bot) for s, bot in mine.items()}
        stores = DeliveryLedger(own), SqlDigestStore(own), SubscriptionStore(own)
        deliverers.append(Deliverer(*stores, publishers, f"instance-{i}", locks=locks))
    # Instance 0 holds the primary's lock, instance 1 the shard's: the locks are independent.
    assert await deliverers[0].locks["telegram"].acquire()
    assert await deliverers[1].locks["telegram@222222"].acquire()
    assert not await deliverers[1].locks["telegram"].acquire()
    assert not await deliverers[0].locks["telegram@222222"].acquire()
    stop = asyncio.Event()
    running = [asyncio.create_task(d.run_forever(stop, poll=0.2)) for d in deliverers]
    try:
        await until(lambda: _all_sent(engine, len(shards)), within=60)
        assert deliverers[0].is_sender("telegram") and not deliverers[0].is_sender("telegram@222222")
        assert deliverers[1].is_sender("telegram@222222") and not deliverers[1].is_sender("telegram")
    finally:
        stop.set()
        await asyncio.gather(*running)
        for mine in bots:
            for bot in mine.values():
                await bot.shutdown()
        for own in engines:
            await own.dispose()
    for shard, (fake, _) in two_bots.items():
        got = Counter(s.chat_id for s in fake.sent)
        assert got == {chat: PARTS for chat, s in shards.items() if s == shard}  # its chats, each part once
        assert fake.too_many == 0
        assert all(call.status == 200 for call in fake.calls)  # no request came with the other token
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT shard, claimed_by FROM deliveries"))).all()
    assert {(shard, by) for shard, by in rows} == {("", "instance-0"), (SHARD_B, "instance-1")}
    await assert_no_token_stored(engine)
    for token in (TOKEN_A, TOKEN_B):
        assert token not in caplog.text and token.partition(":")[2] not in caplog.text


async def _all_sent(engine: AsyncEngine, count: int) -> bool:
    async with engine.connect() as conn:
        return int(await conn.scalar(text("SELECT count(*) FROM deliveries WHERE state = 'sent'")) or 0) == count


async def assert_no_token_stored(engine: AsyncEngine) -> None:
    """No token, nor its secret part, in any row of any table."""
    async with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            tables = (await conn.scalars(text(query))).all()
        else:
            tables = (await conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'table'"))).all()
        for table in tables:
            dump = repr((await conn.execute(text(f'SELECT * FROM "{table}"'))).all())
            for token in (TOKEN_A, TOKEN_B):
                assert token.partition(":")[2] not in dump, table


async def test_a_subscription_through_a_shards_bot_records_that_shard(tmp_path: Path, news: str) -> None:
    fake = FakeTelegram(token=TOKEN_B)
    fake.add_chat(CHANNEL, admins={111: "creator", fake.bot_id: "administrator"})
    async with core_for_tests(tmp_path, news) as core, running_bot(fake, core, shard=SHARD_B) as harness:
        await harness.run(fake.command("/subscribe china-japan", PRIVATE, sender=ALICE))
        await harness.run(fake.command("/subscribe china-japan @dailydigest", PRIVATE, sender=ALICE))
        subs = await core.subscriptions.all()
    assert {(s.destination.id, s.destination.via) for s in subs} == {("111", SHARD_B), (str(CHANNEL["id"]), SHARD_B)}
    # the deliveries queued for them go to that shard's sender
    async with core_for_tests(tmp_path, news) as core:
        await SqlDigestStore(core.engine).save(digest(DAY))
        assert await core.ledger.queue_topic("china-japan", DAY) == 2
        claimed = await core.ledger.claim("w", shard=SHARD_B)
        assert await core.ledger.claim("w", shard="") == []
    assert {c.destination.via for c in claimed} == {SHARD_B} and len(claimed) == 2


def test_the_command_line_subscribes_a_chat_through_a_named_bot(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    runner = CliRunner()
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN_A)
    monkeypatch.setenv("TELEGRAM_BOT_TOKENS", TOKEN_B)
    for args in (
        ["-1001", "china-japan", "--bot", SHARD_B],
        ["-1002", "china-japan", "--bot", "111111"],
        ["-1003", "china-japan"],
    ):
        result = runner.invoke(app, ["subscribe", "telegram", *args])
        assert result.exit_code == 0, result.output
    listed = runner.invoke(app, ["subscriptions"]).stdout
    assert "telegram:-1001\tchina-japan\tactive\tvia bot 222222\n" in listed
    assert "telegram:-1002\tchina-japan\tactive\n" in listed  # the primary bot's id: the primary
    assert "telegram:-1003\tchina-japan\tactive\n" in listed
    refused = runner.invoke(app, ["subscribe", "telegram", "-1004", "china-japan", "--bot", "999\n"])
    assert refused.exit_code == 2
    assert refused.stderr.strip() == "error: no configured Telegram bot has the id '999\\n'; configured: 111111, 222222"
    wrong = runner.invoke(app, ["subscribe", "discord", "123456789012345678", "china-japan", "--bot", SHARD_B])
    assert wrong.exit_code == 2 and "--bot is for Telegram destinations only" in wrong.stderr
    for result in (refused, wrong):
        assert "Secr3t" not in result.output + result.stderr
