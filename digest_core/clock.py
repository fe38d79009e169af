"""The one source of "now": the wall clock in UTC, or a clock set to start at a given moment.

Every component that needs the time takes a `Clock` (a callable returning an aware UTC datetime),
so tests and demos set "now" instead of depending on the hour they run at.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


def clock_starting_at(start: datetime, wall: Clock = utc_now) -> Clock:
    """A clock that reads `start` now and advances with the wall clock from here on."""
    offset = start.astimezone(UTC) - wall()
    return lambda: wall() + offset
