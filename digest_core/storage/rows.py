"""Rows by primary key, for the stores that keep one row per key (feed states, publisher links,
article pages): read many in batches, write one whoever inserts it first, and UTC for SQLite."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from digest_core.storage.db import Base

KEYS_PER_QUERY = 500  # well under SQLite's and asyncpg's limits on bound parameters
Row = TypeVar("Row", bound=Base)


def aware(moment: datetime) -> datetime:
    """A stored datetime with its time zone: SQLite hands back naive ones, and every stored one is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def rows_by_keys(session: AsyncSession, model: type[Row], keys: Iterable[str]) -> list[Row]:
    """The rows of `model` (one primary-key column) whose key is one of `keys`, in queries of at
    most `KEYS_PER_QUERY` keys; keys without a row are left out."""
    (column,) = inspect(model).primary_key
    wanted = list(dict.fromkeys(keys))
    found: list[Row] = []
    for start in range(0, len(wanted), KEYS_PER_QUERY):
        found.extend(await session.scalars(select(model).where(column.in_(wanted[start : start + KEYS_PER_QUERY]))))
    return found


async def put_row(sessions: async_sessionmaker[AsyncSession], row: Base) -> None:
    """Store `row` in its own transaction: inserted, or replacing the columns it sets on the row with
    its primary key. When another writer inserts that key first (IntegrityError), one retry updates
    their row; a second IntegrityError is raised."""
    for attempt in range(2):
        try:
            async with sessions.begin() as session:
                await session.merge(row)
            return
        except IntegrityError:
            if attempt:
                raise
