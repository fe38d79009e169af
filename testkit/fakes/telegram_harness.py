"""Run the real Telegram adapter (PTB Application, core services) against `FakeTelegram`.

`TelegramHarness.run(update)` pushes an update through the fake's getUpdates and returns once the
Application has finished handling it: a handler in a later group marks each update done.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from adapters.telegram.bot import TelegramBot, build_application
from adapters.telegram.publisher import TelegramPublisher
from adapters.telegram.ratelimit import TelegramRateLimiter
from bot.settings import Settings
from bot.wiring import Core, open_core
from digest_core.usecases.service import DigestService
from testkit.fakes.telegram import FakeTelegram, Sent

NOW = datetime(2026, 2, 25, 12, 0, tzinfo=UTC)  # latest complete digest date: 2026-02-25


def fixed_core(core: Core, now: datetime = NOW) -> DigestService:
    """The core's digest service with a fixed clock (the fixture days are in the past)."""
    service = core.digests
    return DigestService(service.topics, service.source, service.summarizer, service.store, clock=lambda: now)


@asynccontextmanager
async def core_for_tests(tmp_path: Path, google_news_base: str) -> AsyncIterator[Core]:
    settings = Settings(
        data_dir=tmp_path / "data",
        google_news_base_url=google_news_base,
        fetch_backoff=0.01,
        fetch_timeout=2,
        publisher_links_interval=0,  # the fake decodes the fixture links at once
    )
    async with open_core(settings) as core:
        yield replace(core, digests=fixed_core(core))


@dataclass
class TelegramHarness:
    fake: FakeTelegram
    core: Core
    app: Application  # type: ignore[type-arg]
    publisher: TelegramPublisher
    _done: set[int]

    async def run(self, update: dict[str, Any]) -> list[Sent]:
        """Feed one update; the messages the bot sent while handling it."""
        before = len(self.fake.sent)
        update_id = self.fake.push(update)
        await self.fake.wait_for(lambda: update_id in self._done)
        return self.fake.sent[before:]


class VirtualTime:
    """A clock and sleep for the rate limiter: waits (pacing, `retry_after`) pass at once, in order."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


@asynccontextmanager
async def running_bot(
    fake: FakeTelegram, core: Core, limiter: TelegramRateLimiter | None = None, shard: str = ""
) -> AsyncIterator[TelegramHarness]:
    """The real Application polling the fake; unless `limiter` is given, its waits pass in virtual time."""
    if limiter is None:
        virtual = VirtualTime()
        limiter = TelegramRateLimiter(chat_interval=0.01, margin=0.0, clock=virtual.clock, sleep=virtual.sleep)
    async with fake.serve() as base_url:
        app, publisher = build_application(
            fake.token,
            core.usecases,
            base_url,
            rate_limiter=limiter,
            send_backoff=0.01,
            shard=shard,
        )
        done: set[int] = set()

        async def mark(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            done.add(update.update_id)

        app.add_handler(TypeHandler(Update, mark), group=1)
        bot = TelegramBot(app, poll_timeout=1)
        await bot.start()
        try:
            yield TelegramHarness(fake, core, app, publisher, done)
        finally:
            await bot.stop()
            await asyncio.sleep(0)


# Chats and users of the test scenarios.
ALICE = {"id": 111, "is_bot": False, "first_name": "Alice", "username": "alice"}
BOB = {"id": 222, "is_bot": False, "first_name": "Bob"}
PRIVATE = {"id": 111, "type": "private", "first_name": "Alice"}
GROUP = {"id": -500, "type": "group", "title": "News fans"}
FORUM = {"id": -100700, "type": "supergroup", "title": "Forum", "is_forum": True}
CHANNEL = {"id": -100900, "type": "channel", "title": "Daily Digest", "username": "dailydigest"}
