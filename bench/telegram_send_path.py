"""The CPU one Telegram send costs this process: PTB's `Bot.send_message` against the lean path
(`adapters/telegram/lean.py`: one JSON POST through the same transport, the message id only).

Both send a digest part to fake Telegram in a process of its own (`bench.fake_platforms`), 32 at a
time, without a rate limiter; rounds alternate, and the best round of each is kept.

    python -m bench.telegram_send_path [--sends 2000] [--rounds 3]

The run rewrites its table in docs/delivery.md (`<!-- bench:telegram-send-path -->`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import LinkPreviewOptions
from telegram.ext import ExtBot

from adapters.telegram.aiohttp_request import AiohttpRequest
from adapters.telegram.lean import message_payload, send_message_id
from bench.fanout import DELIVERY_DOCS
from bench.live_service import fake_platforms
from bench.report import machine, table, write_section
from testkit.fakes.telegram import TOKEN

PART = "<b>China and Japan</b>\n" + "A line of a digest part, with <a href='https://example.com/a'>a link</a>.\n" * 30


async def cpu_per_send(sends: int, send: Callable[[int], Awaitable[object]]) -> float:
    """CPU ms of this process per send, 32 sends in flight."""
    queue = iter(range(sends))

    async def worker() -> None:
        for k in queue:
            await send(k)

    cpu = time.process_time()
    await asyncio.gather(*(worker() for _ in range(32)))
    return (time.process_time() - cpu) / sends * 1000


async def run(sends: int, rounds: int) -> dict[str, float]:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    async with fake_platforms(0, 0, "--forget-texts", "--unlimited") as fakes:
        base = f"http://127.0.0.1:{fakes.ports['telegram']}/bot"
        bot: ExtBot[Any] = ExtBot(TOKEN, base_url=base, request=AiohttpRequest(connection_pool_size=64))
        await bot.initialize()
        preview = LinkPreviewOptions(is_disabled=True)

        async def ptb(k: int) -> object:
            return await bot.send_message(-1002000000000 - k, PART, parse_mode="HTML", link_preview_options=preview)

        async def lean(k: int) -> object:
            return await send_message_id(bot, message_payload(-1002000000000 - k, PART, True, None, False))

        best = {"ptb": float("inf"), "lean": float("inf")}
        await cpu_per_send(200, ptb)  # warm both paths up
        await cpu_per_send(200, lean)
        for _ in range(rounds):
            best["ptb"] = min(best["ptb"], await cpu_per_send(sends, ptb))
            best["lean"] = min(best["lean"], await cpu_per_send(sends, lean))
        await bot.shutdown()
    return best


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sends", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    best = await run(args.sends, args.rounds)
    rows = [
        ["PTB `Bot.send_message` (a `Message` built)", f"{best['ptb']:.3f}"],
        ["lean JSON POST (the message id only)", f"{best['lean']:.3f}"],
        ["PTB / lean", f"{best['ptb'] / best['lean']:.2f}"],
    ]
    text = (
        f"CPU per Telegram send, best of {args.rounds} rounds of {args.sends:,} sends. Machine: {machine()}.\n\n"
        + table(["send path", "CPU ms per send"], rows)
    )
    print(text)
    if not args.no_docs:
        write_section("telegram-send-path", text, DELIVERY_DOCS)


if __name__ == "__main__":
    asyncio.run(main())
