"""Loop-lag benchmark: how long the event loop is kept from other work while the service builds a
digest, writes its page and chart, and fans it out, with both platforms connected.

A probe task asks to wake every millisecond; how late each wake-up comes is the lag any command
arriving at that moment would have waited. The scenario runs through the real composition root
against loopback fakes served by another process (`bench.live_service`): `Publication.publish` (fetch, parse, select,
summarize, archive, page, chart), then `Deliverer.drain` to every subscription. Targets: max lag
under 50 ms and p99 under 10 ms in every phase. For reference, the CPU work that now runs in the
worker process is timed alone too (it is what the loop would wait if it ran there).

    python -m bench.loop_lag                 # 3 runs, writes docs/benchmarks.md
    python -m bench.loop_lag --runs 1 --no-docs --per-outlet 100
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.site_pages import CHART_DAYS, draw_chart
from bench.live_service import DAY, TOPIC, LiveService, live_service
from bench.report import machine, min_median, percentile, table, write_section
from bot.runner import prefer_the_loop
from digest_core.dates import digest_window
from digest_core.editorial.trend import coverage_store, coverage_trend
from digest_core.fetch.feed_parsing import parse_results
from digest_core.fetch.ports import FeedResult

MAX_LAG_MS = 50.0
P99_LAG_MS = 10.0


class LoopLagProbe:
    """Wakes every `interval` seconds on the running loop and records how late each wake-up was (ms)."""

    def __init__(self, interval: float = 0.001) -> None:
        self.interval = interval
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.lags.append(max(0.0, (time.perf_counter() - asked - self.interval) * 1000))

    def start(self) -> None:
        self.lags = []
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> list[float]:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        return self.lags

    async def measure(self, work: Callable[[], Awaitable[Any]]) -> tuple[list[float], float]:
        """Run `work` with the probe on; the lags seen and the work's duration in seconds."""
        self.start()
        await asyncio.sleep(self.interval * 2)  # the probe's first wake-up is under way
        started = time.perf_counter()
        await work()
        elapsed = time.perf_counter() - started
        return await self.stop(), elapsed


@dataclass
class Phase:
    name: str
    lags: list[float]
    seconds: float

    @property
    def max(self) -> float:
        return max(self.lags, default=0.0)

    @property
    def p99(self) -> float:
        return percentile(self.lags, 99)

    @property
    def p50(self) -> float:
        return percentile(self.lags, 50)


@dataclass
class Run:
    phases: list[Phase]
    articles: int
    messages: int
    offloaded_ms: dict[str, float] = field(default_factory=dict)


async def drain(live: LiveService) -> None:
    """Deliver every queued delivery (retries included) until none is pending."""
    while await live.core.ledger.pending_count():
        await live.service.deliverer.drain()
        await asyncio.sleep(0.05)


async def offloaded_work(live: LiveService) -> dict[str, float]:
    """What the moved work costs when timed alone (ms): parsing the day's feeds, drawing the chart."""
    topic = live.core.topics.get(TOPIC)
    source = live.core.digests.source
    results: list[FeedResult] = await source.fetch(topic, digest_window(topic, DAY))
    started = time.perf_counter()
    parse_results(results, topic)
    parse_ms = (time.perf_counter() - started) * 1000
    trend = await coverage_trend(coverage_store(live.core.digests.store), topic, DAY, CHART_DAYS)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        draw_chart(trend, Path(tmp) / "chart.png")
        chart_ms = (time.perf_counter() - started) * 1000
    return {"parse feeds": parse_ms, "draw chart": chart_ms}


async def one_run(chats: int, channels: int, per_outlet: int) -> Run:
    with tempfile.TemporaryDirectory() as tmp:
        async with live_service(Path(tmp), chats, channels, per_outlet) as live:
            probe = LoopLagProbe()
            topic = live.core.topics.get(TOPIC)
            idle, idle_s = await probe.measure(lambda: asyncio.sleep(1.0))
            build, build_s = await probe.measure(lambda: live.service.publication.publish(topic, DAY))
            fanout, fanout_s = await probe.measure(lambda: drain(live))
            digest = await live.core.digests.store.get(TOPIC, DAY)
            assert digest is not None, "the digest was not archived"
            offloaded = await offloaded_work(live)
            stats = await live.fakes.stats()
            messages = stats["telegram messages"] + stats["discord messages"]
            return Run(
                [
                    Phase("idle (baseline)", idle, idle_s),
                    Phase("build, page and chart", build, build_s),
                    Phase(f"fan-out to {chats + channels} subscriptions", fanout, fanout_s),
                ],
                articles=len(digest.articles),
                messages=messages,
                offloaded_ms=offloaded,
            )


def report(runs: list[Run], chats: int, channels: int, per_outlet: int) -> str:
    rows = []
    for i, phase in enumerate(runs[0].phases):
        phases = [r.phases[i] for r in runs]
        ok = all(p.max < MAX_LAG_MS and p.p99 < P99_LAG_MS for p in phases)
        rows.append(
            [
                phase.name,
                min_median([p.seconds for p in phases]),
                min_median([p.p50 for p in phases]),
                min_median([p.p99 for p in phases]),
                f"{min_median([p.max for p in phases])} / {max(p.max for p in phases):.1f}",
                "yes" if ok else "**no**",
            ]
        )
    lag = table(
        [
            "phase",
            "duration s",
            "lag p50 ms",
            "lag p99 ms",
            "lag max ms (min / median / worst)",
            "max < 50, p99 < 10 in every run",
        ],
        rows,
    )
    moved = table(
        ["work run off the loop (worker process)", "alone, ms (min / median)"],
        [[name, min_median([r.offloaded_ms[name] for r in runs])] for name in runs[0].offloaded_ms],
    )
    return (
        f"{len(runs)} runs (min / median); {chats} Telegram chats and {channels} Discord channels subscribed; "
        f"{per_outlet or 'fixture'} items per outlet query; {runs[0].articles} articles in the digest; "
        f"{runs[0].messages} messages sent per fan-out. Machine: {machine()}.\n\n{lag}\n\n{moved}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--chats", type=int, default=30)
    parser.add_argument("--channels", type=int, default=30)
    parser.add_argument("--per-outlet", type=int, default=100, help="items per outlet query (Google News gives ~100)")
    parser.add_argument("--no-docs", action="store_true", help="print only; do not rewrite docs/benchmarks.md")
    args = parser.parse_args()
    async with prefer_the_loop():  # as `digestbot run` does
        runs = [await one_run(args.chats, args.channels, args.per_outlet) for _ in range(args.runs)]
    text = report(runs, args.chats, args.channels, args.per_outlet)
    print(text)
    if not args.no_docs:
        write_section("loop-lag", text)


if __name__ == "__main__":
    asyncio.run(main())
