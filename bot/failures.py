"""What the command line says about an error nothing else handled: one line and an exit status.

Bad settings, databases and paths exit 2 (the operator must fix something); any other failure at
run time exits 1. Never a traceback (it is logged at DEBUG), never a secret (`redact`).
"""

from __future__ import annotations

import errno
import logging
import sys

from digest_core.errors import DatabaseUnavailable, DiscordTokenRejected, OutputPathError, WritesRefused
from digest_core.redaction import redact

log = logging.getLogger(__name__)

EXIT_BAD_INPUT = 2
EXIT_FAILURE = 1
_PATH_ERRNOS = {
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
    errno.ENOENT,
    errno.EISDIR,
    errno.ENOTDIR,
    errno.ENOSPC,
    errno.EEXIST,
    errno.ENAMETOOLONG,
    errno.ELOOP,
}


DEMO_HINT = "no internet here? `make demo` runs the bot on built-in sample news"


def with_demo_hint(line: str) -> str:
    """A line about sources that could not be reached, ending with the hint to the offline demo
    (the one wording of the service's log and of the command line)."""
    return f"{line}; {DEMO_HINT}"


def first_line(exc: BaseException, limit: int = 300) -> str:
    """The exception's message, first line only, shortened."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def token_rejected(exc: BaseException) -> str | None:
    """The platform ("Telegram", "Discord") whose token `exc` says was refused, else None.

    Only libraries already imported are consulted: an exception of theirs implies they are.
    """
    if "telegram" in sys.modules:
        # lazy: start-up: a platform's library only if it is loaded already
        from telegram.error import InvalidToken

        if isinstance(exc, InvalidToken):
            return "Telegram"
    if "discord" in sys.modules:
        # lazy: start-up: a platform's library only if it is loaded already
        from discord import LoginFailure

        if isinstance(exc, LoginFailure):
            return "Discord"
    if isinstance(exc, DiscordTokenRejected):
        return "Discord"
    return None


def explain(exc: BaseException) -> tuple[int, str]:
    """The exit status and the one line to print for an unhandled exception."""
    if isinstance(exc, DatabaseUnavailable | OutputPathError):
        return EXIT_BAD_INPUT, redact(first_line(exc))
    if isinstance(exc, WritesRefused):  # the operator must free space or restore write access
        return EXIT_FAILURE, redact(first_line(exc))
    platform = token_rejected(exc)
    if platform == "Telegram":
        hint = "Telegram rejected TELEGRAM_BOT_TOKEN (or TELEGRAM_BASE_URL is wrong): "
        return EXIT_BAD_INPUT, hint + redact(first_line(exc))
    if platform == "Discord":
        return EXIT_BAD_INPUT, "Discord rejected DISCORD_BOT_TOKEN: " + redact(first_line(exc))
    if isinstance(exc, OSError) and exc.errno in _PATH_ERRNOS:
        where = f" ({exc.filename})" if exc.filename else ""
        return EXIT_BAD_INPUT, redact(f"{exc.strerror or first_line(exc)}{where}")
    try:
        # lazy: start-up: a platform's library only if it is loaded already
        from sqlalchemy.exc import SQLAlchemyError
    except ImportError:  # pragma: no cover - a dependency
        SQLAlchemyError = ()  # type: ignore[assignment,misc]
    if isinstance(exc, SQLAlchemyError):
        return EXIT_FAILURE, "database failure: " + redact(first_line(getattr(exc, "orig", None) or exc))
    return EXIT_FAILURE, redact(f"{type(exc).__name__}: {first_line(exc)}")


def _sqlstate(exc: BaseException) -> str | None:
    """The PostgreSQL error code (SQLSTATE) somewhere in the exception's chain, if any."""
    seen: BaseException | None = exc
    for _ in range(8):  # SQLAlchemy's error -> the adapted driver error -> asyncpg's
        if seen is None:
            return None
        code = getattr(seen, "sqlstate", None)
        if isinstance(code, str):
            return code
        seen = getattr(seen, "orig", None) or seen.__cause__
    return None


def database_hint(exc: BaseException, url: str) -> str:
    """How to create a PostgreSQL database or role the server says is missing (else "")."""
    try:
        # lazy: start-up: a platform's library only if it is loaded already
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
    except Exception:
        return ""
    code, text = _sqlstate(exc), str(exc)
    if code == "3D000" and parsed.database:  # invalid_catalog_name
        owner = f" -O {parsed.username}" if parsed.username else ""
        return f": create it with `createdb{owner} {parsed.database}` (as a PostgreSQL superuser)"
    if code == "28000" and "role" in text and parsed.username:  # invalid_authorization_specification
        return f": create the role with `createuser --pwprompt {parsed.username}` (as a PostgreSQL superuser)"
    return ""


def database_label(url: str) -> str:
    """A database URL fit to print: its password masked."""
    try:
        # lazy: start-up: a platform's library only if it is loaded already
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL: say so without echoing it
        return "DATABASE_URL (unparsable)"
