"""HTTP client round trip: httpx (PTB's default transport) against aiohttp (ours for Telegram,
`adapters/telegram/aiohttp_request.py`), to an aiohttp server on loopback in the same process, with
a Bot API-sized JSON body (a 3,000-character message) and answer. Every `/digest` answer costs two
such calls (getUpdates, sendMessage).

    python -m bench.http_clients            # rewrites its table in docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable

import aiohttp
import httpx
from aiohttp import web

from bench.report import machine, min_median, percentile, table, write_section
from testkit.fakes.server import serve

BODY = json.dumps({"chat_id": 1, "text": "y" * 3000}).encode()
HEADERS = {"Content-Type": "application/json"}
ANSWER = {"ok": True, "result": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "x" * 500}}


async def answer(request: web.Request) -> web.Response:
    await request.json()
    return web.json_response(ANSWER)


async def timed(call: Callable[[], Awaitable[object]], calls: int) -> list[float]:
    for _ in range(50):  # connections open, code paths warm
        await call()
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    return times


async def one_run(url: str, calls: int) -> dict[str, list[float]]:
    async with httpx.AsyncClient() as client:

        async def with_httpx() -> object:
            return (await client.post(url, content=BODY, headers=HEADERS)).json()

        via_httpx = await timed(with_httpx, calls)
    async with aiohttp.ClientSession() as session:

        async def with_aiohttp() -> object:
            async with session.post(url, data=BODY, headers=HEADERS) as response:
                return await response.json()

        via_aiohttp = await timed(with_aiohttp, calls)
    return {"httpx": via_httpx, "aiohttp": via_aiohttp}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--no-docs", action="store_true", help="print only; do not rewrite docs/benchmarks.md")
    args = parser.parse_args()
    app = web.Application()
    app.router.add_route("POST", "/", answer)
    runner, port = await serve(app)
    try:
        runs = [await one_run(f"http://127.0.0.1:{port}/", args.calls) for _ in range(args.runs)]
    finally:
        await runner.cleanup()
    rows = [
        [name, *(min_median([percentile(r[name], q) for r in runs], 2) for q in (50, 99))]
        for name in ("httpx", "aiohttp")
    ]
    text = f"{args.runs} runs of {args.calls} calls (min / median over runs). Machine: {machine()}.\n\n" + table(
        ["client", "round trip p50 ms", "p99 ms"], rows
    )
    print(text)
    if not args.no_docs:
        write_section("http-clients", text)


if __name__ == "__main__":
    asyncio.run(main())
