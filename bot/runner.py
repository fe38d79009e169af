"""`digestbot run`: every configured adapter, the scheduler and the deliverer in one asyncio loop."""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from adapters.console import ConsolePublisher
from adapters.site_pages import page_writer
from bot.app import Core, open_core
from bot.scheduler import DigestScheduler
from bot.settings import Settings
from digest_core.delivery.deliverer import Deliverer, worker_id
from digest_core.delivery.ports import PartPublisher
from digest_core.delivery.publication import Publication
from digest_core.topics import Topics
from digest_core.workers import stop_worker_process, use_worker_process

log = logging.getLogger(__name__)

SHUTDOWN_GRACE = 30.0  # seconds for in-flight deliveries to finish before they are cancelled
GIL_SWITCH_INTERVAL = 0.001  # seconds; Python's default is 0.005


def prefer_the_loop() -> None:
    """Keep CPU work away from the event loop, so that commands are answered while a digest is built:
    parsing, selection, pages and charts in a worker process; what still runs in threads (SQLite,
    small files) hands the interpreter lock back to the loop within 1 ms instead of 5."""
    use_worker_process()
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)


class Platform(Protocol):
    """A running chat platform: commands in, the publisher the deliverer sends through."""

    name: str

    @property
    def publisher(self) -> PartPublisher: ...

    async def start(self, listen: bool = True) -> None:
        """Connect; with `listen`, also receive commands (else only send, for `digestbot publish`)."""
        ...

    async def stop(self) -> None: ...


@dataclass
class Service:
    """The parts of a running service, exposed for `digestbot status` and for tests."""

    core: Core
    publication: Publication
    deliverer: Deliverer
    scheduler: DigestScheduler
    platforms: list[Platform] = field(default_factory=list)


def configured_platforms(core: Core) -> list[Platform]:
    """The platforms whose tokens are set; each missing one is reported once."""
    settings = core.settings
    platforms: list[Platform] = []
    if settings.telegram_bot_token is None:
        log.info("Telegram: TELEGRAM_BOT_TOKEN not set, adapter not started")
    else:
        from adapters.telegram.service import TelegramPlatform

        platforms.append(TelegramPlatform(core))
    if settings.discord_bot_token is None:
        log.info("Discord: DISCORD_BOT_TOKEN not set, adapter not started")
    else:
        from adapters.discord.service import DiscordPlatform

        platforms.append(DiscordPlatform(core))
    return platforms


def assemble(core: Core, platforms: list[Platform]) -> Service:
    settings = core.settings
    worker = worker_id()
    publishers: dict[str, PartPublisher] = {"console": ConsolePublisher()}
    publishers |= {p.name: p.publisher for p in platforms}
    publication = Publication(
        core.digests,
        core.subscriptions,
        core.ledger,
        page_writer(settings.content_path, core.digests.store),
        worker,
    )
    deliverer = Deliverer(
        core.ledger,
        core.digests.store,
        core.subscriptions,
        publishers,
        worker,
        max_attempts=settings.delivery_max_attempts,
        backoff=timedelta(seconds=settings.delivery_backoff),
        concurrency=settings.delivery_concurrency,
    )
    scheduler = DigestScheduler(core.topics, publication, grace=timedelta(hours=settings.catch_up_grace_hours))
    return Service(core, publication, deliverer, scheduler, platforms)


async def run_service(settings: Settings, stop: asyncio.Event, topics: Topics | None = None) -> None:
    """Run until `stop` is set: platforms, scheduler (with catch-up) and deliverer.

    On stop, no new delivery is claimed; those in progress get `SHUTDOWN_GRACE` seconds to finish
    (each acknowledged part is recorded as it goes, so a cancelled one resumes after its lease).
    """
    prefer_the_loop()
    async with open_core(settings, topics) as core:
        service = assemble(core, configured_platforms(core))
        started: list[Platform] = []
        delivering: asyncio.Task[None] | None = None
        try:
            for platform in service.platforms:
                await platform.start()
                started.append(platform)
            service.scheduler.start()
            delivering = asyncio.create_task(service.deliverer.run_forever(stop, poll=1.0))
            await service.scheduler.catch_up()
            log.info("digestbot running (%s); Ctrl-C stops", ", ".join(["console", *(p.name for p in started)]))
            if not await core.subscriptions.all():
                log.info(
                    "no subscriptions yet: digests are archived and written as pages to %s; "
                    "add destinations with `digestbot subscribe PLATFORM DESTINATION TOPIC`",
                    core.settings.content_path,
                )
            await stop.wait()
        finally:
            stop.set()
            service.scheduler.shutdown()
            if delivering is not None:
                try:
                    await asyncio.wait_for(delivering, SHUTDOWN_GRACE)
                except TimeoutError:
                    log.warning("deliveries still in progress after %.0f s were cancelled", SHUTDOWN_GRACE)
            for platform in reversed(started):
                await platform.stop()
            stop_worker_process()
            log.info("digestbot stopped")
