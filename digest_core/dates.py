"""Digest dates and their 24-hour windows.

A digest for date D covers exactly the 24 hours before the topic's publish time on D, in the
topic's time zone: with the default 04:00 UTC, D-1 04:00 UTC up to (not including) D 04:00 UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from digest_core.errors import DateInputError
from digest_core.topics import Topic

DATE_FORMAT_HELP = "use YYYY-MM-DD, 'today' or 'yesterday' (for example 2026-02-25)"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EARLIEST = date(2000, 1, 1)  # no news feed this reads is older; earlier dates overflow time arithmetic


@dataclass(frozen=True)
class Window:
    """A half-open time range [start, end) in UTC."""

    start: datetime
    end: datetime

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def digest_window(topic: Topic, day: date) -> Window:
    """The 24 hours before the topic's publish time on `day`, in UTC."""
    end_local = datetime.combine(day, topic.publish_time, tzinfo=topic.tz)
    end = end_local.astimezone(UTC)
    return Window(start=end - timedelta(hours=24), end=end)


def topic_today(topic: Topic, now: datetime) -> date:
    """The calendar date in the topic's time zone at `now`."""
    return now.astimezone(topic.tz).date()


def latest_complete_date(topic: Topic, now: datetime) -> date:
    """The newest date whose window has closed at `now` (today once the publish time has passed)."""
    today = topic_today(topic, now)
    return today if digest_window(topic, today).end <= now else today - timedelta(days=1)


def next_publish_time(topic: Topic, now: datetime) -> datetime:
    """When the topic's next digest is published: the end of the first window still open at `now` (UTC)."""
    return digest_window(topic, latest_complete_date(topic, now) + timedelta(days=1)).end


def parse_digest_date(text: str, topic: Topic, now: datetime) -> date:
    """Parse a user's date (`YYYY-MM-DD`, `today`, `yesterday`), refusing malformed and future dates."""
    raw = text.strip().lower()
    today = topic_today(topic, now)
    if raw == "today":
        return today
    if raw == "yesterday":
        return today - timedelta(days=1)
    if len(raw) > 10 or not _ISO_DATE.match(raw):
        shown = repr(text if len(text) <= 20 else text[:20] + "...")[:80]
        raise DateInputError(f"malformed date {shown}: {DATE_FORMAT_HELP}")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise DateInputError(f"no such date {text!r}: {DATE_FORMAT_HELP}") from None
    if day < EARLIEST:
        raise DateInputError(f"{day.isoformat()} is too early; the earliest date is {EARLIEST.isoformat()}")
    if day > today:
        raise DateInputError(f"{day.isoformat()} is in the future; the latest date is {today.isoformat()}")
    return day
