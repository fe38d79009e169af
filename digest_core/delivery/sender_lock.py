"""One sender per platform token, across every process that shares the database.

Telegram and Discord count their rate limits per bot token, not per process: two processes that
send with one token at the full rate each get 429s. The process that holds a token's `SenderLock`
sends that platform's deliveries; the others queue deliveries and answer commands.

The locks die with their holder, so that another process takes over at once:
- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a connection kept for it;
  the server releases it when that connection closes, including when the process is killed.
- SQLite: `fcntl.flock` on a file beside the database, released by the OS at process exit.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from digest_core.storage.db import sqlite_path

log = logging.getLogger(__name__)

ADVISORY_NAMESPACE = 7_261_016  # first key of the two-key advisory lock: Digestbot senders


def lock_key(platform: str, token: str | None) -> str:
    """A name for a platform's token that does not reveal it: `telegram-1a2b3c4d5e6f`."""
    if not token:
        return platform
    return f"{platform}-{hashlib.sha256(token.encode()).hexdigest()[:12]}"


class SenderLock(Protocol):
    """A non-blocking lock that is released when its holder's process or connection dies."""

    key: str
    worker: str

    async def acquire(self) -> bool:
        """Take the lock if free; True while this process holds it (calling again is cheap)."""
        ...

    async def holder(self) -> str | None:
        """Who holds the lock (a worker name), or None when nobody does."""
        ...

    async def release(self) -> None: ...


class LocalSenderLock:
    """For a database only this process can see (SQLite in memory): always held."""

    def __init__(self, key: str, worker: str) -> None:
        self.key = key
        self.worker = worker

    async def acquire(self) -> bool:
        return True

    async def holder(self) -> str | None:
        return self.worker

    async def release(self) -> None:
        """Nothing to release."""


class FileSenderLock:
    """`flock` on `<database>.<key>.sender.lock`; the file holds the holder's worker name."""

    def __init__(self, path: Path, key: str, worker: str) -> None:
        self.path = path
        self.key = key
        self.worker = worker
        self._fd: int | None = None

    async def acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.pwrite(fd, self.worker.encode(), 0)
        self._fd = fd
        return True

    async def holder(self) -> str | None:
        if self._fd is not None:
            return self.worker
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return os.pread(fd, 200, 0).decode(errors="replace") or "another process"
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    async def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _advisory_id(key: str) -> int:
    """The second advisory key: a signed 32-bit number derived from `key`."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big", signed=True)


class PostgresSenderLock:
    """`pg_try_advisory_lock(namespace, id)` on a connection of its own, in autocommit (no
    transaction stays open); its `application_name` names the holder for the others."""

    def __init__(self, engine: AsyncEngine, key: str, worker: str) -> None:
        self.engine = engine
        self.key = key
        self.worker = worker
        self._id = _advisory_id(key)
        self._conn: AsyncConnection | None = None

    async def acquire(self) -> bool:
        if self._conn is not None:
            try:
                await self._conn.execute(text("SELECT 1"))
                return True
            except Exception:  # the connection died, and the lock with it
                log.warning("sender lock %s: connection lost, the lock with it", self.key)
                await self._drop()
        conn = await self.engine.connect()
        try:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("SELECT set_config('application_name', :name, false)"), {"name": self._name()})
            got = await conn.scalar(
                text("SELECT pg_try_advisory_lock(:ns, :id)"), {"ns": ADVISORY_NAMESPACE, "id": self._id}
            )
        except BaseException:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self._conn = conn
        return True

    def _params(self) -> dict[str, int]:
        return {"ns": ADVISORY_NAMESPACE, "id": self._id}

    def _name(self) -> str:
        return f"digestbot sender {self.worker}"[:63]

    async def holder(self) -> str | None:
        if self._conn is not None:
            return self.worker
        query = text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :ns AND l.objid = :id "
            "AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        async with self.engine.connect() as conn:
            name = await conn.scalar(query, {"ns": ADVISORY_NAMESPACE, "id": self._id & 0xFFFFFFFF})
        if name is None:
            return None
        return str(name).removeprefix("digestbot sender ") or "another process"

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.invalidate()
            with contextlib.suppress(Exception):
                await conn.close()

    async def release(self) -> None:
        if self._conn is None:
            return
        with contextlib.suppress(Exception):
            await self._conn.execute(
                text("SELECT pg_advisory_unlock(:ns, :id)"), {"ns": ADVISORY_NAMESPACE, "id": self._id}
            )
        await self._drop()


def sender_lock(engine: AsyncEngine, key: str, worker: str) -> SenderLock:
    """The lock that fits the database: advisory on PostgreSQL, a file beside a SQLite file."""
    if engine.dialect.name == "postgresql":
        return PostgresSenderLock(engine, key, worker)
    path = sqlite_path(engine)
    if path is None:
        return LocalSenderLock(key, worker)
    return FileSenderLock(path.with_name(f"{path.name}.{key}.sender.lock"), key, worker)
