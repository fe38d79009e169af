"""Which database errors mean "this database stopped accepting writes", as opposed to a lost
connection or a lock wait (which pass, and are retried).

SQLite says so with its result codes (Python's `sqlite3` exposes them as `sqlite_errorname`):
READONLY (read-only file or mount, an immutable file), FULL (disk full), IOERR (a write the file
system refused), CANTOPEN and PERM. PostgreSQL says so with SQLSTATEs: read-only transaction
(`default_transaction_read_only`, a hot standby), insufficient privilege (revoked rights), disk
full, I/O error.
"""

from __future__ import annotations

from sqlalchemy.engine import URL

from digest_core.errors import WritesRefused

SQLITE_REFUSALS = ("SQLITE_READONLY", "SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_PERM")
POSTGRES_REFUSALS = {
    "25006": "read-only transaction",
    "42501": "insufficient privilege",
    "53100": "disk full",
    "58030": "I/O error",
}


def refusal(exc: BaseException) -> str | None:
    """Why the database refused a write, in one line, when `exc` (a SQLAlchemy error or the
    driver's own) says that it did; None for anything else (a lost connection, a lock wait)."""
    for error in (exc, getattr(exc, "orig", None), getattr(getattr(exc, "orig", None), "__cause__", None)):
        if error is None:
            continue
        name = getattr(error, "sqlite_errorname", None)
        if isinstance(name, str) and name.startswith(SQLITE_REFUSALS):
            return _first_line(error)
        state = getattr(error, "sqlstate", None)
        if isinstance(state, str) and state in POSTGRES_REFUSALS:
            return _first_line(error) or POSTGRES_REFUSALS[state]
    return None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    # SQLAlchemy's asyncpg adapter prefixes the driver's class: keep the server's words only.
    return line.split(">: ", 1)[-1] if line.startswith("<class ") else line


def writes_refused(url: URL, reason: str) -> WritesRefused:
    """The error that ends a delivery run, naming the database (password hidden) and the reason."""
    where = url.render_as_string(hide_password=True)
    return WritesRefused(f"database {where} stopped accepting writes: {reason}; nothing more is sent")
