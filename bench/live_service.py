"""`digestbot run` as a user meets it, on loopback fakes: the real composition root (`bot.wiring`,
`bot.runner`) in this process, Telegram and Discord connected through their real client libraries
to fakes served by another process (`bench.fake_platforms`), as the real platforms are remote.

The fakes enforce the platforms' own limits: Telegram 30 messages/s overall (answers 429 beyond),
Discord 50 requests/s (a global 429 beyond).
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from bench.fake_platforms import CHANNEL_BASE, FIXTURE_DAY
from bot.runner import Platform, Service, assemble, configured_platforms
from bot.settings import Settings
from bot.wiring import Core, open_core
from digest_core.delivery.ports import Destination
from testkit.fakes.telegram import TOKEN

DAY = FIXTURE_DAY
NOW = datetime(2026, 2, 25, 12, tzinfo=UTC)  # the 2026-02-25 window has closed
TOPIC = "china-japan"


class RemoteFakes:
    """The control API of `bench.fake_platforms`."""

    def __init__(self, ports: dict[str, Any]) -> None:
        self.ports = ports
        self._client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['control']}", timeout=300)

    async def telegram_commands(self, text: str, count: int, per_second: float, first_chat: int) -> list[float]:
        body = {"text": text, "count": count, "per_second": per_second, "first_chat": first_chat}
        return list((await self._client.post("/telegram/commands", json=body)).json())

    async def discord_commands(self, name: str, options: dict[str, str], count: int, per_second: float) -> list[float]:
        body = {"name": name, "options": options, "count": count, "per_second": per_second}
        return list((await self._client.post("/discord/commands", json=body)).json())

    async def deliveries(self) -> dict[str, Any]:
        return dict((await self._client.get("/deliveries")).json())

    async def stats(self) -> dict[str, int]:
        return dict((await self._client.get("/stats")).json())

    async def aclose(self) -> None:
        await self._client.aclose()


@asynccontextmanager
async def fake_platforms(channels: int, per_outlet: int, *options: str) -> AsyncIterator[RemoteFakes]:
    """`bench.fake_platforms` in a process of its own (`options`: its other command-line options)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.fake_platforms",
        "--channels",
        str(channels),
        "--per-outlet",
        str(per_outlet),
        *options,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    try:
        async with asyncio.timeout(60):
            line = await proc.stdout.readline()
        fakes = RemoteFakes(json.loads(line))
        try:
            yield fakes
        finally:
            await fakes.aclose()
    finally:
        proc.terminate()
        await proc.wait()


@dataclass
class LiveService:
    core: Core
    service: Service
    platforms: list[Platform]
    fakes: RemoteFakes


@asynccontextmanager
async def live_service(workdir: Path, chats: int, channels: int, per_outlet: int = 0) -> AsyncIterator[LiveService]:
    """The service running against the fakes with `chats` Telegram chats and `channels` Discord
    channels subscribed to the topic (nothing built or delivered yet)."""
    async with fake_platforms(channels, per_outlet) as fakes:
        ports = fakes.ports
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            data_dir=workdir / "data",
            google_news_base_url=f"http://127.0.0.1:{ports['news']}",
            fetch_backoff=0.01,
            telegram_bot_token=SecretStr(TOKEN),
            telegram_base_url=f"http://127.0.0.1:{ports['telegram']}/bot",
            discord_bot_token=SecretStr(ports["discord_token"]),
            discord_api_base_url=f"http://127.0.0.1:{ports['discord']}/api/v10",
            discord_gateway_url=f"ws://127.0.0.1:{ports['discord']}/gateway",
            builds_per_user_per_hour=10_000,
            builds_per_hour=10_000,
        )
        async with open_core(settings) as core:
            core.digests.clock = lambda: NOW
            platforms = configured_platforms(core)
            service = assemble(core, platforms)
            for k in range(chats):
                await core.subscriptions.subscribe(Destination("telegram", str(-1002000000000 - k)), TOPIC)
            for k in range(channels):
                await core.subscriptions.subscribe(Destination("discord", str(CHANNEL_BASE + k)), TOPIC)
            started: list[Platform] = []
            try:
                for platform in platforms:
                    await platform.start()
                    started.append(platform)
                gc.freeze()  # as `digestbot run` does once started
                yield LiveService(core, service, started, fakes)
            finally:
                for platform in reversed(started):
                    await platform.stop()
