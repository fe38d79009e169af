"""Which instance polls a Telegram bot's updates when several share one database.

Telegram lets one getUpdates consumer poll a bot token at a time (a second one gets 409 Conflict),
so of the instances running one bot, one polls and answers commands. Each instance checks every
`poll` seconds, per bot:

- An instance that is not the bot's sender takes the bot's **updates lock** (a `SenderLock` named
  `<sender lock>-updates`) when it is free and polls while it holds it: the standby answers
  commands. Having just taken it, it waits `handover` seconds first, so that a sender that polled
  until then has stopped.
- The sender releases the updates lock (a sender is nobody's standby) and polls only while no other
  instance holds it: alone, it sends and answers commands.

So with two instances one sends and the other answers commands; when either dies, the other does
both within a check (its lock died with it). Updates fetched by a poller that stops are confirmed
to Telegram first, and those not fetched wait at Telegram for the next poller: none is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from digest_core.delivery.sender_lock import SenderLock

log = logging.getLogger(__name__)

HANDOVER = 2.0  # seconds a new standby waits before polling: more than the sender's check interval


class Poller(Protocol):
    @property
    def polling(self) -> bool: ...

    async def start_polling(self) -> None: ...

    async def stop_polling(self) -> None: ...


class UpdatesRole:
    """Starts and stops one bot's polling on this instance by the rule above."""

    def __init__(
        self,
        lock: SenderLock,
        is_sender: Callable[[], bool],
        poller: Poller,
        worker: str,
        handover: float = HANDOVER,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.lock = lock
        self.is_sender = is_sender
        self.poller = poller
        self.worker = worker
        self.handover = handover
        self._sleep = sleep

    async def should_poll(self) -> bool:
        """Whether this instance should poll now (taking or releasing the updates lock as it goes)."""
        if self.is_sender():
            await self.lock.release()
            return await self.lock.holder() in (None, self.worker)
        return await self.lock.acquire()

    async def step(self) -> None:
        """Poll or stop polling, as `should_poll` says."""
        want = await self.should_poll()
        if want and not self.poller.polling:
            if not self.is_sender():
                await self._sleep(self.handover)  # the sender stops polling within its next check
                want = await self.should_poll()
            if want:
                await self.poller.start_polling()
        elif not want and self.poller.polling:
            await self.poller.stop_polling()

    async def run(self, poll: float = 1.0) -> None:
        """`step` every `poll` seconds until cancelled; then polling stops and the lock is released."""
        try:
            while True:
                try:
                    await self.step()
                except asyncio.CancelledError:
                    raise
                except Exception:  # a database or network hiccup: check again next time
                    log.warning("%s: choosing the poller failed; trying again", self.lock.key, exc_info=True)
                await self._sleep(poll)
        finally:
            with contextlib.suppress(Exception):
                await self.poller.stop_polling()
            with contextlib.suppress(Exception):
                await self.lock.release()
