"""The database: the one SQLAlchemy declarative base (every table is in `storage.tables`), the
engine, and migrations on start."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from digest_core.errors import DatabaseFileError

if TYPE_CHECKING:
    from alembic.config import Config


class Base(DeclarativeBase):
    pass


SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL (readers never wait for the writer) and a busy timeout (a writer queues for the write
    lock instead of failing with "database is locked")."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def sqlite_path(engine: AsyncEngine) -> Path | None:
    """The file of a SQLite database; None for PostgreSQL or an in-memory database."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


READ_ONLY = "is read-only (an immutable file, its permissions or a read-only file system)"


def sqlite_file_problem(path: Path) -> str | None:
    """Why SQLite could not use the database at `path`, checked before any connection: a
    directory (aiosqlite would fail in its thread, sometimes after the event loop closed), or a
    file or folder it cannot write (a mapped `-shm` file that cannot be written ends in SIGBUS)."""
    if path.is_dir():
        return f"{path} is a directory, not a database file"
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and not os.access(file, os.W_OK):
            return f"{file} {READ_ONLY}"
    if not os.access(path.parent, os.W_OK | os.X_OK):  # where SQLite creates its -wal and -shm files
        return f"{path.parent} {READ_ONLY}"
    return None


ASYNC_DRIVERS = {"postgres": "postgresql+asyncpg", "postgresql": "postgresql+asyncpg", "sqlite": "sqlite+aiosqlite"}


def async_driver_url(database_url: str) -> str:
    """`database_url` with the async driver this project uses named: the plain `postgresql://`,
    `postgres://` and `sqlite://` forms become `postgresql+asyncpg://` and `sqlite+aiosqlite://`;
    a URL that names its driver is left as it is."""
    scheme, sep, rest = database_url.partition("://")
    driver = ASYNC_DRIVERS.get(scheme.lower()) if sep else None
    return f"{driver}://{rest}" if driver else database_url


def create_engine(database_url: str) -> AsyncEngine:
    """An async engine (plain `postgresql://` and `sqlite://` URLs get their async driver); for a
    SQLite file, its folder is created first, the file checked (`DatabaseFileError`), and its
    connections use WAL with a busy timeout."""
    url = make_url(async_driver_url(database_url))
    sqlite_file = url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:"
    if sqlite_file:
        path = Path(url.database)  # type: ignore[arg-type]
        path.parent.mkdir(parents=True, exist_ok=True)
        problem = sqlite_file_problem(path)
        if problem:
            raise DatabaseFileError(problem)
    engine = create_async_engine(url, pool_pre_ping=url.get_backend_name() != "sqlite")
    if sqlite_file:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 7_261_001  # PostgreSQL advisory lock: one process migrates at a time


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config  # lazy: Alembic loads only when the schema is migrated

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
    # lazy: start-up: Alembic loads only when the schema is migrated
    from alembic import command

    command.upgrade(alembic_config(connection), "head")


async def create_schema(engine: AsyncEngine) -> None:
    """Bring the database to the newest schema with the Alembic migrations (creating it when empty).
    Safe to call from several processes at once."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)
