"""Logging to stderr, and every configured secret redacted from everything the process writes:
log records (tracebacks included), stdout and stderr, and uncaught exceptions."""

from __future__ import annotations

import logging
import os
import sys
import threading
import traceback
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TextIO

from digest_core.redaction import redact, redact_log_records, register_secrets, secrets_scope, url_password

_HANDLER_NAME = "digestbot"
SECRET_VARIABLES = ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "GEMINI_API_KEY")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def secrets_from_environment() -> list[str]:
    """The secret values set in the environment (before any setting is validated)."""
    values = [os.environ.get(name) for name in SECRET_VARIABLES]
    values.append(url_password(os.environ.get("DATABASE_URL")))
    return [v for v in values if v]


class RedactingFormatter(logging.Formatter):
    """A formatter whose whole output is redacted; with `tracebacks` off (any level but DEBUG), an
    exception is shown as one line (`  (Type: message)`), not a traceback."""

    def __init__(self, fmt: str, tracebacks: bool = True) -> None:
        super().__init__(fmt)
        self.tracebacks = tracebacks

    def formatException(self, ei: Any) -> str:
        if self.tracebacks:
            return super().formatException(ei)
        exc = ei[1]
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        return f"  ({type(exc).__name__}: {lines[0][:300] if lines else ''})"

    def formatStack(self, stack_info: str) -> str:
        return super().formatStack(stack_info) if self.tracebacks else ""

    def format(self, record: logging.LogRecord) -> str:
        record.exc_text = None  # never a cached traceback formatted by another handler
        return redact(super().format(record))


class RedactingStream:
    """A text stream that writes whole lines with every secret masked (a partial line waits for its
    end or a flush, so a secret written in two pieces is still found). It has no `buffer`: click's
    `get_text_stream` would otherwise write to the binary stream beneath, past the redaction, when
    the locale's error handler is not "strict" (a service without LANG)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        if "\n" in self._pending:
            lines, self._pending = self._pending.rsplit("\n", 1)
            self.stream.write(redact(lines + "\n"))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self.stream.write(redact(self._pending))
            self._pending = ""
        self.stream.flush()

    def __getattr__(self, name: str) -> Any:
        if name == "buffer":
            raise AttributeError(name)
        return getattr(self.stream, name)


def _redacted_excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    stream = sys.__stderr__ or sys.stderr
    stream.write(redact(text))
    stream.flush()


def _redacted_thread_hook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    exc = args.exc_value or args.exc_type()
    _redacted_excepthook(args.exc_type, exc, args.exc_traceback)


def protect_process() -> None:
    """At the entry point, before anything else: register the environment's secrets, redact
    stdout and stderr, and print uncaught exceptions (any thread) redacted."""
    register_secrets(secrets_from_environment())
    redact_log_records()
    if not isinstance(sys.stdout, RedactingStream):
        sys.stdout = RedactingStream(sys.stdout)
    if not isinstance(sys.stderr, RedactingStream):
        sys.stderr = RedactingStream(sys.stderr)
    sys.excepthook = _redacted_excepthook
    threading.excepthook = _redacted_thread_hook


class CurrentStderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is at each record (as logging's last-resort handler does), so
    that replacing stderr (the redacting wrapper, a test's capture) never leaves it writing to a
    closed stream."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


@dataclass
class LoggingSetup:
    """What `setup_logging` changed in the process's logging, and `undo` to put it back (a test's
    logging then ends with the test; the service's lasts as long as the process)."""

    handler: logging.Handler
    replaced: list[logging.Handler]
    root_level: int
    levels: dict[str, int]
    raise_exceptions: bool
    secrets: AbstractContextManager[None] | None  # the scope its secrets were registered in, until undone

    def undo(self) -> None:
        if self.secrets is not None:  # forget the secrets it (and anything after it) registered; once
            self.secrets.__exit__(None, None, None)
            self.secrets = None
        root = logging.getLogger()
        kept = [h for h in root.handlers if h is not self.handler]
        root.handlers[:] = kept + [h for h in self.replaced if h not in kept]
        root.setLevel(self.root_level)
        for name, level in self.levels.items():
            logging.getLogger(name).setLevel(level)
        logging.raiseExceptions = self.raise_exceptions


_NOISY = ("httpx", "httpcore", "aiosqlite", "google_genai", "alembic", "apscheduler")


def setup_logging(level: str, secrets: Iterable[str]) -> LoggingSetup:
    """Log to stderr with secrets redacted; calling it again replaces the handler it added before.
    Returns what it changed, to undo."""
    scope = secrets_scope()
    scope.__enter__()
    register_secrets(secrets)
    redact_log_records()
    root = logging.getLogger()
    handler = CurrentStderrHandler()
    setup = LoggingSetup(
        handler,
        [h for h in root.handlers if h.get_name() == _HANDLER_NAME],
        root.level,
        {name: logging.getLogger(name).level for name in _NOISY},
        logging.raiseExceptions,
        scope,
    )
    # A handler that fails (its stream closed) must not print the raw record: its arguments are not redacted.
    logging.raiseExceptions = False
    level = level.upper() if level.upper() in LOG_LEVELS else "INFO"
    fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    handler.setFormatter(RedactingFormatter(fmt, tracebacks=level == "DEBUG"))
    handler.set_name(_HANDLER_NAME)
    root.handlers[:] = [h for h in root.handlers if h.get_name() != _HANDLER_NAME] + [handler]
    root.setLevel(level)
    for noisy in _NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return setup
