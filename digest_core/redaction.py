"""Secrets never leave the process: one registry of secret values, and `redact` for any text.

The composition root registers every configured secret (tokens, API keys, database passwords) at
start-up; anything that writes text out of the process (logs, stderr, error rows in the database)
passes it through `redact` first.
"""

from __future__ import annotations

from collections.abc import Iterable

MASK = "***"
MIN_SECRET = 6  # shorter values are too likely to be ordinary words to be masked everywhere

_secrets: set[str] = set()


def secret_parts(value: str) -> list[str]:
    """The value and its parts an error message may show alone (a Telegram token's part after ':',
    a URL's password)."""
    parts = [value]
    if ":" in value:
        parts += [p for p in value.split(":") if len(p) >= 16]
    return parts


def register_secrets(values: Iterable[str | None]) -> None:
    """Add secret values to mask from now on (blank and very short ones are ignored)."""
    for value in values:
        if value is None:
            continue
        for part in secret_parts(value.strip()):
            if len(part) >= MIN_SECRET:
                _secrets.add(part)


def clear_secrets() -> None:
    """Forget every registered secret (for tests)."""
    _secrets.clear()


def redact(text: str) -> str:
    """`text` with every registered secret replaced by `***` (longest first)."""
    if not _secrets or not text:
        return text
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text
