"""The Telegram bot: a PTB Application wired to the core, started and stopped in our own event loop."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from datetime import timedelta

from telegram import LinkPreviewOptions
from telegram.ext import Application, ApplicationBuilder, Defaults

from adapters.telegram.aiohttp_request import AiohttpRequest
from adapters.telegram.handlers import COMMANDS, TelegramCommands
from adapters.telegram.publisher import TelegramPublisher
from adapters.telegram.ratelimit import TelegramRateLimiter
from adapters.telegram.updates import PerChatUpdateProcessor
from digest_core.usecases.usecases import UseCases

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"


def build_application(
    token: str,
    usecases: UseCases,
    base_url: str = DEFAULT_BASE_URL,
    rate_limiter: TelegramRateLimiter | None = None,
    send_attempts: int = 3,
    send_backoff: float = 1.0,
    site_base_url: str | None = None,
    paid_broadcast: bool = False,
    shard: str = "",
) -> tuple[Application, TelegramPublisher]:
    """The Application with every command registered, and the publisher that shares its bot.
    `paid_broadcast` sends with `allow_paid_broadcast` and lets the limiter go to 1,000 msg/s.
    `shard` names this bot among several ("" the primary): subscriptions made through it record it.
    Updates of different chats are handled concurrently, each chat's in order (`PerChatUpdateProcessor`).
    """
    # Opt in to PTB 22's timedelta durations: the int form warns on every RetryAfter.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .rate_limiter(rate_limiter or TelegramRateLimiter.for_paid_broadcast(paid_broadcast))
        .defaults(Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .request(AiohttpRequest(connection_pool_size=64, pool_timeout=30.0))
        .get_updates_request(AiohttpRequest(connection_pool_size=1))  # one long poll at a time, as PTB's own
        .job_queue(None)  # scheduling belongs to bot/, not to PTB
        .concurrent_updates(PerChatUpdateProcessor())
        .build()
    )
    publisher = TelegramPublisher(
        app.bot,
        attempts=send_attempts,
        backoff=send_backoff,
        site_base_url=site_base_url,
        on_moved=usecases.destination_moved,
        paid_broadcast=paid_broadcast,
    )
    TelegramCommands(usecases, publisher, shard).register(app)
    return app, publisher


class TelegramBot:
    """Starts polling with `initialize()/start()/updater.start_polling()` and stops it cleanly;
    polling can also be started and stopped on its own (one process per token polls)."""

    def __init__(self, app: Application, poll_timeout: float = 10.0) -> None:
        self.app = app
        self.poll_timeout = poll_timeout

    async def start(self, poll: bool = True) -> None:
        """Connect and handle updates; with `poll`, also fetch them (`start_polling`)."""
        await self.app.initialize()
        await self.app.bot.set_my_commands(COMMANDS)
        await self.app.start()
        if poll:
            await self.start_polling()

    @property
    def polling(self) -> bool:
        return self.app.updater is not None and self.app.updater.running

    async def start_polling(self) -> None:
        """Fetch updates (getUpdates long polls) until `stop_polling`."""
        assert self.app.updater is not None
        if not self.app.updater.running:
            await self.app.updater.start_polling(timeout=timedelta(seconds=self.poll_timeout))
            log.info("Telegram bot @%s polling", self.app.bot.username)

    async def stop_polling(self) -> None:
        """Stop fetching updates (those fetched are confirmed, so the next poller does not get them again)."""
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
            log.info("Telegram bot @%s stopped polling", self.app.bot.username)

    async def stop(self) -> None:
        """Stop polling and close both of the bot's HTTP sessions, whatever state a start left."""
        try:
            if self.app.updater is not None and self.app.updater.running:
                await self.app.updater.stop()
            if self.app.running:
                await self.app.stop()
            await self.app.shutdown()
        finally:
            # A start that failed at getMe (a rejected token) leaves the Application uninitialized, so
            # its shutdown skips the bot; the bot's two sessions (calls, long poll) are open all the same.
            await self.app.bot.shutdown()
        log.info("Telegram bot stopped")


async def run_until_stopped(
    token: str,
    usecases: UseCases,
    base_url: str = DEFAULT_BASE_URL,
    site_base_url: str | None = None,
) -> None:
    """Run the Telegram bot alone until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    app, _ = build_application(token, usecases, base_url, site_base_url=site_base_url)
    bot = TelegramBot(app)
    try:
        await bot.start()
        await stop.wait()
    finally:
        await bot.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
