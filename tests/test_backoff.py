"""`digest_core.backoff.BackoffPolicy`: the one formula every retry waits by, with the numbers each
caller had before (Gemini and feeds: doubling from their base with up to a quarter of jitter;
Telegram sends: doubling; the platform supervisor: doubling up to its cap)."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from digest_core.backoff import BackoffPolicy


def test_the_wait_doubles_from_the_base() -> None:
    assert [BackoffPolicy(1.0).wait(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert [BackoffPolicy(0.5, factor=3.0).wait(n) for n in (1, 2, 3)] == [0.5, 1.5, 4.5]


def test_the_cap_bounds_every_wait() -> None:
    policy = BackoffPolicy(1.0, cap=5.0)
    assert [policy.wait(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_jitter_adds_its_share_of_the_wait() -> None:
    policy = BackoffPolicy(2.0, jitter=0.25)
    assert policy.wait(1, uniform=lambda: 0.0) == 2.0
    assert policy.wait(2, uniform=lambda: 0.5) == 4.0 * 1.125
    assert BackoffPolicy(2.0).wait(1, uniform=lambda: 0.99) == 2.0  # no jitter: the draw is not used


@given(
    base=st.floats(0.0, 100.0),
    retry=st.integers(1, 30),
    draw=st.floats(0.0, 0.999),
    cap=st.one_of(st.just(math.inf), st.floats(0.0, 1000.0)),
)
def test_the_old_formulas_are_kept(base: float, retry: int, draw: float, cap: float) -> None:
    # gemini.py and polite.py: backoff * 2 ** (attempt - 1) * (1 + random() / 4)
    assert math.isclose(
        BackoffPolicy(base, jitter=0.25).wait(retry, uniform=lambda: draw), base * 2 ** (retry - 1) * (1 + draw / 4)
    )
    # telegram/publisher.py: backoff * 2 ** (attempt - 1)
    assert BackoffPolicy(base).wait(retry) == base * 2 ** (retry - 1)
    # bot/supervisor.py: delay = first; after each failure delay = min(delay * 2, cap)
    delay = base
    for _ in range(retry - 1):
        delay = min(delay * 2, cap)
    assert math.isclose(BackoffPolicy(base, cap=cap).wait(retry), min(delay, cap))
