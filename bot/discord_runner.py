"""`digestbot discord`: the Discord bot alone, in our own event loop, until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import logging

from adapters.discord.client import DigestBot, configure_endpoints, run_bot, stop_on_signals
from bot.settings import Settings
from bot.wiring import open_core
from digest_core.errors import DiscordStartError
from digest_core.topics import Topics

log = logging.getLogger(__name__)

MISSING_TOKEN_MESSAGE = "DISCORD_BOT_TOKEN is not set: the Discord bot does not start."  # noqa: S105 - a message, not a secret


async def run_discord(settings: Settings, topics: Topics | None = None, stop: asyncio.Event | None = None) -> None:
    """Open the core, connect to Discord and serve slash commands until stopped (SIGINT, SIGTERM
    or `stop`). `DiscordStartError` without a token or when Discord rejects it."""
    if settings.discord_bot_token is None:
        raise DiscordStartError(MISSING_TOKEN_MESSAGE)
    configure_endpoints(settings.discord_api_base_url, settings.discord_gateway_url)
    stop = stop or asyncio.Event()
    async with open_core(settings, topics) as core:
        client = DigestBot(core.usecases, settings.discord_guild_id, site_base_url=settings.site_base_url)
        with stop_on_signals(stop):
            await run_bot(client, settings.discord_bot_token.get_secret_value(), stop)
    log.info("Discord bot stopped")
