"""One backoff policy for every retry: the wait grows from `base` by `factor` per retry, at most
`cap`, with up to `jitter` of it added at random (so that clients retrying together spread out)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class BackoffPolicy:
    """`base` seconds before the first retry; `jitter` 0.25 adds up to a quarter at random."""

    base: float
    factor: float = 2.0
    cap: float = math.inf
    jitter: float = 0.0

    def wait(self, retry: int, uniform: Callable[[], float] = random.random) -> float:
        """Seconds to wait before retry number `retry` (1 for the first); `uniform` gives [0, 1)."""
        wait = self.base * self.factor ** (retry - 1)
        if self.jitter:
            wait *= 1 + self.jitter * uniform()
        return min(wait, self.cap)
