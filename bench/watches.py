"""What a benchmark watches in its own process while it runs: memory, event-loop stalls, GC pauses."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from typing import Any

from bench.report import rss_mb


class GcWatch:
    """The longest garbage-collection pause (a stall of its own kind): its wall time (`worst`),
    which on a loaded machine includes time the process was not scheduled, and its CPU time
    (`worst_cpu`), which does not; and the number of full (generation 2) collections."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.worst_cpu = 0.0
        self.full = 0
        self._started = 0.0
        self._started_cpu = 0.0

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started, self._started_cpu = time.perf_counter(), time.thread_time()
        else:
            self.worst = max(self.worst, time.perf_counter() - self._started)
            self.worst_cpu = max(self.worst_cpu, time.thread_time() - self._started_cpu)
            self.full += info.get("generation") == 2

    def __enter__(self) -> GcWatch:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)


class RssWatch:
    """The highest resident memory of this process, sampled every 50 ms from a thread."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.05):
            self.peak = max(self.peak, rss_mb())

    def __enter__(self) -> RssWatch:
        self.peak = rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()


class LoopWatch:
    """The longest time the event loop was late to wake a 10 ms sleeper (a stall)."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + 0.01
            await asyncio.sleep(0.01)
            self.worst = max(self.worst, loop.time() - due)

    def __enter__(self) -> LoopWatch:
        self._task = asyncio.create_task(self._watch())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
