"""Telegram as a platform of `digestbot run`: its bot polls for commands, its publisher delivers."""

from __future__ import annotations

from adapters.telegram.bot import TelegramBot, build_application
from adapters.telegram.publisher import TelegramPublisher
from bot.app import Core


class TelegramPlatform:
    name = "telegram"

    def __init__(self, core: Core) -> None:
        token = core.settings.telegram_bot_token
        assert token is not None
        app, publisher = build_application(
            token.get_secret_value(),
            core.usecases,
            core.settings.telegram_base_url,
            site_base_url=core.settings.site_base_url,
            paid_broadcast=core.settings.telegram_paid_broadcast,
        )
        self.publisher: TelegramPublisher = publisher
        self._app = app
        self._bot = TelegramBot(app)

    async def start(self, listen: bool = True) -> None:
        if listen:
            await self._bot.start()
        else:
            await self._app.initialize()

    async def stop(self) -> None:
        await self._bot.stop()
