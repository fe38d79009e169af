"""Rows by primary key (digest_core.storage.rows) and the one upsert (digest_core.storage.upsert) on
SQLite and (with TEST_POSTGRES_URL) PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from digest_core.fetch.feed_state import FeedState, SqlFeedStateStore
from digest_core.storage.digests import SqlDigestStore
from digest_core.storage.rows import KEYS_PER_QUERY, rows_by_keys
from digest_core.storage.tables import ArticleRow, DigestRow, PublisherLinkRow, SubscriptionRow
from digest_core.storage.upsert import conflict_insert, put_row, upsert
from tests.digests import worst_case

AT = datetime(2026, 5, 1, 6, tzinfo=UTC)
KEY = ("platform", "destination", "thread_id", "topic")


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
    """The other writer inserts the key first, in a transaction still open when ours starts: our one
    INSERT ... ON CONFLICT waits for it, then updates their row (no IntegrityError, no retry)."""
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
        assert inserts  # ours was sent before their commit
        await other.commit()
    await ours
    async with sessions() as session:
        rows = (await session.scalars(select(PublisherLinkRow))).all()
    assert [(r.key, r.publisher_url) for r in rows] == [("a", "ours")]
    assert len(inserts) == 1  # one statement, no retry


async def test_a_row_that_cannot_be_stored_raises(engine: AsyncEngine) -> None:
    broken = PublisherLinkRow(key="a", url="u", resolved_at=None)  # NOT NULL
    with pytest.raises(IntegrityError):
        await put_row(async_sessionmaker(engine), broken)


async def test_a_stored_feed_state_comes_back_with_its_time_zone(engine: AsyncEngine) -> None:
    states = SqlFeedStateStore(engine)
    await states.put(FeedState("https://example.com/feed.xml", b"<rss/>", AT, etag='"v1"'))
    got = await states.get("https://example.com/feed.xml")
    assert got is not None and got.fetched_at == AT and got.fetched_at.tzinfo is not None


async def test_upsert_on_a_unique_key_sets_only_the_columns_it_names(engine: AsyncEngine) -> None:
    """A second subscribe of the same place and topic updates the row in place: same id, the
    columns named in `update` set, the others (created_at) as first stored."""
    first, later = AT, AT + timedelta(days=3)
    values = {"platform": "telegram", "destination": "1", "thread_id": "", "topic": "t", "shard": ""}
    update = ("active", "deactivated_reason")
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    for when, active in ((first, False), (later, True)):
        row = values | {"active": active, "created_at": when, "deactivated_reason": None if active else "gone"}
        async with sessions.begin() as session:
            await session.execute(upsert(engine.dialect.name, SubscriptionRow, row, key=KEY, update=update))
    async with sessions() as session:
        rows = (await session.scalars(select(SubscriptionRow))).all()
    assert [(r.active, r.deactivated_reason, r.created_at) for r in rows] == [(True, None, first)]


def test_upsert_names_the_database_it_cannot_serve() -> None:
    with pytest.raises(ValueError, match="'mysql'"):
        conflict_insert("mysql", PublisherLinkRow)


async def test_saving_one_digest_twice_at_once_keeps_one(engine: AsyncEngine) -> None:
    """Two saves of the same topic and day at once: both succeed (no IntegrityError on the unique
    key), and the archive holds one digest with one set of articles."""
    store = SqlDigestStore(engine)
    digest = worst_case(n_articles=4, hostile=False)
    await asyncio.gather(store.save(digest), store.save(digest))
    async with async_sessionmaker(engine)() as session:
        digests = (await session.scalars(select(DigestRow))).all()
        articles = (await session.scalars(select(ArticleRow))).all()
    assert len(digests) == 1
    assert len(articles) == len(digest.articles) > 0
    assert {a.digest_id for a in articles} == {digests[0].id}
