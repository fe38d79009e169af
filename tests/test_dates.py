"""Digest windows and date arguments."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from digest_core.dates import digest_window, latest_complete_date, parse_digest_date
from digest_core.errors import DateInputError
from digest_core.topics import Topic

NOW = datetime(2026, 2, 25, 10, 0, tzinfo=UTC)


def test_window_is_the_24_hours_before_publish_time(topic: Topic) -> None:
    window = digest_window(topic, date(2026, 2, 25))
    assert window.start == datetime(2026, 2, 24, 4, 0, tzinfo=UTC)
    assert window.end == datetime(2026, 2, 25, 4, 0, tzinfo=UTC)
    assert window.start in window
    assert window.end not in window  # half-open: the next digest owns its end


def test_window_follows_the_topic_time_zone(topic: Topic) -> None:
    tokyo = topic.model_copy(update={"timezone": "Asia/Tokyo", "publish_time": time(7, 30)})
    window = digest_window(tokyo, date(2026, 2, 25))
    assert window.end == datetime(2026, 2, 24, 22, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-02-24", date(2026, 2, 24)), ("today", date(2026, 2, 25)), (" Yesterday ", date(2026, 2, 24))],
)
def test_parse_accepted_dates(topic: Topic, text: str, expected: date) -> None:
    assert parse_digest_date(text, topic, NOW) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-2-4", "malformed date '2026-2-4': use YYYY-MM-DD"),
        ("24/02/2026", "malformed date"),
        ("2026-02-30", "no such date '2026-02-30'"),
        ("2026-02-26", "2026-02-26 is in the future; the latest date is 2026-02-25"),
        ("x" * 500, "malformed date 'xxxxxxxxxxxxxxxxxxxx...'"),
        ("", "malformed date"),
    ],
)
def test_parse_refuses_bad_dates(topic: Topic, text: str, message: str) -> None:
    with pytest.raises(DateInputError) as info:
        parse_digest_date(text, topic, NOW)
    assert message in str(info.value)


def test_latest_complete_date(topic: Topic) -> None:
    assert latest_complete_date(topic, datetime(2026, 2, 25, 3, 59, tzinfo=UTC)) == date(2026, 2, 24)
    assert latest_complete_date(topic, datetime(2026, 2, 25, 4, 0, tzinfo=UTC)) == date(2026, 2, 25)
