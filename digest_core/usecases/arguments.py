"""Arguments of user commands, parsed once for every platform: a request or a user-facing error."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from digest_core.dates import DATE_FORMAT_HELP, latest_complete_date, parse_digest_date
from digest_core.errors import CommandError, DateInputError, UnknownTopicError
from digest_core.topics import Topic, Topics

MAX_ARG_LENGTH = 64


@dataclass(frozen=True)
class DigestRequest:
    topic: Topic
    day: date


def _check_length(value: str) -> None:
    if len(value) > MAX_ARG_LENGTH:
        raise CommandError(f"That argument is too long (at most {MAX_ARG_LENGTH} characters).")


def parse_topic(text: str | None, topics: Topics, usage: str) -> Topic:
    if not text or not text.strip():
        raise CommandError(f"Usage: {usage}\nTopics: {', '.join(topics.ids)}")
    _check_length(text)
    try:
        return topics.get(text)
    except UnknownTopicError:
        shown = text.strip()[:MAX_ARG_LENGTH]
        raise CommandError(f"Unknown topic '{shown}'. Topics: {', '.join(topics.ids)}") from None


def parse_date(text: str | None, topic: Topic, now: datetime) -> date:
    """The date a user asked for; the latest complete day when none."""
    if text is None or not text.strip():
        return latest_complete_date(topic, now)
    _check_length(text)
    try:
        return parse_digest_date(text, topic, now)
    except DateInputError as exc:
        raise CommandError(f"{str(exc)[0].upper()}{str(exc)[1:]}.") from None


def split_args(args: Sequence[str | None], most: int, usage: str) -> list[str | None]:
    """`args` padded with None to `most`, or `CommandError` when there are more (the one place
    that says so)."""
    if len(args) > most:
        raise CommandError(f"Too many arguments. Usage: {usage}")
    return [*args, *([None] * (most - len(args)))]


def parse_digest_args(args: Sequence[str], topics: Topics, now: datetime, usage: str) -> DigestRequest:
    """`TOPIC [DATE]` as typed after a command (Telegram) or given as options (Discord)."""
    topic_text, date_text = split_args(args, 2, usage)
    topic = parse_topic(topic_text, topics, usage)
    return DigestRequest(topic, parse_date(date_text, topic, now))


__all__ = [
    "DATE_FORMAT_HELP",
    "DigestRequest",
    "parse_date",
    "parse_digest_args",
    "parse_topic",
    "split_args",
]
