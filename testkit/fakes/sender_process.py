"""A delivery process for tests that kill it: `digestbot run`'s sender for Telegram alone.

    python -m testkit.fakes.sender_process DATABASE_URL SCHEMA TELEGRAM_BASE_URL WORKER

It holds (or waits for) the Telegram token's sender lock and delivers through the real PTB bot
and rate limiter until SIGTERM (or SIGKILL, which is the point). SCHEMA is the PostgreSQL search
path ("-" for none).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from telegram.ext import ExtBot

from adapters.telegram.aiohttp_request import AiohttpRequest
from adapters.telegram.publisher import TelegramPublisher
from adapters.telegram.ratelimit import TelegramRateLimiter
from digest_core.delivery.deliverer import Deliverer
from digest_core.delivery.ledger import DeliveryLedger
from digest_core.delivery.sender_lock import lock_key, sender_lock
from digest_core.delivery.subscriptions import SubscriptionStore
from digest_core.storage.db import create_engine
from digest_core.storage.digests import SqlDigestStore
from testkit.fakes.telegram import TOKEN


async def instance(engine: AsyncEngine, base_url: str, worker: str) -> tuple[Deliverer, ExtBot[Any]]:
    """One process's sender: its own engine (connections), bot and rate limiter."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    request = AiohttpRequest(connection_pool_size=32, pool_timeout=30.0)  # as in production
    bot = ExtBot(TOKEN, base_url=base_url, rate_limiter=TelegramRateLimiter(), request=request)
    await bot.initialize()
    deliverer = Deliverer(
        DeliveryLedger(engine),
        SqlDigestStore(engine),
        SubscriptionStore(engine),
        {"telegram": TelegramPublisher(bot)},
        worker,
        concurrency=16,
        locks={"telegram": sender_lock(engine, lock_key("telegram", TOKEN), worker)},
    )
    return deliverer, bot


async def main(database: str, schema: str, base_url: str, worker: str) -> None:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    if schema != "-":
        engine = create_async_engine(database, connect_args={"server_settings": {"search_path": schema}})
    else:
        engine = create_engine(database)
    deliverer, bot = await instance(engine, base_url, worker)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await deliverer.run_forever(stop, poll=0.2)
    finally:
        await bot.shutdown()
        await engine.dispose()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(created).3f %(name)s %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.INFO)
    asyncio.run(main(*sys.argv[1:5]))
