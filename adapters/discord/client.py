"""The Discord client: slash commands synced on start, and a runner for `digestbot discord`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator
from typing import Any

import discord
import yarl
from discord import app_commands

from adapters.discord.commands import install_commands
from adapters.discord.publisher import NO_MENTIONS, REQUESTS_PER_SECOND, DiscordPublisher, WindowPace
from digest_core.errors import DiscordTokenRejected
from digest_core.usecases.usecases import UseCases

log = logging.getLogger(__name__)


def configure_endpoints(api_base_url: str, gateway_url: str) -> None:
    """Point discord.py at the configured REST API and gateway (a plain `Client` connects to
    `DiscordWebSocket.DEFAULT_GATEWAY`, not to the URL returned by `/gateway/bot`)."""
    # Patched class attributes, kept: discord.py 2.7 has no public option for either URL.
    discord.http.Route.BASE = api_base_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def current_endpoints() -> tuple[str, str]:
    """The REST base and gateway discord.py uses now (to restore them after tests)."""
    return discord.http.Route.BASE, str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)


class DigestBot(discord.Client):
    """A discord.py client that answers Digestbot's slash commands and publishes digests."""

    def __init__(
        self,
        usecases: UseCases,
        guild_id: int | None = None,
        site_base_url: str | None = None,
        **options: Any,
    ) -> None:
        """`options` go to `discord.Client` (e.g. `guild_ready_timeout`); with `site_base_url`,
        digests end with a link to their page on the site."""
        pace = WindowPace(REQUESTS_PER_SECOND)  # the global limit, for the publisher's and our own requests
        super().__init__(
            intents=discord.Intents(guilds=True), allowed_mentions=NO_MENTIONS, http_trace=pace.trace(), **options
        )
        self.guild_id = guild_id
        self.tree = app_commands.CommandTree(self)
        self.publisher = DiscordPublisher(self, pace, site_base_url=site_base_url)
        install_commands(self.tree, usecases, self.publisher.page_url)

    async def setup_hook(self) -> None:
        """Sync the commands: to one guild at once when configured, else globally (cached by Discord)."""
        if self.guild_id is not None:
            guild = discord.Object(self.guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d slash commands to guild %s", len(synced), self.guild_id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d slash commands globally", len(synced))

    async def on_ready(self) -> None:
        log.info("Discord bot ready as %s in %d guilds", self.user, len(self.guilds))


async def run_bot(client: DigestBot, token: str, stop: asyncio.Event) -> None:
    """Run `client` in this event loop until `stop` is set or the connection ends for good.
    `DiscordStartError` when Discord rejects the token."""
    async with client:
        runner = asyncio.create_task(client.start(token))
        stopper = asyncio.create_task(stop.wait())
        try:
            done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if runner in done:
                runner.result()
            else:
                log.info("stopping the Discord bot")
        except discord.LoginFailure:
            raise DiscordTokenRejected("Discord rejected the bot token: check DISCORD_BOT_TOKEN.") from None
        finally:
            stopper.cancel()
            await client.close()
            if not runner.done():
                runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, discord.LoginFailure):
                await runner


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """Set `stop` on SIGINT and SIGTERM while inside the block."""
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        yield
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
