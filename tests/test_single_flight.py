"""`SingleFlight`: one run per key for concurrent callers; failures never kept; results kept only when asked."""

from __future__ import annotations

import asyncio

import pytest

from digest_core.single_flight import SingleFlight


class Maker:
    """Work that waits for `gate`, counting its runs and how many were cancelled."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.runs = 0
        self.cancelled = 0

    async def __call__(self, result: int | None = 1, fail: bool = False) -> int | None:
        self.runs += 1
        try:
            await self.gate.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        if fail:
            raise RuntimeError("store down")
        return result


async def test_concurrent_callers_share_one_run_and_one_giving_up_leaves_the_others() -> None:
    flights: SingleFlight[str, int | None] = SingleFlight(kept=8)
    make = Maker()
    together = [asyncio.ensure_future(flights.run("k", make)) for _ in range(5)]
    await asyncio.sleep(0)
    assert flights.running("k") and not flights.running("other")
    together[0].cancel()  # one caller gives up: the others still get the result
    make.gate.set()
    assert await asyncio.gather(*together[1:]) == [1, 1, 1, 1]
    assert (make.runs, make.cancelled) == (1, 0)
    assert await flights.run("k", make) == 1 and make.runs == 1  # kept: not made again


async def test_a_failure_is_given_to_every_caller_and_never_kept() -> None:
    flights: SingleFlight[str, int | None] = SingleFlight(kept=8)
    make = Maker()
    make.gate.set()
    both = [asyncio.ensure_future(flights.run("failing", lambda: make(fail=True))) for _ in range(2)]
    results = await asyncio.gather(*both, return_exceptions=True)
    assert [type(r) for r in results] == [RuntimeError, RuntimeError] and make.runs == 1
    assert await flights.run("failing", make) == 1 and make.runs == 2  # tried again
    assert await flights.run("none", lambda: make(None)) is None
    refusing: SingleFlight[str, int | None] = SingleFlight(kept=8, keep=lambda v: v is not None)
    assert await refusing.run("none", lambda: make(None)) is None
    await asyncio.sleep(0)
    assert len(refusing) == 0  # a refused result is asked again next time


async def test_the_run_is_cancelled_when_its_last_caller_gives_up() -> None:
    flights: SingleFlight[str, int | None] = SingleFlight()
    make = Maker()
    lonely = asyncio.ensure_future(flights.run("abandoned", make))
    await asyncio.sleep(0)
    lonely.cancel()
    with pytest.raises(asyncio.CancelledError):
        await lonely
    assert make.cancelled == 1  # ended before the caller's cancellation reached it
    await asyncio.sleep(0)
    assert len(flights) == 0


async def test_without_kept_results_a_finished_run_is_forgotten_and_fresh_starts_anew() -> None:
    flights: SingleFlight[str, int | None] = SingleFlight()
    make = Maker()
    make.gate.set()
    assert await flights.run("k", make) == 1
    await asyncio.sleep(0)
    assert len(flights) == 0
    assert await flights.run("k", make) == 1 and make.runs == 2
    make.gate.clear()
    first = asyncio.ensure_future(flights.run("k", lambda: make(1)))
    await asyncio.sleep(0)
    fresh = asyncio.ensure_future(flights.run("k", lambda: make(2), fresh=True))
    joined = asyncio.ensure_future(flights.run("k", lambda: make(3)))
    await asyncio.sleep(0)
    make.gate.set()
    assert await asyncio.gather(first, fresh, joined) == [1, 2, 2]  # the later caller joined the fresh run
    assert make.runs == 4


async def test_a_full_table_forgets_its_kept_results() -> None:
    flights: SingleFlight[int, int | None] = SingleFlight(kept=2)
    make = Maker()
    make.gate.set()
    for key in (1, 2, 3):
        await flights.run(key, make)
    await asyncio.sleep(0)
    assert len(flights) == 1 and make.runs == 3
    assert await flights.run(3, make) == 1 and make.runs == 3
