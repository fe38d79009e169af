"""Starting chat platforms without letting one take the service down.

A platform that cannot start (unreachable, DNS failure, Discord not ready...) logs one line and is
tried again with exponential backoff while everything else runs; a platform whose token is rejected
logs one clear error and stays off (retrying cannot help until the token is changed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.failures import first_line, token_rejected
from digest_core.backoff import BackoffPolicy
from digest_core.redaction import redact

log = logging.getLogger(__name__)

FIRST_RETRY = 5.0  # seconds before the second attempt to start a platform
MAX_RETRY = 300.0  # the longest wait between attempts


class Startable(Protocol):
    name: str

    async def start(self, listen: bool = True) -> None: ...

    async def stop(self) -> None: ...


Sleep = Callable[[float], Awaitable[None]]


@dataclass
class PlatformSupervisor:
    """Starts each platform in the background; `running` lists those that started, `off` those
    whose token was rejected."""

    stop: asyncio.Event
    first_retry: float = FIRST_RETRY
    max_retry: float = MAX_RETRY
    running: list[Startable] = field(default_factory=list)
    off: list[Startable] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def launch(self, platforms: list[Startable]) -> None:
        """Start trying every platform, each in its own task; return at once."""
        for platform in platforms:
            self._tasks.append(asyncio.create_task(self._keep_starting(platform), name=f"start {platform.name}"))

    async def _keep_starting(self, platform: Startable) -> None:
        backoff, failures = BackoffPolicy(self.first_retry, cap=self.max_retry), 0
        while not self.stop.is_set():
            try:
                await platform.start()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                reason = redact(f"{type(exc).__name__}: {first_line(exc)}")
                with contextlib.suppress(Exception):
                    await platform.stop()  # undo a partial start before the next attempt
                if token_rejected(exc) is not None:
                    log.error("%s: token rejected (%s); it stays off until the token is fixed", platform.name, reason)
                    self.off.append(platform)
                    return
                failures += 1
                delay = backoff.wait(failures)
                log.warning("%s: cannot start (%s); retrying in %.3g s", platform.name, reason, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop.wait(), delay)
                continue
            self.running.append(platform)
            log.info("%s: started", platform.name)
            return

    async def close(self) -> None:
        """Stop trying, and stop the platforms that started (newest first)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for platform in reversed(self.running):
            try:
                await platform.stop()
            except Exception as exc:
                log.warning("%s: stopping failed: %s", platform.name, redact(first_line(exc)))
        self.running.clear()
