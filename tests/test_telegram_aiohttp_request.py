"""PTB's transport on aiohttp, against the fake Bot API on 127.0.0.1: calls go out as JSON, a chart
upload as a multipart form; timeouts are `TimedOut`, other failures `NetworkError`, never with the token."""

from __future__ import annotations

import asyncio
import os
import socket
import traceback
from datetime import date
from types import SimpleNamespace
from typing import cast

import pytest
from telegram.error import NetworkError, TimedOut
from telegram.ext import ExtBot
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from adapters.chart import render_trend_png
from adapters.telegram.aiohttp_request import AiohttpRequest
from adapters.telegram.bot import build_application
from digest_core.editorial.trend import build_trend
from digest_core.storage.digests import DayCoverage
from digest_core.topics import Topic
from digest_core.usecases.usecases import UseCases
from testkit.fakes.telegram import TOKEN, FakeTelegram

SECRET = TOKEN.split(":", 1)[1]


def updates(timeout: int) -> RequestData:
    return RequestData([RequestParameter.from_input("timeout", timeout)])


def shown(err: BaseException) -> str:
    """Everything a traceback of `err` would print, causes included."""
    return "".join(traceback.format_exception(err))


async def test_calls_are_sent_as_json_and_a_chart_as_multipart(topic: Topic) -> None:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    day = date(2026, 2, 25)
    png = render_trend_png(build_trend(topic, day, 3, [DayCoverage(day, {"china": 2, "japan": 3}, 10, 5)]), 400, 300)
    fake = FakeTelegram()
    text = "<b>Hello</b> &amp; " + "é" * 4000
    async with fake.serve() as base_url:
        bot = ExtBot(fake.token, base_url=base_url, request=AiohttpRequest())
        async with bot:
            await bot.send_message(-100123, text, parse_mode="HTML", link_preview_options={"is_disabled": True})
            await bot.send_photo(-100123, png, caption="<i>trend</i>", parse_mode="HTML", filename="trend.png")
    (message,) = fake.methods("sendMessage")
    assert message.content_type == "application/json"
    assert message.params["chat_id"] == -100123  # JSON values, not strings of JSON
    assert message.params["link_preview_options"] == {"is_disabled": True}
    assert fake.sent_to(-100123)[0].text == text
    (upload,) = fake.methods("sendPhoto")
    assert upload.content_type == "multipart/form-data"
    (photo,) = fake.photos
    assert (photo.data, photo.filename, photo.caption, photo.width) == (png, "trend.png", "<i>trend</i>", 400)


def test_the_application_uses_it_for_calls_and_for_get_updates() -> None:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    usecases = cast(UseCases, SimpleNamespace(destination_moved=None))
    app, _ = build_application(TOKEN, usecases, "http://127.0.0.1:9/bot")
    get_updates, calls = app.bot._request  # PTB keeps getUpdates' request apart (no public accessor)
    assert isinstance(calls, AiohttpRequest) and isinstance(get_updates, AiohttpRequest)
    assert get_updates is not calls


async def test_a_read_timeout_is_timed_out() -> None:
    fake = FakeTelegram(poll_wait=5.0)  # getUpdates holds the answer for up to `timeout` seconds
    async with fake.serve() as base_url, AiohttpRequest(read_timeout=0.2) as request:
        with pytest.raises(TimedOut) as caught:
            await request.post(f"{base_url}{fake.token}/getUpdates", updates(5))
        assert await request.post(f"{base_url}{fake.token}/getUpdates", updates(1), read_timeout=3.0) == []
    assert SECRET not in shown(caught.value)


async def test_waiting_for_a_free_connection_times_out() -> None:
    fake = FakeTelegram(poll_wait=5.0)
    async with fake.serve() as base_url, AiohttpRequest(1, connect_timeout=0.1, pool_timeout=0.1) as request:
        url = f"{base_url}{fake.token}/getUpdates"
        held = asyncio.create_task(request.post(url, updates(1), read_timeout=3.0))  # the pool's only connection
        await fake.wait_for(lambda: bool(fake.calls))
        with pytest.raises(TimedOut) as caught:
            await request.post(url, updates(0))
        assert await held == []
    assert "ConnectionTimeoutError" in str(caught.value)
    assert SECRET not in shown(caught.value)


async def test_a_refused_connection_is_a_network_error_without_the_token() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with AiohttpRequest() as request:
        with pytest.raises(NetworkError) as caught:
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    message = str(caught.value)
    assert "\n" not in message and "ClientConnectorError" in message, message
    assert SECRET not in shown(caught.value)
    assert not isinstance(caught.value, TimedOut)


async def test_a_proxy_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    fake = FakeTelegram()  # answers as the proxy would relay: the request names the real host
    async with fake.serve() as base_url:
        proxy = base_url.removesuffix("/bot")
        monkeypatch.setenv("HTTP_PROXY", proxy)
        monkeypatch.setenv("NO_PROXY", "")
        bot = ExtBot(fake.token, base_url="http://api.telegram.invalid/bot", request=AiohttpRequest())
        async with bot:
            await bot.send_message(42, "through the proxy")
    assert fake.sent_to(42)[0].text == "through the proxy"
