"""Logging to stderr, with every configured secret redacted from every record."""

from __future__ import annotations

import logging
from collections.abc import Iterable

_HANDLER_NAME = "digestbot"


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if len(s) >= 4]

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            message = record.getMessage()
            for secret in self._secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


def setup_logging(level: str, secrets: Iterable[str]) -> None:
    """Log to stderr with secrets redacted; calling it again replaces the handler it added before."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    handler.set_name(_HANDLER_NAME)
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if h.get_name() != _HANDLER_NAME] + [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "aiosqlite", "google_genai", "alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
