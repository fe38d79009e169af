"""`digestbot run`: every configured adapter, the scheduler and the deliverer in one asyncio loop."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any, Protocol

from adapters.console import ConsolePublisher
from adapters.site_pages import page_writer
from bot.scheduler import DigestScheduler
from bot.settings import Settings
from bot.supervisor import PlatformSupervisor
from bot.wiring import Core, open_core
from digest_core.dates import next_publish_time
from digest_core.delivery.deliverer import Deliverer, worker_id
from digest_core.delivery.ports import PartPublisher
from digest_core.delivery.publication import Publication
from digest_core.delivery.sender_lock import SenderLock, lock_key, sender_lock
from digest_core.errors import WritesRefused
from digest_core.plural import plural
from digest_core.topics import Topics
from digest_core.workers import WORKER_IDLE_MINUTES, stop_worker_process, use_worker_process

log = logging.getLogger(__name__)

SHUTDOWN_GRACE = 30.0  # seconds for in-flight deliveries to finish before they are cancelled
GIL_SWITCH_INTERVAL = 0.001  # seconds; Python's default is 0.005
# The collector's thresholds, measured (docs/delivery.md, "What the garbage collector walks"):
# at the paid rate a thousand deliveries are in flight for about a second each (25 tracked
# objects apiece), and a collection of a generation that holds them walks them all (tens of
# thousands of objects, 10-20 ms). So young collections every 1,000 allocations (Python: 700)
# and one of generation 1 every third: what outlives a fraction of a second reaches the oldest
# generation, which only full collections walk, and those are rare: one per 1,000 of generation
# 1 (Python: 10), a few million allocations (none in a 100,000 paid broadcast). With (10,000, 50,
# 100) a young collection came every second or more, after the deliveries in flight had turned
# over, and walked them all every time.
GC_THRESHOLDS = (1_000, 2, 1_000)


def settle_collector() -> None:
    """Once started: start-up objects leave the collector's view (shorter full collections mid
    fan-out), and collections run at `GC_THRESHOLDS`."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


@asynccontextmanager
async def prefer_the_loop(idle_minutes: float = WORKER_IDLE_MINUTES) -> AsyncIterator[None]:
    """Keep CPU work away from the event loop, so that commands are answered while a digest is built:
    parsing, selection, pages and charts in a worker process (started by the first build, ended
    after `idle_minutes` without one, and on exit); what still runs in threads (SQLite, small files)
    hands the interpreter lock back to the loop within 1 ms instead of 5."""
    try:
        use_worker_process(idle_minutes * 60)
        sys.setswitchinterval(GIL_SWITCH_INTERVAL)
        yield
    finally:
        stop_worker_process()


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
    """The platforms whose tokens are set (a Telegram platform per bot token); each missing one is
    reported once."""
    settings = core.settings
    platforms: list[Platform] = []
    if not settings.telegram_tokens():
        log.debug("Telegram: TELEGRAM_BOT_TOKEN not set, adapter not started")
    else:
        # lazy: idle memory: a platform's library only when it is configured
        from bot.telegram_platform import TelegramPlatform, telegram_senders

        platforms += [TelegramPlatform(core, token, name) for name, token in telegram_senders(settings).items()]
    if settings.discord_bot_token is None:
        log.debug("Discord: DISCORD_BOT_TOKEN not set, adapter not started")
    else:
        # lazy: idle memory: a platform's library only when it is configured
        from bot.discord_platform import DiscordPlatform

        platforms.append(DiscordPlatform(core))
    return platforms


def sender_tokens(settings: Settings) -> dict[str, str]:
    """Sender name (a platform, or a Telegram shard) -> its bot token, for every token set."""
    tokens: dict[str, str] = {}
    if settings.telegram_tokens():
        # lazy: idle memory: a platform's library only when it is configured
        from bot.telegram_platform import telegram_senders

        tokens |= telegram_senders(settings)
    if settings.discord_bot_token is not None:
        tokens["discord"] = settings.discord_bot_token.get_secret_value()
    return tokens


def sender_locks(core: Core, senders: list[str], worker: str) -> dict[str, SenderLock]:
    """One lock per bot token (named by the sender and a hash of the token, never the token),
    shared by every process on this database: whoever holds it sends that sender's deliveries."""
    tokens = sender_tokens(core.settings)
    return {name: sender_lock(core.engine, lock_key(name, tokens.get(name)), worker) for name in senders}


def take_turns_polling(core: Core, deliverer: Deliverer, platforms: list[Platform]) -> None:
    """Platforms that allow one update consumer per token (Telegram) poll on one instance: the
    standby when there is one, else the sender (`bot/updates_role.py`)."""
    tokens = sender_tokens(core.settings)
    for platform in platforms:
        take_turns = getattr(platform, "take_turns", None)
        if take_turns is not None:
            key = lock_key(platform.name, tokens.get(platform.name)) + "-updates"
            take_turns(sender_lock(core.engine, key, deliverer.worker), partial(deliverer.is_sender, platform.name))


def assemble(core: Core, platforms: list[Platform]) -> Service:
    settings = core.settings
    worker = worker_id()
    publishers: dict[str, PartPublisher] = {"console": ConsolePublisher(site_base_url=settings.site_base_url)}
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
        resend_in_doubt=settings.delivery_resend_in_doubt,
        locks=sender_locks(core, list(publishers), worker),
    )
    take_turns_polling(core, deliverer, platforms)
    scheduler = DigestScheduler(
        core.topics, publication, grace=timedelta(hours=settings.catch_up_grace_hours), clock=core.digests.clock
    )
    return Service(core, publication, deliverer, scheduler, platforms)


async def next_posts(service: Service) -> list[str]:
    """One line per topic: when its next post goes out, and to how many destinations."""
    lines = []
    now = service.core.digests.clock()
    for topic in service.core.topics:
        count = len(await service.core.subscriptions.active_for_topic(topic.id))
        at = next_publish_time(topic, now).strftime("%Y-%m-%d %H:%M UTC")
        hint = f" (add one: digestbot subscribe PLATFORM DESTINATION {topic.id})" if count == 0 else ""
        lines.append(f"{topic.id}: next post {at} to {plural(count, 'destination')}{hint}")
    return lines


async def announce(service: Service) -> None:
    """Start-up: the latest day archived (or published, in the grace), then one line per topic on
    its next post, and the line saying the service runs."""
    for line in await service.scheduler.start_up():
        log.info("%s", line)
    for line in await next_posts(service):
        log.info("%s", line)
    settle_collector()
    names = [p.name for p in service.platforms]
    tokens = "" if names else ": set TELEGRAM_BOT_TOKEN or DISCORD_BOT_TOKEN to post to chats"
    log.info("digestbot running (%s%s); Ctrl-C stops", ", ".join(["console", *names]), tokens)


async def unless_stopped(work: Coroutine[Any, Any, None], stop: asyncio.Event) -> bool:
    """Run `work` until it ends (True) or `stop` is set first (it is cancelled: False)."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        stopped.cancel()
        task.result()
        return True
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return False


async def run_service(settings: Settings, stop: asyncio.Event, topics: Topics | None = None) -> None:
    """Run until `stop` is set: platforms, scheduler (with catch-up) and deliverer.

    Each platform starts in the background (`PlatformSupervisor`): one that is down is retried with
    backoff, one whose token is rejected stays off, and neither stops the rest. On stop, no new
    delivery is claimed; those in progress get `SHUTDOWN_GRACE` seconds to finish
    (each acknowledged part is recorded as it goes; the next sender resumes a cancelled one).
    """
    async with prefer_the_loop(settings.build_worker_idle_minutes), open_core(settings, topics) as core:
        service = assemble(core, configured_platforms(core))
        supervisor = PlatformSupervisor(stop)
        delivering: asyncio.Task[None] | None = None
        try:
            supervisor.launch(list(service.platforms))  # each starts (or retries) in the background
            service.scheduler.start()
            delivering = asyncio.create_task(service.deliverer.run_forever(stop, poll=1.0))
            if await unless_stopped(announce(service), stop):  # Ctrl-C during start-up stops it at once
                await stop.wait()
        finally:
            stop.set()
            service.scheduler.shutdown()
            refused: WritesRefused | None = None
            if delivering is not None:
                try:
                    await asyncio.wait_for(delivering, SHUTDOWN_GRACE)
                except TimeoutError:
                    log.warning("deliveries still in progress after %.0f s were cancelled", SHUTDOWN_GRACE)
                except WritesRefused as exc:  # the deliverer set `stop`: the service ends with this line
                    refused = exc
            await supervisor.close()
            log.info("digestbot stopped")
            if refused is not None:
                raise refused
