"""Rows by primary key, for the stores that keep one row per key (feed states, publisher links,
article pages): many read in batches of `KEYS_PER_QUERY` keys."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from digest_core.storage.db import Base

KEYS_PER_QUERY = 500  # well under SQLite's and asyncpg's limits on bound parameters
Row = TypeVar("Row", bound=Base)


async def rows_by_keys(session: AsyncSession, model: type[Row], keys: Iterable[str]) -> list[Row]:
    """The rows of `model` (one primary-key column) whose key is one of `keys`, in queries of at
    most `KEYS_PER_QUERY` keys; keys without a row are left out."""
    (column,) = inspect(model).primary_key
    wanted = list(dict.fromkeys(keys))
    found: list[Row] = []
    for start in range(0, len(wanted), KEYS_PER_QUERY):
        found.extend(await session.scalars(select(model).where(column.in_(wanted[start : start + KEYS_PER_QUERY]))))
    return found
