"""Single-flight: concurrent calls for one key share one run of the work, and its result or failure.

The one implementation for every caller: `DigestService.get_or_build` (one build per topic and
day) and the deliverer (one archive read and one rendering per digest and destination kind).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    """`run(key, make)` runs `make()` once for every caller that asks for `key` while it runs.

    `make()` runs in a task of its own: a caller's cancellation does not cancel the others' wait,
    and the run is cancelled only when every caller waiting for it has gone. A failure or a
    cancellation is given to every waiting caller and never kept. A result is forgotten when the
    run ends (`kept=0`), or kept for later callers when `keep(result)` is true, `kept` keys at
    most (all are forgotten when the table is full: a cache of recent keys, not of all keys).
    """

    def __init__(self, kept: int = 0, keep: Callable[[V], bool] = lambda _: True) -> None:
        self.kept = kept
        self._keep = keep
        self._runs: dict[K, asyncio.Future[V]] = {}
        self._waiting: dict[asyncio.Future[V], int] = {}

    def running(self, key: K) -> bool:
        """Whether a run for `key` is under way (a caller asking now would join it)."""
        run = self._runs.get(key)
        return run is not None and not run.done()

    def __len__(self) -> int:
        """Keys with a run under way or a kept result."""
        return len(self._runs)

    async def run(self, key: K, make: Callable[[], Awaitable[V]], *, fresh: bool = False) -> V:
        """`make()`'s result for `key`: a kept one, the one of the run under way, or a new run's
        (`fresh`: always a new run, which later callers join instead of the older one)."""
        run = None if fresh else self._runs.get(key)
        if run is not None and run.done() and not run.cancelled() and run.exception() is None:
            return run.result()  # kept: no shield (a future and two callbacks) per caller
        if run is None or run.done():
            run = self._start(key, make)
        self._waiting[run] = self._waiting.get(run, 0) + 1
        try:
            return await asyncio.shield(run)
        finally:
            left = self._waiting[run] - 1
            if left:
                self._waiting[run] = left
            else:
                del self._waiting[run]
                if not run.done():  # the last caller gave up waiting: nobody wants the result
                    run.cancel()
                    # its clean-up ends before the caller's cancellation goes on, as if it ran in the caller
                    await asyncio.wait([run])

    def _start(self, key: K, make: Callable[[], Awaitable[V]]) -> asyncio.Future[V]:
        if self.kept and len(self._runs) >= self.kept:
            self._runs.clear()
        run = asyncio.ensure_future(make())
        self._runs[key] = run

        def forget_unless_kept(done: asyncio.Future[V]) -> None:
            kept = self.kept > 0 and not done.cancelled() and done.exception() is None and self._keep(done.result())
            if not kept and self._runs.get(key) is done:
                del self._runs[key]

        run.add_done_callback(forget_unless_kept)
        return run
