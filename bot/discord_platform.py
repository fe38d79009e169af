"""Discord as a platform of `digestbot run`: the gateway client answers slash commands, its
publisher delivers; for `digestbot publish` only the REST login is made."""

from __future__ import annotations

import asyncio
import contextlib

from adapters.discord.client import DigestBot, configure_endpoints, run_bot
from adapters.discord.publisher import DiscordPublisher
from bot.wiring import Core
from digest_core.errors import DiscordStartError

READY_TIMEOUT = 60.0


class DiscordPlatform:
    name = "discord"

    def __init__(self, core: Core) -> None:
        settings = core.settings
        assert settings.discord_bot_token is not None
        configure_endpoints(settings.discord_api_base_url, settings.discord_gateway_url)
        self._token = settings.discord_bot_token.get_secret_value()
        self.client = DigestBot(core.usecases, settings.discord_guild_id, site_base_url=settings.site_base_url)
        self.publisher: DiscordPublisher = self.client.publisher
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self, listen: bool = True) -> None:
        """With `listen`, connect to the gateway and return once READY (`DiscordStartError` when the
        token is refused or the connection ends first, or after `READY_TIMEOUT`)."""
        if self.client.is_closed():  # a start that failed before: reopen the same client
            self.client.clear()
        if not listen:
            await self.client.login(self._token)
            return
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(run_bot(self.client, self._token, self._stop))
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait({ready, self._task}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        if ready in done:
            return
        ready.cancel()
        if self._task in done:
            self._task.result()  # DiscordStartError for a refused token
            raise DiscordStartError("the Discord connection ended before it was ready")
        raise DiscordStartError(f"Discord was not ready within {READY_TIMEOUT:.0f} s")

    async def stop(self) -> None:
        if self._task is None:
            await self.client.close()
            return
        self._stop.set()
        with contextlib.suppress(DiscordStartError):
            await self._task
