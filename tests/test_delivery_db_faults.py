"""A lost database connection mid fan-out: the write that records a sent part is retried, so no
destination gets a part twice and every delivery ends `sent`."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from digest_core.delivery.ledger import DeliveryLedger
from digest_core.delivery.ports import Destination
from digest_core.storage.db import create_schema
from digest_core.storage.tables import DeliveryRow
from tests.test_delivery import DAY, RecordingPublisher, deliverer, setup


class FlakyLedger(DeliveryLedger):
    """The real ledger, whose first `failures` part records raise as a dropped connection does."""

    def __init__(self, engine: AsyncEngine, failures: int) -> None:
        super().__init__(engine)
        self.failures = failures

    async def record_part(self, delivery_id: int, worker: str, message_ids: list[str]) -> bool:
        if self.failures > 0:
            self.failures -= 1
            raise OperationalError("UPDATE deliveries", {}, ConnectionResetError("connection was closed"))
        return await super().record_part(delivery_id, worker, message_ids)


async def states(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return sorted((await conn.execute(select(DeliveryRow.state))).scalars())


async def test_a_dropped_connection_while_recording_a_part_is_retried(engine: AsyncEngine) -> None:
    _, subs, ids = await setup(engine)
    ledger = FlakyLedger(engine, failures=3)
    await ledger.create("china-japan", DAY, ids)
    pub = RecordingPublisher()
    d = deliverer(engine, ledger, subs, pub, record_attempts=5, record_backoff=0.01)  # 4 retries > 3 failures
    await d.drain()
    assert sorted(pub.sent) == [(f"chat{i}", p) for i in range(3) for p in range(3)]  # each part once
    assert await states(engine) == ["sent"] * 3
    assert ledger.failures == 0


class Terminator(RecordingPublisher):
    """Sends like `RecordingPublisher`; after chat1's first part it kills the connections of the
    application named `app_name` (and only those: other tests may share the server), as a
    PostgreSQL restart or a failover does."""

    def __init__(self, admin_url: str, app_name: str) -> None:
        super().__init__()
        self.admin_url = admin_url
        self.app_name = app_name
        self.killed = 0

    async def send_part(self, destination: Destination, part: Any, sent: Sequence[str], key: str) -> str:
        message = await super().send_part(destination, part, sent, key)
        if (destination.id, part) == ("chat1", 0):
            admin = create_async_engine(self.admin_url)
            async with admin.connect() as conn:
                killed = await conn.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"),
                    {"name": self.app_name},
                )
                self.killed = len(killed.all())
            await admin.dispose()
        return message


@pytest.fixture
async def pg_engine() -> AsyncIterator[tuple[AsyncEngine, str, str]]:
    """An engine on its own schema whose connections carry a unique application name."""
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PostgreSQL tests need TEST_POSTGRES_URL")
    tag = uuid.uuid4().hex[:12]
    schema, app_name = f"t_{tag}", f"digestbot-kill-{tag}"
    admin = create_async_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {schema}"))
    settings = {"search_path": schema, "application_name": app_name}
    eng = create_async_engine(url, pool_pre_ping=True, connect_args={"server_settings": settings})
    try:
        await create_schema(eng)
        yield eng, url, app_name
    finally:
        await eng.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        await admin.dispose()


async def test_postgres_connections_killed_mid_fan_out(pg_engine: tuple[AsyncEngine, str, str]) -> None:
    engine, url, app_name = pg_engine
    _, subs, ids = await setup(engine)
    ledger = DeliveryLedger(engine)
    await ledger.create("china-japan", DAY, ids)
    pub = Terminator(url, app_name)
    d = deliverer(engine, ledger, subs, pub, record_attempts=5, record_backoff=0.05)
    await d.drain()
    assert pub.killed >= 1
    assert sorted(pub.sent) == [(f"chat{i}", p) for i in range(3) for p in range(3)]  # none twice
    assert await states(engine) == ["sent"] * 3
