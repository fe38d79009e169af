"""Claim cost as the ledger grows: the time of one claim of 64 deliveries for one platform, with
N deliveries waiting (half Telegram, half Discord) and as many already sent.

    python -m bench.claims --sizes 1000 10000 100000                 # SQLite
    python -m bench.claims --sizes 1000 10000 100000 --postgres URL  # PostgreSQL (scratch database)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, date, datetime

from sqlalchemy import insert, text

from bench.fanout import DELIVERY_DOCS, scratch_database
from bench.report import machine, table, write_section
from digest_core.delivery.ledger import DeliveryLedger
from digest_core.storage.db import create_engine, create_schema
from digest_core.storage.tables import DeliveryRow, SubscriptionRow

DAY = date(2026, 2, 25)
NOW = datetime(2026, 2, 25, 5, tzinfo=UTC)


async def fill(database: str, waiting: int) -> DeliveryLedger:
    """`waiting` pending deliveries and as many sent ones (an older day), in bulk."""
    engine = create_engine(database)
    await create_schema(engine)
    subs = [
        {
            "id": i + 1,
            "platform": "telegram" if i % 2 else "discord",
            "destination": str(i),
            "thread_id": "",
            "topic": "t",
            "active": True,
            "created_at": NOW,
        }
        for i in range(waiting)
    ]
    async with engine.begin() as conn:
        for start in range(0, waiting, 5000):
            await conn.execute(insert(SubscriptionRow), subs[start : start + 5000])
        for day, state in ((DAY, "pending"), (date(2026, 2, 24), "sent")):
            rows: list[dict[str, object]] = [
                {
                    "subscription_id": s["id"],
                    "platform": s["platform"],
                    "topic": "t",
                    "date": day,
                    "state": state,
                    "attempts": 0,
                    "next_attempt_at": NOW,
                    "message_ids": [],
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for s in subs
            ]
            for start in range(0, waiting, 5000):
                await conn.execute(insert(DeliveryRow), rows[start : start + 5000])
        if engine.dialect.name == "postgresql":
            await conn.execute(text("ANALYZE deliveries"))
    return DeliveryLedger(engine)


async def measure(database: str, waiting: int, claims: int = 20) -> tuple[float, float]:
    """Median and worst milliseconds of one claim of 64 Telegram deliveries."""
    ledger = await fill(database, waiting)
    times = []
    for _ in range(min(claims, waiting // 2 // 64)):
        started = time.perf_counter()
        got = await ledger.claim("bench", limit=64, platforms=["telegram"], shard="")  # as a sender claims
        times.append((time.perf_counter() - started) * 1000)
        assert len(got) == 64
    await ledger._engine.dispose()
    return statistics.median(times), max(times)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--postgres", help="a PostgreSQL URL; a scratch database is created on that server")
    parser.add_argument("--no-docs", action="store_true", help="print only; do not rewrite docs/delivery.md")
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        async with scratch_database(args.postgres, "claims") as url:
            median, worst = await measure(url, size)
        rows.append([f"{size:,}", f"{median:.1f}", f"{worst:.1f}"])
    database = "postgresql" if args.postgres else "sqlite"
    text = f"{database}, one claim of 64 Telegram deliveries. Machine: {machine()}.\n\n" + table(
        ["waiting (and as many sent)", "median ms", "worst ms"], rows
    )
    print(text)
    if not args.no_docs:
        write_section(f"claims-{database}", text, DELIVERY_DOCS)


if __name__ == "__main__":
    asyncio.run(main())
