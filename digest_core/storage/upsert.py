"""The one way to write a row whoever inserted its key first: INSERT ... ON CONFLICT, on SQLite and
PostgreSQL alike (one statement, so a concurrent first insert is updated, never lost)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import Table, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from digest_core.storage.db import Base

Insert = postgresql.Insert | sqlite.Insert


def conflict_insert(dialect: str, table: Table | type[Base]) -> Insert:
    """An INSERT of `dialect` ("sqlite" or "postgresql") that takes `on_conflict_do_nothing` and
    `on_conflict_do_update`."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"no INSERT ... ON CONFLICT for the {dialect!r} database")


def upsert(
    dialect: str,
    table: Table | type[Base],
    values: Mapping[str, Any],
    key: Collection[str] | None = None,
    update: Collection[str] | None = None,
) -> Insert:
    """INSERT `values`, or where a row with the same `key` (a unique key's columns; default the
    primary key) exists, set its `update` columns (default: every given column not in the key) to
    the new values."""
    table = table if isinstance(table, Table) else inspect(table).local_table  # type: ignore[assignment]
    assert isinstance(table, Table)
    key = list(key) if key is not None else [c.name for c in table.primary_key.columns]
    update = list(update) if update is not None else [c for c in values if c not in key]
    stmt = conflict_insert(dialect, table).values(dict(values))
    return stmt.on_conflict_do_update(index_elements=key, set_={c: stmt.excluded[c] for c in update})


def row_values(row: Base) -> dict[str, Any]:
    """The column values set on an ORM row, by column name."""
    state = inspect(row)
    return {attr.columns[0].name: state.dict[attr.key] for attr in state.mapper.column_attrs if attr.key in state.dict}


async def put_row(sessions: async_sessionmaker[AsyncSession], row: Base) -> None:
    """Store `row` in its own transaction: inserted, or replacing the columns it sets on the row
    with its primary key (`upsert`)."""
    async with sessions.begin() as session:
        await session.execute(upsert(session.get_bind().dialect.name, type(row), row_values(row)))
