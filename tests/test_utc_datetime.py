"""The one datetime type (digest_core.storage.utc_datetime): every column uses it, aware UTC in and
out on SQLite and (with TEST_POSTGRES_URL) PostgreSQL, naive input refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import render_python_code
from alembic.operations import ops
from sqlalchemy import Column, DateTime, insert, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from digest_core.storage.tables import Base, PublisherLinkRow
from digest_core.storage.utc_datetime import UtcDateTime, render_type

TOKYO = timezone(timedelta(hours=9))
AT = datetime(2026, 5, 1, 6, tzinfo=UTC)


def test_every_datetime_column_is_utc() -> None:
    """Walks every column of every table: each datetime is a `UtcDateTime` (timezone-aware)."""
    datetimes = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, DateTime | UtcDateTime)
    ]
    # the walk finds the columns (a stale walk would pass on none): one per table that has any
    assert {"digests.generated_at", "deliveries.claimed_at", "feed_states.fetched_at"} <= set(datetimes)
    assert len(datetimes) == 13
    naive = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, DateTime) or not getattr(column.type, "timezone", True)
    ]
    assert naive == []


async def stored(engine: AsyncEngine, moment: datetime | None) -> tuple[object, datetime | None]:
    """Stores a publisher link at `moment`: its raw stored value, and the value read back."""
    async with engine.begin() as conn:
        await conn.execute(insert(PublisherLinkRow).values(key="k", url="u", resolved_at=moment))
        raw = (await conn.execute(text("SELECT resolved_at FROM publisher_links"))).scalar_one()
        back = (await conn.execute(select(PublisherLinkRow.resolved_at))).scalar_one()
    return raw, back


async def test_an_offset_is_stored_as_utc_and_read_back_aware_in_utc(engine: AsyncEngine) -> None:
    raw, back = await stored(engine, AT.astimezone(TOKYO))  # 15:00 in Tokyo
    assert back == AT and back is not None and back.tzinfo is UTC
    if engine.dialect.name == "sqlite":
        assert raw == "2026-05-01 06:00:00.000000"  # the UTC wall time, as DateTime(timezone=True) wrote it
    else:
        assert raw == AT  # timestamptz


async def test_a_naive_datetime_is_refused_before_anything_is_stored(engine: AsyncEngine) -> None:
    with pytest.raises(StatementError, match="naive datetime 2026-05-01T06:00:00 refused"):
        await stored(engine, datetime(2026, 5, 1, 6))
    async with engine.connect() as conn:
        assert (await conn.execute(select(PublisherLinkRow))).all() == []


async def test_a_stored_naive_value_reads_back_as_utc(engine: AsyncEngine) -> None:
    """SQLite keeps no zone: a row written before this type (the UTC wall time) reads back aware."""
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's timestamptz always has its zone")
    async with engine.begin() as conn:
        row = "INSERT INTO publisher_links (key, url, resolved_at) VALUES ('k', 'u', '2026-05-01 06:00:00.000000')"
        await conn.execute(text(row))
        back = (await conn.execute(select(PublisherLinkRow.resolved_at))).scalar_one()
    assert back == AT and back.tzinfo is UTC


def test_a_value_that_is_no_datetime_is_refused() -> None:
    with pytest.raises(TypeError, match="not str"):
        UtcDateTime().process_bind_param("2026-05-01", None)  # type: ignore[arg-type]


def test_a_new_migration_writes_the_type_as_plain_sqlalchemy() -> None:
    """A column added with `UtcDateTime` is written into a migration as `sa.DateTime(timezone=True)`
    (the schema it stores as), never as an import of the project's module."""
    added = ops.UpgradeOps([ops.AddColumnOp("deliveries", Column("seen_at", UtcDateTime(), nullable=True))])
    code = render_python_code(added, render_item=render_type)
    assert "sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True)" in code
    assert "utc_datetime" not in code
