"""Delivery sends on the lean path (`adapters/telegram/lean.py`): one JSON POST through the bot's
transport and rate limiter, with PTB's error classes, and no PTB `Message` built."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram.ext import ExtBot

from adapters.telegram.aiohttp_request import AiohttpRequest
from adapters.telegram.publisher import TelegramPublisher
from adapters.telegram.ratelimit import TelegramRateLimiter
from digest_core.delivery.ports import Destination, announcing
from digest_core.errors import DestinationGone, SendFailed
from testkit.fakes.server import serve
from testkit.fakes.telegram import TOKEN, FakeTelegram


@pytest.fixture
async def bot_and_fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[ExtBot[Any], FakeTelegram]]:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake = FakeTelegram(retry_after=1)  # whole seconds, as Telegram says them
    runner, port = await serve(fake.app())
    bot: ExtBot[Any] = ExtBot(
        TOKEN,
        base_url=f"http://127.0.0.1:{port}/bot",
        rate_limiter=TelegramRateLimiter.for_paid_broadcast(True, max_retries=1),
        request=AiohttpRequest(connection_pool_size=4),
    )
    await bot.initialize()
    try:
        yield bot, fake
    finally:
        await bot.shutdown()
        await runner.cleanup()


async def test_a_delivery_part_is_one_json_post_announced_once_its_slot_is_granted(
    bot_and_fake: tuple[ExtBot[Any], FakeTelegram],
) -> None:
    bot, fake = bot_and_fake
    announced: list[int] = []

    async def announce() -> None:
        announced.append(len(fake.methods("sendMessage")))  # requests the fake had before this one

    publisher = TelegramPublisher(bot, paid_broadcast=True)
    with announcing(announce):
        message_id = await publisher.send_part(Destination("telegram", "-1001", "7"), "<b>one</b>", [], "k")
    call = fake.methods("sendMessage")[-1]
    assert call.content_type == "application/json"
    assert call.params["allow_paid_broadcast"] is True
    assert call.params["link_preview_options"] == {"is_disabled": True}
    assert call.params["message_thread_id"] == 7
    assert call.params["parse_mode"] == "HTML"
    assert message_id == str(fake.sent_to(-1001)[0].message_id)
    assert announced == [0]  # announced before the request left, once


async def test_free_sends_carry_no_paid_flag(bot_and_fake: tuple[ExtBot[Any], FakeTelegram]) -> None:
    bot, fake = bot_and_fake
    await TelegramPublisher(bot).send_part(Destination("telegram", "5"), "plain", [], "k")
    assert "allow_paid_broadcast" not in fake.methods("sendMessage")[-1].params
    assert "message_thread_id" not in fake.methods("sendMessage")[-1].params


async def test_the_same_errors_as_ptb(bot_and_fake: tuple[ExtBot[Any], FakeTelegram]) -> None:
    bot, fake = bot_and_fake
    moved: list[tuple[str, str]] = []

    async def on_moved(destination: Destination, new_id: str) -> None:
        moved.append((destination.id, new_id))

    publisher = TelegramPublisher(bot, paid_broadcast=True, on_moved=on_moved, backoff=0)
    fake.inject(-10, "429")  # retry_after: the limiter pauses, then sends again
    assert await publisher.send_part(Destination("telegram", "-10"), "x", [], "k")
    assert len(fake.sent_to(-10)) == 1
    assert bot.rate_limiter.retry_afters == 1  # type: ignore[union-attr]
    fake.inject(-11, "403")
    with pytest.raises(DestinationGone):
        await publisher.send_part(Destination("telegram", "-11"), "x", [], "k")
    fake.inject(-12, "migrate:-100777")
    await publisher.send_part(Destination("telegram", "-12"), "x", [], "k")
    assert moved == [("-12", "-100777")]
    assert len(fake.sent_to(-100777)) == 1
    fake.inject(-13, "bad_html")  # refused HTML: sent once more as plain text
    await publisher.send_part(Destination("telegram", "-13"), "<b>x</b>", [], "k")
    assert [s.parse_mode for s in fake.sent_to(-13)] == [None]
    fake.inject(-14, "429", "429")  # beyond the one retry
    with pytest.raises(SendFailed):
        await publisher.send_part(Destination("telegram", "-14"), "x", [], "k")


class HeldLimiter(TelegramRateLimiter):
    """The paid-broadcast limiter, holding every send until `go` is set (a queue of sends waiting for their slot)."""

    def __init__(self, expected: int) -> None:
        super().__init__(overall_per_second=1000)
        self.expected, self.waiting = expected, 0
        self.all_waiting, self.go = asyncio.Event(), asyncio.Event()

    async def process_request(
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        if endpoint == "sendMessage":
            self.waiting += 1
            if self.waiting == self.expected:
                self.all_waiting.set()
            await self.go.wait()
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)


async def tracked_while_waiting(port: int, n: int) -> tuple[int, list[str]]:
    """The objects the garbage collector tracks while `n` delivery sends wait at the limiter; their message ids."""
    limiter = HeldLimiter(n)
    bot: ExtBot[Any] = ExtBot(
        TOKEN, base_url=f"http://127.0.0.1:{port}/bot", rate_limiter=limiter, request=AiohttpRequest()
    )
    await bot.initialize()
    try:
        publisher = TelegramPublisher(bot, paid_broadcast=True)
        chats = [Destination("telegram", str(-1000 - i)) for i in range(n)]
        sends = [asyncio.ensure_future(publisher.send_part(chat, "x", [], "k")) for chat in chats]
        await limiter.all_waiting.wait()
        gc.collect()
        tracked = len(gc.get_objects())
        limiter.go.set()
        return tracked, list(await asyncio.gather(*sends))
    finally:
        await bot.shutdown()


async def test_a_send_waiting_for_its_slot_holds_few_objects_for_the_collector() -> None:
    # At the paid-broadcast rate about a thousand sends wait for their slot at once, and every
    # garbage collection walks what they hold (docs/delivery.md). Per send waiting at the limiter:
    # its task, the publisher's one coroutine, the request, the limiter's callback and arguments,
    # and this test's own wait: 14, where it was 21 (three coroutines more, a closure and its cells).
    fake = FakeTelegram()
    runner, port = await serve(fake.app())
    try:
        await tracked_while_waiting(port, 5)  # caches warmed
        (few, _), (many, ids) = await tracked_while_waiting(port, 20), await tracked_while_waiting(port, 220)
    finally:
        await runner.cleanup()
    assert len(set(ids)) == 220 and len(fake.methods("sendMessage")) == 245  # every send went out, once
    per_send = (many - few) / 200
    assert per_send <= 16, per_send
