"""Recently read archived digests, kept in memory so that `/digest` of a popular day costs no
database round trip and no JSON decoding.

An archived digest changes only when it is rebuilt: through this process's `DigestService` (which
replaces the entry), or by an operator in another process, which this process sees after at most
`ttl` seconds.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import date

from digest_core.models import Digest

DEFAULT_SIZE = 64
DEFAULT_TTL = 60.0  # seconds


class RecentDigests:
    """A small least-recently-used map of (topic, day) to archived digest, each entry kept `ttl` s."""

    def __init__(
        self, size: int = DEFAULT_SIZE, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.size = size
        self.ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[tuple[str, date], tuple[float, Digest]] = OrderedDict()

    def get(self, topic: str, day: date) -> Digest | None:
        key = (topic, day)
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self._clock() - entry[0] >= self.ttl:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, digest: Digest) -> None:
        key = (digest.topic, digest.date)
        self._entries[key] = (self._clock(), digest)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def forget(self, topic: str, day: date) -> None:
        self._entries.pop((topic, day), None)

    def __len__(self) -> int:
        return len(self._entries)
