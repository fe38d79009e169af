"""The rate limiter in virtual time: no window ever holds more than the limits allow."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import RetryAfter

from adapters.telegram.ratelimit import CATCH_UP, TelegramRateLimiter, is_throttled, replying
from digest_core.delivery.ports import announcing


@pytest.fixture(autouse=True)
def _timedelta_durations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as build_application sets it


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def send_all(
    limiter: TelegramRateLimiter, vt: VirtualTime, chats: list[int | str], fail_once: set[int] | None = None
) -> dict[str, list[float]]:
    sent: dict[str, list[float]] = defaultdict(list)
    failing = set(fail_once or ())

    async def call(chat: int | str, i: int) -> bool:
        if i in failing:
            failing.discard(i)
            raise RetryAfter(timedelta(seconds=5))
        sent[str(chat)].append(vt.now)
        return True

    async def one(i: int, chat: int | str) -> Any:
        return await limiter.process_request(call, (chat, i), {}, "sendMessage", {"chat_id": chat}, None)

    await asyncio.gather(*(one(i, chat) for i, chat in enumerate(chats)))
    return sent


async def test_limits_hold_overall_per_chat_and_per_group() -> None:
    vt = VirtualTime()
    limiter = TelegramRateLimiter(margin=0.001, clock=vt.clock, sleep=vt.sleep)
    chats: list[int | str] = [*range(1, 201), *([7] * 10), *([-100500] * 25), *(["@channel"] * 22)]
    sent = await send_all(limiter, vt, chats)
    everything = [t for times in sent.values() for t in times]
    assert len(everything) == len(chats)
    assert max_in_window(everything, 1.0) <= 30
    assert min(b - a for a, b in zip(sent["7"], sent["7"][1:], strict=False)) >= 1.0
    assert max_in_window(sent["-100500"], 60.0) <= 20
    assert max_in_window(sent["@channel"], 60.0) <= 20
    assert vt.now >= 60.0  # the 21st group message had to wait for the minute to pass


async def test_a_reply_goes_before_queued_sends_without_their_spacing() -> None:
    vt = VirtualTime()
    limiter = TelegramRateLimiter(margin=0.001, clock=vt.clock, sleep=vt.sleep)
    sent: list[tuple[str, float]] = []

    async def send(chat: int) -> Any:
        async def call() -> bool:
            sent.append((str(chat), vt.now))
            return True

        return await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": chat}, None)

    async def reply(chat: int) -> Any:
        with replying():
            return await send(chat)

    fan_out = asyncio.gather(*(send(chat) for chat in range(1, 11)))  # ten sends queued at once
    await asyncio.sleep(0)  # the first has gone; the next waits for its spacing
    asked = vt.now
    await reply(99)
    await fan_out
    order = [chat for chat, _ in sent]
    assert order.index("99") <= 2  # not behind the eight still queued
    assert dict(sent)["99"] == asked  # sent at once: no wait for the spacing

    big = asyncio.gather(*(send(chat) for chat in range(100, 160)))  # sixty more: the window fills
    replies = asyncio.gather(*(reply(chat) for chat in range(200, 210)))  # ten replies meanwhile
    await asyncio.gather(big, replies)
    assert len(sent) == 81
    assert max_in_window([t for _, t in sent], 1.0) <= 30  # replies included: never over the limit


async def test_retry_after_pauses_every_send_and_retries_the_request() -> None:
    vt = VirtualTime()
    limiter = TelegramRateLimiter(margin=0.001, clock=vt.clock, sleep=vt.sleep)
    chats: list[int | str] = list(range(1, 41))
    sent = await send_all(limiter, vt, chats, fail_once={0})
    assert sorted(sent) == sorted(str(c) for c in chats)  # the failed one was retried, once
    assert limiter.retry_afters == 1
    assert all(len(times) == 1 for times in sent.values())
    assert sent["1"][0] >= 5.0  # sent again only after the pause
    assert max(t for times in sent.values() for t in times) >= 5.0


async def test_gives_up_after_max_retries() -> None:
    vt = VirtualTime()
    limiter = TelegramRateLimiter(max_retries=1, clock=vt.clock, sleep=vt.sleep)
    calls = 0

    async def always_flooded() -> bool:
        nonlocal calls
        calls += 1
        raise RetryAfter(timedelta(seconds=3))

    with pytest.raises(RetryAfter):
        await limiter.process_request(always_flooded, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert calls == 2
    assert vt.now >= 3.0


def test_only_message_sends_are_throttled() -> None:
    assert is_throttled("sendMessage")
    assert not is_throttled("sendChatAction")
    assert not is_throttled("getChatMember")


async def test_a_chat_is_tracked_only_while_its_sends_can_delay_another() -> None:
    vt = VirtualTime()
    limiter = TelegramRateLimiter.for_paid_broadcast(True, margin=0.001, clock=vt.clock, sleep=vt.sleep)
    private: list[int | str] = list(range(1, 3001))
    groups: list[int | str] = [-1000 - i for i in range(200)]
    sent = await send_all(limiter, vt, [*private, *groups])
    assert len(sent) == 3200
    assert max_in_window([t for times in sent.values() for t in times], 1.0) <= 1000
    # Just after the last send: only the chats of the last second, and the groups (a minute).
    assert limiter.chats_tracked <= 1000 + 200
    vt.now += 1.1  # every private chat's interval has passed
    await send_all(limiter, vt, [-5])
    assert limiter.chats_tracked == 200 + 1  # the groups still count their minute
    vt.now += 61
    await send_all(limiter, vt, [7])
    assert limiter.chats_tracked == 1  # the chat being sent to, nothing else


async def test_a_forgotten_chat_still_keeps_its_spacing_while_it_matters() -> None:
    vt = VirtualTime()
    limiter = TelegramRateLimiter.for_paid_broadcast(True, margin=0.001, clock=vt.clock, sleep=vt.sleep)
    sent = await send_all(limiter, vt, [*range(1, 2001), 5, 5, *([-7] * 22)])
    assert min(b - a for a, b in zip(sent["5"], sent["5"][1:], strict=False)) >= 1.0
    assert len(sent["5"]) == 3
    assert max_in_window(sent["-7"], 60.0) <= 20
    assert len(sent["-7"]) == 22


class LateTime(VirtualTime):
    """Virtual time whose sleeps wake a millisecond late, as a busy event loop's timers do."""

    async def sleep(self, seconds: float) -> None:
        await super().sleep(seconds + 0.001)


async def test_late_wake_ups_do_not_lower_the_paid_rate_nor_make_bursts() -> None:
    vt = LateTime()
    limiter = TelegramRateLimiter.for_paid_broadcast(True, margin=0.001, clock=vt.clock, sleep=vt.sleep)
    sent = await send_all(limiter, vt, list(range(1, 3001)))
    times = sorted(t for ts in sent.values() for t in ts)
    assert len(times) == 3000
    assert max_in_window(times, 1.0) <= 1000
    # 3,000 sends at 1,000/s: each late wake-up lets the sends due meanwhile catch up, so the rate
    # holds (spaced one by one, each would take 1.5 ms: 4.5 s).
    assert times[-1] - times[0] < 3.2
    spacing = 1.001 / 1000 / 2  # half the even spacing, kept on average
    assert max(Counter(times).values()) <= CATCH_UP / spacing + 1  # at once: no more than the catch-up
    assert max_in_window(times, 0.01) <= (CATCH_UP + 0.01) / spacing + 1


async def test_a_sender_behind_stops_taking_slots_instead_of_announcing_parts_far_ahead() -> None:
    vt = VirtualTime()
    limiter = TelegramRateLimiter.for_paid_broadcast(True, margin=0.001, clock=vt.clock, sleep=vt.sleep)
    announced, peak, sent = 0, 0, 0

    async def slow_announcement() -> None:  # the ledger's write, behind (a starved loop, a slow disk)
        nonlocal announced, peak
        announced += 1
        peak = max(peak, announced)
        await asyncio.sleep(0.005)  # in real time: the virtual clock does not move meanwhile

    async def call() -> bool:
        nonlocal announced, sent
        announced -= 1  # the announced part leaves
        sent += 1
        return True

    async def one(chat: int) -> Any:
        with announcing(slow_announcement):
            return await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": chat}, None)

    await asyncio.gather(*(one(chat) for chat in range(1, 301)))
    assert sent == 300
    assert 1 < peak <= limiter.in_flight_at_most == 64  # never the whole window's thousand at once
