"""The Discord publisher's pace counts every request of the client against the global limit: its own
posts through `slot()`, and discord.py's other requests (log-in, command sync, answers) through the
client's `http_trace` (real aiohttp requests to a loopback server)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from adapters.discord.publisher import WindowPace
from testkit.fakes.server import serve

WINDOW = 600.0  # seconds: nothing leaves the window during a test


async def ok(request: web.Request) -> web.Response:
    return web.Response(text="ok")


@pytest.fixture
async def url() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("GET", "/", ok)
    runner, port = await serve(app)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        await runner.cleanup()


async def get(pace: WindowPace, url: str, times: int = 1) -> None:
    async with aiohttp.ClientSession(trace_configs=[pace.trace()]) as session:
        for _ in range(times):
            async with session.get(url) as response:
                assert response.status == 200


async def test_requests_outside_the_pace_count_against_it(url: str) -> None:
    pace = WindowPace(2, WINDOW)
    await get(pace, url, times=2)  # e.g. log-in and command sync, just before a fan-out
    assert pace.counted == 2  # answered: counted until a window after the answer
    with pytest.raises(TimeoutError):  # the window is full: the next post waits for it to move
        async with asyncio.timeout(0.3), pace.slot():
            pass


async def test_a_request_outside_the_pace_counts_while_in_flight(url: str) -> None:
    pace = WindowPace(2, WINDOW)
    arrived, gate = asyncio.Event(), asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        arrived.set()
        await gate.wait()
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_route("GET", "/", slow)
    runner, port = await serve(app)
    try:
        request = asyncio.ensure_future(get(pace, f"http://127.0.0.1:{port}/"))
        await arrived.wait()
        assert pace.counted == 1  # in flight
        gate.set()
        await request
        assert pace.counted == 1  # answered, and kept for a window after the answer
    finally:
        await runner.cleanup()


async def test_a_request_inside_a_slot_counts_once(url: str) -> None:
    pace = WindowPace(2, WINDOW)
    async with pace.slot():
        assert pace.counted == 1  # in flight
        await get(pace, url)
    assert pace.counted == 1  # answered, still within the window; not counted again by the trace
