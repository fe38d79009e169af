"""The ledger's side of storage faults: which errors are refused writes (and which are passing
troubles, retried), each part announced before it leaves, and a part in doubt never sent twice.
The end-to-end faults (disk full, immutable file, revoked rights) are in test_storage_faults.py."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from digest_core.delivery.deliverer import UNKNOWN_MESSAGE, Deliverer
from digest_core.delivery.ledger import SENDING
from digest_core.delivery.ports import Destination
from digest_core.errors import SendFailed, WritesRefused
from digest_core.storage.db import create_engine, create_schema
from digest_core.storage.digests import SqlDigestStore
from digest_core.storage.faults import POSTGRES_REFUSALS, refusal, writes_refused
from digest_core.storage.tables import DeliveryRow
from tests.test_delivery import DAY, RecordingPublisher, deliverer, setup


def sqlite_error(
    tmp_path: Path, *pragmas: str, statement: str = "INSERT INTO t VALUES (randomblob(8192))"
) -> Exception:
    """The error real SQLite raises for `statement` on a connection set up with `pragmas`."""
    conn = sqlite3.connect(tmp_path / "x.db", timeout=0)
    for pragma in pragmas:
        conn.execute(pragma)
    try:
        for _ in range(100):
            conn.execute(statement)
            conn.commit()
    except sqlite3.Error as exc:
        return exc
    finally:
        conn.close()
    raise AssertionError("no error")


def test_sqlite_read_only_and_full_are_refusals_a_lock_wait_is_not(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "x.db") as conn:
        conn.execute("CREATE TABLE t (x)")
    read_only = sqlite_error(tmp_path, "PRAGMA query_only = 1")
    assert refusal(read_only) == "attempt to write a readonly database"
    full = sqlite_error(tmp_path, "PRAGMA max_page_count = 3")
    assert refusal(full) == "database or disk is full"
    assert refusal(OperationalError("UPDATE deliveries", {}, read_only)) == "attempt to write a readonly database"

    holder = sqlite3.connect(tmp_path / "x.db")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        locked = sqlite_error(tmp_path)
    finally:
        holder.rollback()
        holder.close()
    assert "locked" in str(locked)
    assert refusal(locked) is None  # another writer: it passes
    lost = OperationalError("UPDATE deliveries", {}, ConnectionResetError("connection was closed"))
    assert refusal(lost) is None  # a lost connection: retried


@given(state=st.sampled_from(sorted(POSTGRES_REFUSALS)), message=st.text())
def test_postgres_refusals_are_one_line_whatever_the_server_says(state: str, message: str) -> None:
    error_class = asyncpg.exceptions.PostgresError.get_message_class_for_sqlstate(state)
    assert error_class.sqlstate == state
    reason = refusal(error_class(message))
    assert reason is not None and "\n" not in reason and "\r" not in reason
    assert reason == (message.strip().splitlines() or [error_class.__name__])[0]


@given(message=st.text())
def test_other_postgres_errors_are_not_refusals(message: str) -> None:
    for error_class in (asyncpg.exceptions.UniqueViolationError, asyncpg.exceptions.AdminShutdownError):
        assert refusal(error_class(message)) is None


def test_the_line_names_the_database_without_its_password() -> None:
    url = make_url("postgresql+asyncpg://digest:s3cret-pw@db.example/digestbot")
    line = str(writes_refused(url, "permission denied for table deliveries"))
    assert "s3cret-pw" not in line
    assert line == (
        "database postgresql+asyncpg://digest:***@db.example/digestbot stopped accepting writes: "
        "permission denied for table deliveries; nothing more is sent"
    )


async def test_a_read_only_sqlite_database_stops_the_drain_before_any_send(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ro.db'}"
    engine = create_engine(url)
    await create_schema(engine)
    ledger, subs, ids = await setup(engine)
    await ledger.create("china-japan", DAY, ids)
    await engine.dispose()  # from now on every connection refuses writes, as a read-only file does
    event.listen(engine.sync_engine, "connect", lambda conn, _: conn.execute("PRAGMA query_only = 1"))
    pub = RecordingPublisher()
    with pytest.raises(WritesRefused) as refused:
        await deliverer(engine, ledger, subs, pub).drain()
    await engine.dispose()
    assert str(refused.value) == (
        f"database {url} stopped accepting writes: attempt to write a readonly database; nothing more is sent"
    )
    assert pub.sent == []


class PeekingPublisher(RecordingPublisher):
    """Checks, on a connection of its own, that the ledger says which part is leaving (and what
    was acknowledged before it) by the time the part is sent."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__()
        self.engine = engine
        self.seen: list[tuple[int | None, int]] = []

    async def send_part(self, destination: Destination, part: Any, sent: Sequence[str], key: str) -> str:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(DeliveryRow.sending_part, DeliveryRow.message_ids).where(
                        DeliveryRow.id == int(key[1:].split("p")[0])
                    )
                )
            ).one()
        assert list(row.message_ids) == list(sent)
        self.seen.append((row.sending_part, part))
        return await super().send_part(destination, part, sent, key)


async def test_each_part_is_announced_before_it_leaves(engine: AsyncEngine) -> None:
    ledger, subs, ids = await setup(engine)
    await ledger.create("china-japan", DAY, ids)
    pub = PeekingPublisher(engine)
    await deliverer(engine, ledger, subs, pub).drain()
    assert sorted(pub.seen) == sorted((p, p) for _ in ids for p in range(3))
    async with engine.connect() as conn:
        rows = (await conn.execute(select(DeliveryRow.state, DeliveryRow.sending_part))).all()
    assert rows and all(state == "sent" and part is None for state, part in rows)


async def test_a_part_in_doubt_is_not_sent_again(engine: AsyncEngine) -> None:
    """A sender announced part 1 of chat0's delivery and stopped before its answer (the database
    refused the record, or the process died): the next sender goes on with part 2."""
    ledger, subs, ids = await setup(engine)
    await ledger.create("china-japan", DAY, ids)
    first = (await ledger.claim("dead", limit=1))[0]
    assert await ledger.record_part(first.id, "dead", ["chat0-0"])
    assert await ledger.announce(first.id, "dead", 1, ["chat0-0"])
    assert await ledger.take_over("fake", "w1") == 1
    pub = RecordingPublisher()
    await deliverer(engine, ledger, subs, pub).drain()
    assert sorted(pub.sent) == [("chat0", 2), *[(f"chat{i}", p) for i in (1, 2) for p in range(3)]]
    async with engine.connect() as conn:
        ids_of_first = await conn.scalar(select(DeliveryRow.message_ids).where(DeliveryRow.id == first.id))
    assert ids_of_first == ["chat0-0", UNKNOWN_MESSAGE, "chat0-2"]


async def test_a_refused_send_clears_its_announcement_and_is_sent_again(engine: AsyncEngine) -> None:
    ledger, subs, ids = await setup(engine)
    await ledger.create("china-japan", DAY, ids)
    pub = RecordingPublisher()
    pub.fail["chat1"] = SendFailed("network down")
    d = Deliverer(ledger, SqlDigestStore(engine), subs, {"fake": pub}, "w1", backoff=timedelta(hours=1))
    await d.drain()
    chat1 = DeliveryRow.subscription_id == ids[1]
    async with engine.begin() as conn:
        state, part = (await conn.execute(select(DeliveryRow.state, DeliveryRow.sending_part).where(chat1))).one()
        assert (state, part) == ("pending", None)  # the platform refused it: not in doubt
        await conn.execute(update(DeliveryRow).where(chat1).values(next_attempt_at=datetime(2000, 1, 1, tzinfo=UTC)))
    del pub.fail["chat1"]
    await d.drain()
    assert sorted(p for chat, p in pub.sent if chat == "chat1") == [0, 1, 2]


async def test_an_announcement_for_a_claim_lost_sends_nothing(engine: AsyncEngine) -> None:
    ledger, subs, ids = await setup(engine, n=1)
    await ledger.create("china-japan", DAY, ids)
    claimed = (await ledger.claim("w1", limit=1))[0]
    async with engine.begin() as conn:  # another worker took it over meanwhile
        await conn.execute(update(DeliveryRow).values(claimed_by="w2", state=SENDING))
    pub = RecordingPublisher()
    await deliverer(engine, ledger, subs, pub).deliver(claimed)
    assert pub.sent == []
