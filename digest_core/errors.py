"""Every exception the project defines, in one place (a leaf module: it imports no library and no
module of the project), grouped by the area that raises it: the core's, then the adapters' and the
composition root's. `tests/test_exceptions.py` checks that no other module defines one.

`UserError`s carry a short message meant for the person who typed a command: every front end
shows `str(exc)` as it is (escaped for its format). The others are operators' or adapters' concern.
"""

from __future__ import annotations

from datetime import date

# --- Use cases: what a user asked for ------------------------------------------------------------


class DigestbotError(Exception):
    """Base of the errors below."""


class UserError(DigestbotError):
    """Something a user asked for cannot be done; `str(exc)` says why, briefly, for that user."""


class CommandError(UserError, ValueError):
    """Bad input to a command (unknown topic, bad date, too many arguments): nothing happens."""


class DateInputError(CommandError):
    """A date argument a user typed that cannot be used; the message says why and how to fix it."""


# --- Topics -------------------------------------------------------------------------------------


class UnknownTopicError(DigestbotError, LookupError):
    """A topic id that is not configured; the message lists the known ones."""

    def __init__(self, topic_id: str, known: list[str]) -> None:
        super().__init__(f"unknown topic {topic_id!r}; known topics: {', '.join(known)}")
        self.topic_id = topic_id
        self.known = known


class TopicsFileError(DigestbotError, ValueError):
    """The topics file cannot be used; the message names the file, the line or key, and the problem."""


# --- Digests, trends, publishing --------------------------------------------------------------


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


class NoDigestsInRange(TrendError):
    """No archived digest in the range; `latest` is the newest one before it, if any."""

    def __init__(self, topic_id: str, end: date, days: int, latest: date | None) -> None:
        self.where = f"no archived digests of {topic_id} in the {days} days to {end.isoformat()}"
        self.latest = latest
        if latest is None:
            super().__init__(f"{self.where}: build some first (digestbot build {topic_id})")
        else:
            super().__init__(f"{self.where}; the latest is {latest.isoformat()}: ask for the days ending then")


class NothingToPublish(UserError):
    """`publish` found nothing to deliver (no articles, or the window is still open)."""


# --- Editorial and summaries ----------------------------------------------------------------------


class EditorError(Exception):
    """The editor could not give a usable answer; the rules decide alone."""


class SummarizerError(DigestbotError):
    """A summarizer could not produce a valid summary; the message says why (no secrets)."""


# --- Sources: fetching and parsing feeds and pages ---------------------------------------------------


class FeedParseError(ValueError):
    """A feed body that holds no usable items (HTML, broken XML...)."""


class FeedBodyError(ValueError):
    """A body that cannot be turned into feed bytes (a broken or oversized gzip file)."""


class BodyTooLarge(Exception):
    """An answer whose decoded body grows past the cap (a decompression bomb, a runaway feed)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"body over {limit // 1024} kB (decoded), not read further")


class UnsupportedEncoding(Exception):
    """A `Content-Encoding` this client did not ask for and cannot inflate in bounded steps."""


class DecodingStopped(Exception):
    """Decoding ends for this run (consent wall, repeated 429s, a changed answer, Google unreachable)."""


class AnswerShapeError(ValueError):
    """A batchexecute answer that is not in the shape this decoder knows."""


# `OutboundRefused` stays in digest_core/fetch/outbound.py: it subclasses `httpx.RequestError`
# (every caller handles a refusal as a failed request), and this module imports no library.


# --- Delivery -------------------------------------------------------------------------------------


class DestinationGone(DigestbotError):
    """The destination no longer accepts messages (bot removed, channel deleted, no permission):
    its subscription should be deactivated, not retried."""


class SendFailed(DigestbotError):
    """Sending failed for a reason that may pass (network, rate limits beyond retries): retry later."""


class RecordingFailed(Exception):
    """A sent part could not be recorded: the delivery stops, its row stays claimed."""


class ClaimLost(Exception):
    """Another worker owns the delivery now: this one stops before sending."""


# --- Storage --------------------------------------------------------------------------------------


class DatabaseFileError(OSError):
    """A SQLite database path that cannot work: a directory, or a file SQLite could not write."""


class WritesRefused(DigestbotError):
    """The database refuses writes (read-only file or file system, disk full, write rights
    revoked): not worth retrying for long. The delivery stops: nothing is sent whose recording
    cannot be written first. `str(exc)` is the one line for the operator."""


# --- Adapters: platforms and output formats -------------------------------------------------------


class DiscordStartError(Exception):
    """The Discord bot could not start (missing or rejected token); the message says what to fix."""


class DiscordTokenRejected(DiscordStartError):
    """Discord refused the token: retrying cannot help until it is changed."""


class Refusal(Exception):
    """A Telegram reply (HTML, already escaped) that ends a command without changing anything."""


class OutputPathError(ValueError):
    """A path that cannot receive an output file; the message says why, in one line."""


class SiteError(Exception):
    """The site cannot be built or served; the message says why, in one line."""


class HugoNotInstalled(SiteError):
    """No `hugo` on PATH; the message says how to install it."""

    def __init__(self, install_hint: str) -> None:
        super().__init__(f"Hugo is not installed (no `hugo` on PATH): {install_hint}")


class HugoFailed(SiteError):
    """Hugo ran and failed; `output` holds what it printed."""

    def __init__(self, returncode: int, output: str) -> None:
        lines = [line for line in output.splitlines() if line.strip()]
        errors = [line for line in lines if "ERROR" in line or line.startswith("Error")]
        detail = (errors or lines or ["no output"])[-1]
        super().__init__(f"hugo failed (exit {returncode}): {detail}")
        self.returncode = returncode
        self.output = output


# --- Composition root: the command line, the service, the demo -----------------------------------


class Terminated(BaseException):
    """SIGTERM arrived (a BaseException, as KeyboardInterrupt: no `except Exception` swallows it)."""


class DatabaseUnavailable(Exception):
    """The configured database cannot be opened or migrated (unreachable, missing, corrupt, read-only)."""


class BadQuery(ValueError):
    """A search query the demo host cannot answer: an `after:` or `before:` that is not a date."""
