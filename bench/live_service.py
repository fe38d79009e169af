"""`digestbot run` as a user meets it, on loopback fakes: the real composition root (`bot.app`,
`bot.runner`), Telegram and Discord connected through their real client libraries, Google News
served by its fake, all in this process's event loop.

The fakes enforce the platforms' own limits: Telegram 30 messages/s overall (answers 429 beyond),
Discord 50 requests/s (a global 429 beyond). They stamp when each command left them and when each
answer arrived, so latencies are measured from the platform's side.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from bench.fanout import LimitedDiscord, serve
from bot.app import Core, open_core
from bot.runner import Platform, Service, assemble, configured_platforms
from bot.settings import Settings
from digest_core.delivery.ports import Destination
from tests.fakes.google_news import GoogleNewsFake, fixture_items
from tests.fakes.telegram import TOKEN, FakeTelegram

DAY = date(2026, 2, 25)
NOW = datetime(2026, 2, 25, 12, tzinfo=UTC)  # the 2026-02-25 window has closed
TOPIC = "china-japan"
TELEGRAM_PER_SECOND = 30  # Telegram's overall broadcast limit per bot (REFERENCE.md)
DISCORD_PER_SECOND = 50  # Discord's global limit per bot
_TITLE = re.compile(rb"<title>(.*?)</title>", re.DOTALL)


class TimedTelegram(FakeTelegram):
    """The fake Bot API, also stamping when each update was handed to the bot by getUpdates."""

    def __init__(self) -> None:
        super().__init__(token=TOKEN, overall_limit=TELEGRAM_PER_SECOND)
        self.handed: dict[int, float] = {}

    async def _getUpdates(self, request: web.Request, params: dict[str, Any]) -> web.Response:
        response = await super()._getUpdates(request, params)
        now = time.monotonic()
        offset = int(params.get("offset") or 0)
        for update in self._updates:
            if update["update_id"] >= offset:
                self.handed.setdefault(update["update_id"], now)
        return response


class TimedDiscord(LimitedDiscord):
    """The fake Discord (50 requests/s), stamping each interaction's dispatch and follow-ups."""

    def __init__(self, channels: list[int]) -> None:
        super().__init__(channels)
        self.dispatched: dict[str, float] = {}
        self.answered: dict[str, list[float]] = defaultdict(list)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        if event == "INTERACTION_CREATE":
            self.dispatched[data["token"]] = time.monotonic()
        await super().dispatch(event, data)

    async def followup(self, request: web.Request) -> web.Response:
        self.answered[request.match_info["token"]].append(time.monotonic())
        return await super().followup(request)


def padded_items(per_outlet: int) -> dict[str, list[bytes]]:
    """Extra items per outlet (variants of its fixture headlines) to reach `per_outlet` items, as on
    a busy day (Google News returns at most about 100 items per query)."""
    extra: dict[str, list[bytes]] = {}
    for path in (GoogleNewsFake.fixtures / DAY.isoformat()).glob("*.xml"):
        site = path.stem
        items = fixture_items(site)
        extra[site] = [_variant(items[k % len(items)], k) for k in range(max(0, per_outlet - len(items)))]
    return extra


def _variant(item: bytes, k: int) -> bytes:
    return _TITLE.sub(lambda m: b"<title>" + m.group(1) + f" (report {k})".encode() + b"</title>", item, count=1)


@dataclass
class LiveService:
    core: Core
    service: Service
    platforms: list[Platform]
    news: GoogleNewsFake
    telegram: TimedTelegram
    discord: TimedDiscord
    chats: list[str] = field(default_factory=list)
    channels: list[int] = field(default_factory=list)


@asynccontextmanager
async def live_service(workdir: Path, chats: int, channels: int, per_outlet: int = 0) -> AsyncIterator[LiveService]:
    """The service running on the fakes with `chats` Telegram chats and `channels` Discord channels
    subscribed to the topic (nothing built or delivered yet)."""
    news = GoogleNewsFake(extra_items=padded_items(per_outlet))
    telegram = TimedTelegram()
    channel_ids = [930000000000000000 + i for i in range(channels)]
    discord = TimedDiscord(channel_ids)
    news_runner, news_port = await serve(news.app())
    tg_runner, tg_port = await serve(telegram.app())
    dc_runner, dc_port = await serve(discord.app())
    discord.port = dc_port
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=workdir / "data",
        google_news_base_url=f"http://127.0.0.1:{news_port}",
        fetch_backoff=0.01,
        telegram_bot_token=SecretStr(TOKEN),
        telegram_base_url=f"http://127.0.0.1:{tg_port}/bot",
        discord_bot_token=SecretStr(discord.bot_token),
        discord_api_base_url=discord.api_base,
        discord_gateway_url=discord.gateway_url,
        builds_per_user_per_hour=10_000,
        builds_per_hour=10_000,
    )
    try:
        async with open_core(settings) as core:
            core.digests.clock = lambda: NOW
            platforms = configured_platforms(core)
            service = assemble(core, platforms)
            chat_ids = [str(-1002000000000 - i) for i in range(chats)]
            for chat in chat_ids:
                await core.subscriptions.subscribe(Destination("telegram", chat), TOPIC)
            for cid in channel_ids:
                await core.subscriptions.subscribe(Destination("discord", str(cid)), TOPIC)
            started: list[Platform] = []
            try:
                for platform in platforms:
                    await platform.start()
                    started.append(platform)
                yield LiveService(core, service, started, news, telegram, discord, chat_ids, channel_ids)
            finally:
                for platform in reversed(started):
                    await platform.stop()
    finally:
        for runner in (dc_runner, tg_runner, news_runner):
            await runner.cleanup()
