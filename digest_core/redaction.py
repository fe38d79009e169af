"""Secrets never leave the process: one registry of secret values, and `redact` for any text.

The composition root registers every configured secret (tokens, API keys, database and feed
passwords) at start-up; anything that writes text out of the process (logs, stderr, error rows in
the database) passes it through `redact` first. A secret is found whatever its case (libraries
capitalize or lower-case server messages), and percent-encoded (once or twice, `+` for a space)
as URLs carry it. Feed URLs are shown and stored without their user name and password
(`display_url`).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

MASK = "***"
MIN_SECRET = 6  # shorter values are too likely to be ordinary words to be masked everywhere
STORED_TEXT = 1000  # the longest error or reason text kept in a database row


def secret_parts(value: str) -> list[str]:
    """The value and its parts an error message may show alone (a Telegram token's part after ':')."""
    parts = [value]
    if ":" in value:
        parts += [p for p in value.split(":") if len(p) >= 16]
    return parts


def _char_forms(char: str) -> str:
    """A pattern for one character of a secret: itself (any case), or percent-encoded once or
    twice in either case (`%3A`, `%253a`), or `+` for a space."""
    forms = {re.escape(char)}
    for variant in {char, char.lower(), char.upper()}:
        if len(variant) == 1:
            encoded = "".join(f"%{byte:02X}" for byte in variant.encode("utf-8"))
            forms |= {re.escape(encoded), re.escape(encoded.replace("%", "%25"))}
    if char == " ":
        forms.add(r"\+")
    return "(?:" + "|".join(sorted(forms)) + ")" if len(forms) > 1 else forms.pop()


def _compile(secrets: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern for every secret in every form, longest first. It opens with a look-ahead on the
    characters a match can start with, so that most positions are passed at one set test."""
    longest_first = sorted(secrets, key=lambda s: (-len(s), s))
    if not longest_first:
        return None
    starts = re.escape("".join(sorted({"%"} | {secret[0] for secret in longest_first})))
    alternatives = ("".join(_char_forms(c) for c in secret) for secret in longest_first)
    return re.compile(f"(?=[{starts}])(?:{'|'.join(alternatives)})", re.IGNORECASE)


class SecretRegistry:
    """Secret values to mask, and `redact` for any text. A secret is registered for as long as the
    `scope` it was registered in lasts (`with registry.scope(): ...`), then forgotten."""

    def __init__(self) -> None:
        self._secrets: frozenset[str] = frozenset()
        # every secret in every form (None when there is none), and case-folded for the quick test
        # that most text passes: replaced together, read together
        self._matchers: tuple[re.Pattern[str] | None, tuple[str, ...]] = (None, ())
        self._lock = threading.Lock()

    def _set(self, secrets: frozenset[str]) -> None:
        self._secrets = secrets
        self._matchers = (_compile(secrets), tuple(s.casefold() for s in secrets))

    def register(self, values: Iterable[str | None]) -> None:
        """Add secret values to mask from now on (surrounding whitespace dropped; blank and very short
        ones are ignored). The one pattern that finds them all is rebuilt only when a value is new."""
        new = set()
        for value in values:
            if value is None:
                continue
            new |= {part for part in secret_parts(value.strip()) if len(part) >= MIN_SECRET}
        with self._lock:
            if not new <= self._secrets:
                self._set(self._secrets | new)

    def values(self) -> list[str]:
        """Every registered secret (to hand to a worker process, which has a registry of its own)."""
        return sorted(self._secrets)

    @contextmanager
    def scope(self) -> Iterator[None]:
        """Secrets registered inside are forgotten on leaving (those registered before are kept)."""
        with self._lock:
            before = self._secrets
        try:
            yield
        finally:
            with self._lock:
                self._set(before)

    def redact(self, text: str) -> str:
        """`text` with every registered secret, in any case or URL-encoding, replaced by `***`.

        Text without `%` or `+` in which no secret occurs case-folded (most log lines) is returned
        after one `casefold` and a substring test per secret; the pattern runs on the rest."""
        pattern, folded = self._matchers
        if pattern is None or not text:
            return text
        if "%" not in text and "+" not in text:
            lowered = text.casefold()
            if not any(secret in lowered for secret in folded):
                return text
        return pattern.sub(MASK, text)


# The process's one registry, process-global on purpose: log records of every library's loggers,
# stdout and stderr, and uncaught exceptions of any thread are redacted through it, and none of
# them can be handed an object. In a command's process it lasts as long as the process (an uncaught
# exception is printed after `main` returns, and must still be redacted); what `setup_logging`
# registers ends with its `undo`, and a test's registrations end with the test (the autouse
# `production_logging` fixture runs each test inside `SECRETS.scope()`).
SECRETS = SecretRegistry()


def register_secrets(values: Iterable[str | None]) -> None:
    """`SECRETS.register`: mask these values from now on, until the current scope ends."""
    SECRETS.register(values)


def registered_secrets() -> list[str]:
    """Every secret registered in the process (to hand to a worker process)."""
    return SECRETS.values()


def secrets_scope() -> AbstractContextManager[None]:
    """`with secrets_scope():` secrets registered inside are forgotten on leaving."""
    return SECRETS.scope()


def redact(text: str) -> str:
    """`text` with every registered secret, in any case or URL-encoding, replaced by `***`."""
    return SECRETS.redact(text)


def stored_text(text: str, limit: int = STORED_TEXT) -> str:
    """Free text (an exception's message, a server's answer) as an error or reason column keeps it:
    redacted, any URL in it without credentials, then cut to `limit` characters (cutting first
    could keep the start of a secret)."""
    return _CREDENTIALS.sub(r"\1", redact(text))[:limit]


def url_password(url: str | None) -> str | None:
    """The password in a URL such as `postgresql://user:PASSWORD@host/db`, if any, decoded as the
    client sends it (its percent-encoded form is matched by `redact` as well)."""
    if not url:
        return None
    try:
        password = urlsplit(url).password
    except ValueError:
        return None
    return unquote(password) if password else None


# `scheme://` and a user name and password up to the last `@` before the host
_CREDENTIALS = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*://)[^\s/?#]*@")


def display_url(url: str) -> str:
    """`url` without the user name and password before its host (`https://user:pass@host/feed` is
    `https://host/feed`): the form of a configured URL that may be shown, logged or stored."""
    return _CREDENTIALS.sub(r"\1", url, count=1)


_base_factory = logging.getLogRecordFactory()


def _redacting_record_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: leave it to the handler's error path
        return record
    masked = redact(message)
    if masked != message:
        record.msg, record.args = masked, None
    return record


def redact_log_records() -> None:
    """Mask secrets in every log record as it is created, whichever handler (or test) reads it."""
    logging.setLogRecordFactory(_redacting_record_factory)
