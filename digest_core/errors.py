"""Every exception the core raises on purpose, in one place (a leaf module: it imports nothing).

`UserError`s carry a short message meant for the person who typed a command: every front end
shows `str(exc)` as it is (escaped for its format). The others are operators' or adapters' concern.
"""

from __future__ import annotations

from datetime import date


class DigestbotError(Exception):
    """Base of the errors below."""


class UserError(DigestbotError):
    """Something a user asked for cannot be done; `str(exc)` says why, briefly, for that user."""


class CommandError(UserError, ValueError):
    """Bad input to a command (unknown topic, bad date, too many arguments): nothing happens."""


class DateInputError(CommandError):
    """A date argument a user typed that cannot be used; the message says why and how to fix it."""


class UnknownTopicError(DigestbotError, LookupError):
    """A topic id that is not configured; the message lists the known ones."""

    def __init__(self, topic_id: str, known: list[str]) -> None:
        super().__init__(f"unknown topic {topic_id!r}; known topics: {', '.join(known)}")
        self.topic_id = topic_id
        self.known = known


class TopicsFileError(DigestbotError, ValueError):
    """The topics file cannot be used; the message names the file, the line or key, and the problem."""


class NoArticlesError(UserError):
    """The window holds no on-topic article: there is nothing to digest (and nothing is stored).

    `str(exc)` is the same brief sentence on every front end; `detail` (counts, failed sources) is
    for operators' logs and the CLI's second line, never for chat users."""

    def __init__(self, topic_name: str, day: date, detail: str = "") -> None:
        super().__init__(f"No on-topic articles for {topic_name} on {day.isoformat()}.")
        self.topic_name = topic_name
        self.day = day
        self.detail = detail

    @property
    def report(self) -> str:
        """The sentence and its detail, for operators."""
        return f"{self} ({self.detail})" if self.detail else str(self)


class SourcesUnreachable(NoArticlesError):
    """No source gave any HTTP answer (DNS, connection or timeout on every one): the network is the
    cause, not the news. `str(exc)` asks chat users to try later; `detail` names the cause for
    operators (the CLI prints it alone). A `NoArticlesError`, so every empty-day handler takes it."""

    def __init__(self, detail: str) -> None:
        UserError.__init__(self, "The news sources could not be reached just now. Please try again later.")
        self.topic_name = ""
        self.detail = detail

    @property
    def report(self) -> str:
        return self.detail


class BuildRateLimited(UserError):
    """Too many on-demand builds of new dates; `retry_after` seconds until one is allowed."""

    def __init__(self, retry_after: int, scope: str) -> None:
        super().__init__(f"Too many new digests requested {scope}; try again in {retry_after} s.")
        self.retry_after = retry_after


class TrendError(UserError, ValueError):
    """A trend that cannot be drawn; the message says why, in one line, for users."""


class NothingToPublish(UserError):
    """`publish` found nothing to deliver (no articles, or the window is still open)."""


class SummarizerError(DigestbotError):
    """A summarizer could not produce a valid summary; the message says why (no secrets)."""


class DestinationGone(DigestbotError):
    """The destination no longer accepts messages (bot removed, channel deleted, no permission):
    its subscription should be deactivated, not retried."""


class SendFailed(DigestbotError):
    """Sending failed for a reason that may pass (network, rate limits beyond retries): retry later."""


class WritesRefused(DigestbotError):
    """The database refuses writes (read-only file or file system, disk full, write rights
    revoked): not worth retrying for long. The delivery stops: nothing is sent whose recording
    cannot be written first. `str(exc)` is the one line for the operator."""
