"""`/digest` of an archived digest through each platform's real handler path, as a user meets it.

The service runs through the real composition root with both platforms connected to loopback fakes
in a process of their own (`bench.live_service`). Telegram: an update leaves the fake Bot API by
getUpdates, PTB polls it, our handler renders the digest and sends it; measured from the update's
hand-out to the first part's arrival at the fake. Discord: an INTERACTION_CREATE leaves the fake
gateway; measured from there to the first message of the answer (the interaction's response: an
archived digest needs no deferral). Target: p99 under 10 ms.

Requests come from distinct chats at a pace below the platforms' own limits (Telegram 30 messages/s
per bot, Discord 50 requests/s), so the figure is our latency, not a platform queue; the later parts
of a multi-part reply are paced by Telegram's ~1 message/s per chat and are not the answer time.
"While building" repeats the same with a digest being rebuilt the whole time and five other
Telegram chats receiving three-part messages the whole time, sent as a fan-out's deliveries are
(through the publisher, queued in the rate limiter; Telegram paces each chat at ~1 message/s).

    python -m bench.digest_latency              # 3 runs, writes docs/benchmarks.md
    python -m bench.digest_latency --runs 1 --requests 20 --no-docs
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

from adapters.discord.embeds import render_digest as discord_render
from adapters.telegram.render import render_digest as telegram_render
from bench.fake_platforms import DISCORD_PER_SECOND, TELEGRAM_PER_SECOND
from bench.live_service import DAY, TOPIC, LiveService, live_service
from bench.report import machine, min_median, percentile, table, write_section
from bot.runner import prefer_the_loop
from digest_core.delivery.ports import Destination

TARGET_P99_MS = 10.0
HEADER = ["platform, condition", "p50 ms", "p99 ms", "max ms (min / median / worst)", "p99 < 10 ms in every run"]
HEADROOM = 0.6  # use at most 60% of a platform's rate limit
OTHER_DAY = date(2026, 1, 7)  # rebuilt in the background "while building"


@contextlib.asynccontextmanager
async def building(live: LiveService) -> AsyncIterator[list[int]]:
    """A digest rebuilt over and over in the background (its count of builds is yielded)."""
    done = [0]
    topic = live.core.topics.get(TOPIC)

    async def rebuild() -> None:
        while True:
            await live.core.digests.get_or_build(topic, OTHER_DAY, rebuild=True)
            done[0] += 1

    task = asyncio.create_task(rebuild())
    try:
        yield done
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.asynccontextmanager
async def multipart_replies(live: LiveService, chats: int = 5, parts: int = 3) -> AsyncIterator[None]:
    """Other Telegram chats receiving multi-part messages the whole time, sent as deliveries are
    (Telegram paces each chat at about one message per second: `chats` messages/s in all, well
    within the 30 per second)."""
    publisher = next(p.publisher for p in live.platforms if p.name == "telegram")
    text = "<b>A long reply</b>\n" + "A line of a multi-part reply in another chat.\n" * 60

    async def reply_forever(chat: int) -> None:
        destination = Destination("telegram", str(chat))
        while True:
            sent: list[str] = []
            for part in range(parts):
                sent.append(await publisher.send_part(destination, text, sent, f"c{chat}p{part}"))

    tasks = [asyncio.create_task(reply_forever(-1003000000000 - k)) for k in range(chats)]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def core_path(live: LiveService, count: int) -> list[float]:
    """Lookup and render alone (ms), in this process: the share of the answer that is ours."""
    topic = live.core.topics.get(TOPIC)
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        digest = (await live.core.digests.get_or_build(topic, DAY, requester="bench")).digest
        telegram_render(digest)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


async def measure(runs: int, requests: int, per_outlet: int) -> tuple[dict[str, list[list[float]]], str]:
    results: dict[str, list[list[float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        async with live_service(Path(tmp), 0, 0, per_outlet) as live:
            digest = (await live.core.digests.get_or_build(live.core.topics.get(TOPIC), DAY)).digest
            tg_parts, dc_messages = len(telegram_render(digest)), len(discord_render(digest))
            tg_rate = HEADROOM * TELEGRAM_PER_SECOND / tg_parts
            dc_rate = HEADROOM * DISCORD_PER_SECOND / (1 + dc_messages)  # response and follow-ups, + margin
            chat = 10_000
            text, options = f"/digest {TOPIC} {DAY.isoformat()}", {"topic": TOPIC, "date": DAY.isoformat()}
            for _ in range(runs):
                for condition in ("idle", "while building and other chats get multi-part messages"):
                    async with contextlib.AsyncExitStack() as stack:
                        if condition != "idle":
                            await stack.enter_async_context(building(live))
                            await stack.enter_async_context(multipart_replies(live))
                        tg = await live.fakes.telegram_commands(text, requests, tg_rate, chat)
                        chat += requests
                        dc = await live.fakes.discord_commands("digest", options, requests, dc_rate)
                    results.setdefault(f"Telegram, {condition}", []).append(tg)
                    results.setdefault(f"Discord, {condition}", []).append(dc)
                results.setdefault("lookup and Telegram render alone (no platform)", []).append(
                    await core_path(live, requests)
                )
    note = (
        f"the archived digest is {tg_parts} Telegram messages ({tg_rate:.1f} requests/s sent, "
        f"{HEADROOM:.0%} of 30 messages/s) and {dc_messages} Discord messages (the response and follow-ups) "
        f"({dc_rate:.1f} requests/s, {HEADROOM:.0%} of 50 requests/s)"
    )
    return results, note


def report(results: dict[str, list[list[float]]], runs: int, requests: int, note: str) -> str:
    rows = []
    for name, per_run in results.items():
        p99s = [percentile(r, 99) for r in per_run]
        rows.append(
            [
                name,
                min_median([percentile(r, 50) for r in per_run]),
                min_median(p99s),
                f"{min_median([max(r) for r in per_run])} / {max(max(r) for r in per_run):.1f}",
                "yes" if max(p99s) < TARGET_P99_MS else "**no**",
            ]
        )
    return (
        f"{runs} runs of {requests} requests each (min / median over runs); {note}. Machine: {machine()}.\n\n"
        + table(HEADER, rows)
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200, help="per run and condition (p99 needs 100 or more)")
    parser.add_argument("--per-outlet", type=int, default=100, help="items per outlet query for the background build")
    parser.add_argument("--no-docs", action="store_true", help="print only; do not rewrite docs/benchmarks.md")
    args = parser.parse_args()
    async with prefer_the_loop():  # as `digestbot run` does
        results, note = await measure(args.runs, args.requests, args.per_outlet)
    text = report(results, args.runs, args.requests, note)
    print(text)
    if not args.no_docs:
        write_section("digest-latency", text)


if __name__ == "__main__":
    asyncio.run(main())
