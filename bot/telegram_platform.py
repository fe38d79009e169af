"""Telegram as a platform of `digestbot run`: one per bot token (shard). Its bot answers commands
(polling when this instance is the bot's poller, `bot/updates_role.py`), its publisher delivers."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
from collections.abc import Callable

from adapters.telegram.bot import TelegramBot, build_application
from adapters.telegram.publisher import PLATFORM, TelegramPublisher
from bot.settings import Settings
from bot.updates_role import UpdatesRole
from bot.wiring import Core
from digest_core.delivery.sender_lock import SenderLock
from digest_core.delivery.senders import sender_name, split_sender

_BOT_ID = re.compile(r"^(\d{1,20}):")


def token_shard(token: str) -> str:
    """A shard's name for a bot token: the bot's id (the public part before the colon, the bot's
    user id), else a hash of the token. Never the token's secret part."""
    found = _BOT_ID.match(token)
    return found.group(1) if found else hashlib.sha256(token.encode()).hexdigest()[:12]


def telegram_senders(settings: Settings) -> dict[str, str]:
    """Sender name -> token: the primary bot as `telegram`, each other bot as `telegram@<bot id>`."""
    tokens = settings.telegram_tokens()
    return {sender_name(PLATFORM, token_shard(t) if i else ""): t for i, t in enumerate(tokens)}


class TelegramPlatform:
    def __init__(self, core: Core, token: str, name: str = PLATFORM) -> None:
        """The bot of `token`, as sender `name` (`telegram`, or `telegram@<bot id>` for a shard)."""
        self.name = name
        app, publisher = build_application(
            token,
            core.usecases,
            core.settings.telegram_base_url,
            site_base_url=core.settings.site_base_url,
            paid_broadcast=core.settings.telegram_paid_broadcast,
            shard=split_sender(name)[1],
        )
        self.publisher: TelegramPublisher = publisher
        self._app = app
        self._bot = TelegramBot(app)
        self._role: UpdatesRole | None = None
        self._turns: asyncio.Task[None] | None = None

    def take_turns(self, lock: SenderLock, is_sender: Callable[[], bool]) -> None:
        """Poll only when this instance is the bot's poller (one getUpdates consumer per token)."""
        self._role = UpdatesRole(lock, is_sender, self._bot, lock.worker)

    async def start(self, listen: bool = True) -> None:
        if not listen:
            await self._app.initialize()
            return
        await self._bot.start(poll=self._role is None)
        if self._role is not None and self._turns is None:
            self._turns = asyncio.create_task(self._role.run(), name=f"{self.name} poller")

    async def stop(self) -> None:
        if self._turns is not None:
            self._turns.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._turns
            self._turns = None
        await self._bot.stop()
