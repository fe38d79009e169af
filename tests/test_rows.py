"""Rows by primary key (digest_core.storage.rows) on SQLite and (with TEST_POSTGRES_URL) PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from digest_core.sources.feed_state import FeedState, SqlFeedStateStore
from digest_core.sources.publisher_links import PublisherLinkRow
from digest_core.storage.rows import KEYS_PER_QUERY, aware, put_row, rows_by_keys

AT = datetime(2026, 5, 1, 6, tzinfo=UTC)


def link(key: str, publisher_url: str | None = None) -> PublisherLinkRow:
    return PublisherLinkRow(key=key, url=f"https://news.google.com/{key}", publisher_url=publisher_url, resolved_at=AT)


def count_statements(engine: AsyncEngine, verb: str, seen_one: asyncio.Event | None = None) -> list[str]:
    """Every statement starting with `verb` the engine runs from now on (`seen_one` set at the first)."""
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith(verb):
            seen.append(statement)
            if seen_one is not None:
                seen_one.set()

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    return seen


async def test_rows_by_keys_reads_every_row_in_batches(engine: AsyncEngine) -> None:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    stored = [f"k{i}" for i in range(2 * KEYS_PER_QUERY + 1)]
    async with sessions.begin() as session:
        session.add_all(link(k) for k in stored)
    selects = count_statements(engine, "SELECT")
    async with sessions() as session:
        rows = await rows_by_keys(session, PublisherLinkRow, [*stored, "missing", stored[0]])
    assert sorted(r.key for r in rows) == sorted(stored)
    assert len(selects) == 3  # 1002 distinct keys: 500, 500 and 2 per query


async def test_no_keys_ask_nothing(engine: AsyncEngine) -> None:
    selects = count_statements(engine, "SELECT")
    async with async_sessionmaker(engine)() as session:
        assert await rows_by_keys(session, PublisherLinkRow, []) == []
    assert selects == []


async def test_put_row_inserts_then_replaces(engine: AsyncEngine) -> None:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    await put_row(sessions, link("a", "https://example.com/1"))
    await put_row(sessions, link("a", "https://example.com/2"))
    async with sessions() as session:
        rows = (await session.scalars(select(PublisherLinkRow))).all()
    assert [(r.key, r.publisher_url) for r in rows] == [("a", "https://example.com/2")]


async def test_a_first_insert_by_another_writer_is_updated_not_lost(engine: AsyncEngine) -> None:
    """The other writer inserts the key after our look-up found nothing: our insert fails on the
    primary key, and the one retry updates their row."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with engine.connect() as other:
        await other.begin()
        await other.execute(insert(PublisherLinkRow).values(key="a", url="u", publisher_url="theirs", resolved_at=AT))
        inserting = asyncio.Event()
        inserts = count_statements(engine, "INSERT", inserting)
        ours = asyncio.create_task(put_row(sessions, link("a", "ours")))
        waiting = asyncio.create_task(inserting.wait())
        await asyncio.wait([ours, waiting], return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        assert inserts  # our look-up ran before their commit, and found nothing: we insert too
        await other.commit()
    await ours
    async with sessions() as session:
        rows = (await session.scalars(select(PublisherLinkRow))).all()
    assert [(r.key, r.publisher_url) for r in rows] == [("a", "ours")]
    assert len(inserts) == 1  # the retry found their row and updated it


async def test_a_row_that_cannot_be_stored_raises(engine: AsyncEngine) -> None:
    broken = PublisherLinkRow(key="a", url="u", resolved_at=None)  # NOT NULL
    with pytest.raises(IntegrityError):
        await put_row(async_sessionmaker(engine), broken)


def test_aware_reads_naive_as_utc_and_keeps_an_offset() -> None:
    assert aware(datetime(2026, 5, 1, 6)) == AT
    tokyo = datetime(2026, 5, 1, 15, tzinfo=timezone(timedelta(hours=9)))
    assert aware(tokyo) is tokyo


async def test_a_stored_feed_state_comes_back_with_its_time_zone(engine: AsyncEngine) -> None:
    states = SqlFeedStateStore(engine)
    await states.put(FeedState("https://example.com/feed.xml", b"<rss/>", AT, etag='"v1"'))
    got = await states.get("https://example.com/feed.xml")
    assert got is not None and got.fetched_at == AT and got.fetched_at.tzinfo is not None
