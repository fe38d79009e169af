"""The shared command-argument parser used by every platform."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest_core.errors import CommandError
from digest_core.topics import load_topics
from digest_core.usecases.arguments import parse_digest_args, split_args

NOW = datetime(2026, 2, 25, 10, tzinfo=UTC)
USAGE = "/digest TOPIC [DATE]"


def test_topic_and_date() -> None:
    request = parse_digest_args(["China-Japan", "2026-02-24"], load_topics(), NOW, USAGE)
    assert (request.topic.id, request.day) == ("china-japan", date(2026, 2, 24))


def test_date_defaults_to_the_latest_complete_day() -> None:
    assert parse_digest_args(["china-japan"], load_topics(), NOW, USAGE).day == date(2026, 2, 25)
    early = datetime(2026, 2, 25, 1, tzinfo=UTC)
    assert parse_digest_args(["china-japan"], load_topics(), early, USAGE).day == date(2026, 2, 24)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Usage: /digest TOPIC [DATE]\nTopics: china-japan"),
        (["mars"], "Unknown topic 'mars'. Topics: china-japan"),
        (["china-japan", "tomorrow"], "Malformed date 'tomorrow': use YYYY-MM-DD"),
        (["china-japan", "2026-03-01"], "2026-03-01 is in the future"),
        (["china-japan", "2026-02-24", "extra"], "Too many arguments. Usage: /digest TOPIC [DATE]"),
        (["x" * 200], "too long"),
        (["<b>bold</b>"], "Unknown topic '<b>bold</b>'"),
    ],
)
def test_bad_arguments_give_a_short_helpful_message(args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as info:
        parse_digest_args(args, load_topics(), NOW, USAGE)
    assert message in str(info.value)


@given(st.lists(st.text(max_size=80), max_size=5), st.integers(min_value=0, max_value=3))
def test_split_args_pads_or_refuses_in_one_line(args: list[str], most: int) -> None:
    if len(args) > most:
        with pytest.raises(CommandError) as info:
            split_args(args, most, "/x TOPIC")
        assert str(info.value) == "Too many arguments. Usage: /x TOPIC"  # never echoes what was typed
    else:
        assert split_args(args, most, "/x TOPIC") == [*args, *[None] * (most - len(args))]
