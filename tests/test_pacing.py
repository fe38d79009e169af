"""`digest_core.pacing`: calls spaced by an interval, and at most N calls in any window (a virtual
clock where the pace takes one; the event loop's own clock for `WindowPace`)."""

from __future__ import annotations

import asyncio

import pytest

from digest_core.pacing import RateLimiter, SlidingWindow, WindowPace, inside_slot


async def test_calls_are_spaced_by_the_interval_whoever_makes_them() -> None:
    now = [0.0]
    starts: list[float] = []

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    pace = RateLimiter(2.0, clock=lambda: now[0], sleep=sleep)

    async def call() -> None:
        await pace.wait()
        starts.append(now[0])

    await asyncio.gather(*(call() for _ in range(4)))
    assert starts == [0.0, 2.0, 4.0, 6.0]
    now[0] = 20.0  # idle for longer than the interval: the next call goes at once
    await call()
    assert starts[-1] == 20.0


async def test_a_full_window_holds_the_next_slot_until_an_answer_leaves_it() -> None:
    pace = WindowPace(2, window=600.0)  # nothing leaves the window during the test
    async with pace.slot():
        assert inside_slot() and pace.counted == 1
    assert not inside_slot()
    pace.started()  # a request made outside the pace: counted, not held back
    assert pace.counted == 2
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2), pace.slot():
            pass
    pace.answered()
    assert pace.counted == 2  # answered, but still within the window


async def test_slots_are_spread_and_free_again_once_the_window_has_passed() -> None:
    loop = asyncio.get_running_loop()
    pace = WindowPace(2, window=0.2)
    starts: list[float] = []
    for _ in range(3):
        async with pace.slot():
            starts.append(loop.time())
    assert starts[1] - starts[0] >= 0.2 / 2 / 2 - 0.01  # half the even spacing at least
    assert starts[2] - starts[0] >= 0.2 - 0.01  # the third waited for the first to leave the window


def test_a_sliding_window_counts_a_request_from_its_start_until_a_window_after_its_answer() -> None:
    window = SlidingWindow(limit=2, window=1.0)
    assert window.wait(0.0, poll=0.005) == 0.0
    window.started()
    window.started()
    assert window.wait(0.1, poll=0.005) == 0.005  # both in flight: nothing to wait for but an answer
    window.answered(0.2)
    assert window.wait(0.3, poll=0.005) == pytest.approx(0.9)  # until a window after that answer
    assert window.counted(0.3) == 2
    assert window.wait(1.25, poll=0.005) == 0.0 and window.counted(1.25) == 1
