"""A topic's coverage over time, from the archive: articles per side per day and the on-topic share.

Platform-free: adapters draw it (`adapters/chart.py`) and send it. A day without an archived
digest has no counts (None), which is not the same as a digest with no articles from a side (0).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol, runtime_checkable

from digest_core.errors import NoDigestsInRange, TrendError
from digest_core.storage.digests import DayCoverage
from digest_core.topics import Topic

MIN_DAYS = 1
MAX_DAYS = 90
DEFAULT_DAYS = 14


@runtime_checkable
class CoverageStore(Protocol):
    async def coverage(self, topic: str, since: date, until: date) -> list[DayCoverage]: ...


def coverage_store(store: object) -> CoverageStore:
    """The digest archive as a `CoverageStore` (the SQL store is one), or `TrendError`."""
    if not isinstance(store, CoverageStore):
        raise TrendError("this archive cannot chart coverage")
    return store


@dataclass(frozen=True)
class SideSeries:
    """One side's articles per day (None: no archived digest that day)."""

    id: str
    name: str
    counts: list[int | None]


@dataclass(frozen=True)
class Trend:
    topic_id: str
    topic_name: str
    days: list[date]  # consecutive, oldest first
    sides: list[SideSeries]  # in the topic's order
    share: list[float | None]  # on_topic / in_window per day, None without a digest or a count

    @property
    def archived(self) -> int:
        """How many of the days have an archived digest."""
        return sum(c is not None for c in self.sides[0].counts) if self.sides else 0

    @property
    def start(self) -> date:
        return self.days[0]

    @property
    def end(self) -> date:
        return self.days[-1]


def check_days(days: int) -> int:
    """`days`, or `TrendError` when it is outside 1..90."""
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise TrendError(f"days must be between {MIN_DAYS} and {MAX_DAYS}, not {days}")
    return days


def parse_days(text: str | None) -> int:
    """A user's DAYS argument (None: the default), or `TrendError`."""
    if text is None:
        return DEFAULT_DAYS
    try:
        return check_days(int(text))
    except ValueError as exc:
        if isinstance(exc, TrendError):
            raise
        raise TrendError(f"days must be a whole number between {MIN_DAYS} and {MAX_DAYS}, not {text[:20]!r}") from None


def build_trend(topic: Topic, end: date, days: int, rows: list[DayCoverage]) -> Trend:
    """The trend of the `days` days ending on `end` from the archive's rows (pure)."""
    check_days(days)
    span = [end - timedelta(days=days - 1 - i) for i in range(days)]
    by_day = {r.day: r for r in rows}
    sides = [
        SideSeries(p.id, p.name, [by_day[d].per_side.get(p.id, 0) if d in by_day else None for d in span])
        for p in topic.perspectives
    ]
    share = [
        by_day[d].on_topic / by_day[d].in_window if d in by_day and by_day[d].in_window > 0 else None for d in span
    ]
    return Trend(topic.id, topic.name, span, sides, share)


async def coverage_trend(store: CoverageStore, topic: Topic, end: date, days: int) -> Trend:
    """The trend of the `days` days ending on `end`; `TrendError` when none of them is archived."""
    check_days(days)
    start = end - timedelta(days=days - 1)
    rows = await store.coverage(topic.id, start, end)
    if not rows:
        older = await store.coverage(topic.id, date.min, start - timedelta(days=1))
        raise NoDigestsInRange(topic.id, end, days, max((r.day for r in older), default=None))
    return build_trend(topic, end, days, rows)
