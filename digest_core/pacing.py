"""Pacing: the one implementation of "wait until the next call is allowed", for every caller.

`RateLimiter` spaces calls at least `interval` apart (one per host for article pages, one for
Google's link decoding). `SlidingWindow` is the count of calls in a window; `WindowPace` allows
at most `limit` calls in any window on it (a chat platform's global limit: the Discord
publisher). Telegram's limiter (`adapters/telegram/ratelimit.py`) keeps a `SlidingWindow` for its
overall limit and adds per-chat limits and `RetryAfter` pauses.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar

Sleep = Callable[[float], Awaitable[None]]

_in_slot: ContextVar[bool] = ContextVar("in_slot", default=False)  # inside a `WindowPace.slot()`


def inside_slot() -> bool:
    """Whether the running code holds a `WindowPace` slot (its requests are counted already)."""
    return _in_slot.get()


class RateLimiter:
    """At most one call per `interval` seconds, across every task that shares it.

    `clock` (monotonic seconds; default the event loop's) and `sleep` can be replaced in tests.
    """

    def __init__(self, interval: float, clock: Callable[[], float] | None = None, sleep: Sleep = asyncio.sleep) -> None:
        self.interval = max(0.0, interval)
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._next = -math.inf

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    async def wait(self) -> None:
        """Return when the next call is allowed, and reserve it."""
        async with self._lock:
            delay = self._next - self._now()
            if delay > 0:
                await self._sleep(delay)
            self._next = self._now() + self.interval


class SlidingWindow:
    """The count every pacer here keeps (`WindowPace`, and Telegram's limiter for its overall
    limit): a request counts from its start until `window` seconds after its answer, as the
    platform may have received it at any moment in between. Bookkeeping only, on the times the
    caller gives: O(1) per request, amortized."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = max(1, limit)
        self.window = window
        self.in_flight = 0
        self._answered: deque[float] = deque()  # answer times within the last window, oldest first

    def wait(self, now: float, poll: float) -> float:
        """Seconds until one more request may start (0 when there is room now); `poll` when every
        counted request is still in flight (no answer to wait for: check again then)."""
        while self._answered and self._answered[0] <= now - self.window:
            self._answered.popleft()
        if len(self._answered) + self.in_flight < self.limit:
            return 0.0
        return self._answered[0] + self.window - now if self._answered else poll

    def started(self) -> None:
        """A request starts: it counts until a window after `answered()`."""
        self.in_flight += 1

    def answered(self, now: float) -> None:
        """A counted request's answer (or failure) at `now`."""
        self.in_flight -= 1
        self._answered.append(now)

    def counted(self, now: float) -> int:
        """Requests counted against the limit at `now`."""
        return self.in_flight + sum(1 for t in self._answered if t > now - self.window)


class WindowPace:
    """At most `limit` requests in any `window` seconds across every task that shares it. A request
    counts from its start until a window after its answer (the platform may have received it at
    any moment in between), so a request delayed on our side can never bunch over the limit;
    requests are spread out (at least half the even spacing apart). Requests made outside `slot()`
    count too, through `started()` and `answered()`: they are not held back, so the pace's own
    requests leave them room."""

    def __init__(self, limit: int, window: float = 1.02) -> None:
        self.limit = max(1, limit)
        self.window = window
        self._count = SlidingWindow(limit, window)
        self._last: float | None = None
        self._lock = asyncio.Lock()

    def _wait(self, now: float) -> float:
        wait = 0.0 if self._last is None else self._last + self.window / self.limit / 2 - now
        return max(wait, self._count.wait(now, poll=0.005))

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for room in the window, then hold it while the block runs (its request is in flight)."""
        loop = asyncio.get_running_loop()
        async with self._lock:
            wait = self._wait(loop.time())
            while wait > 0:  # re-checked: the window moves only as time passes and answers come
                await asyncio.sleep(wait)
                wait = self._wait(loop.time())
            self._count.started()
            self._last = loop.time()
        paced = _in_slot.set(True)
        try:
            yield
        finally:
            _in_slot.reset(paced)
            self.answered()

    def started(self) -> None:
        """Count a request made outside `slot()` from now until a window after its `answered()`."""
        self._count.started()

    def answered(self) -> None:
        """A counted request's answer (or failure): it counts for one more window."""
        self._count.answered(asyncio.get_running_loop().time())

    @property
    def counted(self) -> int:
        """Requests counted against the limit now: in flight, or started or answered within a window."""
        return self._count.counted(asyncio.get_running_loop().time())
