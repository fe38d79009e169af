"""`digestbot run` as a real process: catch-up publication, exactly-once delivery across SIGKILL,
clean SIGTERM, and two processes sharing PostgreSQL.

Each process runs with `NOW` set one hour after the 2026-02-25 digest's window closed (04:00 UTC),
so it publishes the fixture day on start-up (catch-up) whatever the hour the suite runs at; the
fake Telegram server records every message. Every process is ended with its group, whatever happens.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.telegram.render import render_digest
from digest_core.dates import latest_complete_date
from digest_core.delivery.ports import Destination
from digest_core.delivery.subscriptions import SubscriptionStore
from digest_core.storage.db import create_engine, create_schema
from digest_core.storage.digests import SqlDigestStore
from digest_core.topics import Topic
from testkit.fakes.server import ThreadedServer
from testkit.fakes.telegram import TOKEN, FakeTelegram

CHATS = [str(-1001000000000 - i) for i in range(1, 25)]
EXE = str(Path(sys.executable).parent / "digestbot")


class KillingTelegram(FakeTelegram):
    """Kills the bot process with SIGKILL at the `kill_at`-th sendMessage: before accepting it
    (the platform never saw it), or after accepting it but before answering (the ambiguous case)."""

    def __init__(self, kill_at: int, after_accept: bool) -> None:
        super().__init__(token=TOKEN)
        self.kill_at = kill_at
        self.after_accept = after_accept
        self.pid: int | None = None
        self.requests = 0

    async def _sendMessage(self, request: web.Request, params: dict[str, Any]) -> web.StreamResponse:
        self.requests += 1
        if self.pid and self.requests == self.kill_at:
            if self.after_accept:
                await super()._sendMessage(request, params)
            os.kill(self.pid, signal.SIGKILL)
            await asyncio.sleep(1)
            return web.Response(status=500)
        return await super()._sendMessage(request, params)


DAY = date(2026, 2, 25)
NOW = datetime(2026, 2, 25, 5, 0, tzinfo=UTC)  # the 2026-02-25 window closed an hour ago: in the catch-up grace
pytestmark = pytest.mark.timeout(240)


def test_the_clock_is_set_for_the_catch_up(topic: Topic) -> None:
    assert latest_complete_date(topic, NOW) == DAY


def env_for(data_dir: Path, news: str, telegram: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_", "GEMINI_"))}
    env.update(
        DATA_DIR=str(data_dir),
        GOOGLE_NEWS_BASE_URL=news,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=telegram,
        DELIVERY_LEASE="1",
        DELIVERY_BACKOFF="0.2",
        FETCH_BACKOFF="0.05",
        PUBLISHER_LINKS_INTERVAL="0",
        LOG_LEVEL="INFO",
        NOW=NOW.isoformat(),
    )
    env.update(extra)
    return env


def start(processes: list[subprocess.Popen[bytes]], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        proc = subprocess.Popen([EXE, "run"], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    processes.append(proc)
    return proc


def wait_until(condition: Callable[[], bool], within: float, what: str, log: Path | None = None) -> None:
    """Poll `condition` (a guard against hangs, not a timing assertion)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    tail = log.read_text()[-3000:] if log else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")


async def subscribe_all(database_url: str, chats: list[str]) -> None:
    engine = create_engine(database_url)
    await create_schema(engine)
    subs = SubscriptionStore(engine)
    for chat in chats:
        await subs.subscribe(Destination("telegram", chat), "china-japan")
    await engine.dispose()


async def expected_parts(database_url: str, day: date) -> list[str]:
    engine = create_engine(database_url)
    digest = await SqlDigestStore(engine).get("china-japan", day)
    await engine.dispose()
    assert digest is not None
    return render_digest(digest)


def received(fake: FakeTelegram, chat: str) -> list[str]:
    return [s.text for s in fake.sent_to(chat)]


async def sent_rows(database_url: str) -> int:
    engine = create_engine(database_url)
    async with engine.connect() as conn:
        count = await conn.scalar(text("SELECT count(*) FROM deliveries WHERE state = 'sent'"))
    await engine.dispose()
    return int(count or 0)


def stop_cleanly(proc: subprocess.Popen[bytes], log: Path) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=40)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert code == 0, log.read_text()[-3000:]
    assert "digestbot stopped" in log.read_text()


@pytest.mark.parametrize("resend", [False, True], ids=["at-most-once", "resend-in-doubt"])
@pytest.mark.parametrize("after_accept", [False, True], ids=["killed-before-accept", "killed-after-accept"])
def test_sigkill_mid_fan_out_then_restart_delivers_the_rest(
    tmp_path: Path, news: str, processes: list[subprocess.Popen[bytes]], after_accept: bool, resend: bool
) -> None:
    """The one message in flight at the kill was announced in the ledger and never acknowledged:
    it is in doubt. By default it is taken as delivered (no repeat; lost if the platform never
    accepted it); with DELIVERY_RESEND_IN_DOUBT it is sent again (no loss; a repeat if it had been
    accepted). Every other message arrives exactly once either way."""
    db = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'digestbot.db'}"
    asyncio.run(subscribe_all(db, CHATS))
    fake = KillingTelegram(kill_at=9, after_accept=after_accept)
    log = tmp_path / "run.log"
    with ThreadedServer(fake.app()) as server:
        # One send at a time, so that exactly one message is in flight when the kill lands.
        env = env_for(
            tmp_path / "data",
            news,
            f"{server.base_url}/bot",
            DELIVERY_CONCURRENCY="1",
            DELIVERY_RESEND_IN_DOUBT=str(resend).lower(),
        )
        first = start(processes, env, log)
        fake.pid = first.pid
        assert first.wait(timeout=120) == -signal.SIGKILL, log.read_text()[-3000:]
        partial = len(fake.sent)
        assert 0 < partial < len(CHATS)  # it really died mid-fan-out

        second = start(processes, env, log)
        parts = asyncio.run(expected_parts(db, DAY))
        lost = 0 if resend or after_accept else 1  # the message the platform never accepted
        wait_until(
            lambda: sum(len(set(received(fake, c))) for c in CHATS) >= len(CHATS) * len(parts) - lost,
            120,
            "every chat served",
            log,
        )
        wait_until(lambda: asyncio.run(sent_rows(db)) == len(CHATS), 60, "every delivery recorded", log)
        stop_cleanly(second, log)

    counts = Counter((s.chat_id, s.text) for s in fake.sent)
    missing = [(chat, part) for chat in CHATS for part in parts if (chat, part) not in counts]
    repeats = {key: n for key, n in counts.items() if n > 1}
    detail = f"repeats={repeats}, missing={len(missing)}, first run sent {partial}\n{log.read_text()[-3000:]}"
    assert len(missing) == lost, detail
    if resend and after_accept:
        # Telegram has no idempotency key: the one message accepted in the instant of the kill,
        # whose answer never arrived, is sent again. That is the only repeat.
        assert list(repeats.values()) == [2], detail
    else:
        assert repeats == {}, detail
    if not resend:
        assert "not sent again" in log.read_text()  # the part in doubt, said in the log
    assert "publishing now" in log.read_text()  # start-up catch-up, not the daily job


async def _admin(base: str, sql: str) -> None:
    engine = create_async_engine(base, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(sql))
    await engine.dispose()


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """The URL of a new database on TEST_POSTGRES_URL's server (the test skips without one),
    dropped afterwards whatever happens."""
    base = os.environ.get("TEST_POSTGRES_URL")
    if not base:
        pytest.skip("needs TEST_POSTGRES_URL (e.g. postgresql+asyncpg://postgres@127.0.0.1/test)")
    name = f"digestbot_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(base, f"CREATE DATABASE {name}"))
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(_admin(base, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def test_two_processes_sharing_postgresql_publish_once(
    tmp_path: Path, news: str, processes: list[subprocess.Popen[bytes]]
) -> None:
    fake = FakeTelegram(token=TOKEN)
    with fresh_postgres_database() as db:
        asyncio.run(subscribe_all(db, CHATS))
        with ThreadedServer(fake.app()) as server:
            logs = [tmp_path / "a.log", tmp_path / "b.log"]
            # A lease far beyond a send: on a loaded machine a 1 s lease could expire mid-send.
            env = env_for(tmp_path / "data", news, f"{server.base_url}/bot", DATABASE_URL=db, DELIVERY_LEASE="30")
            procs = [start(processes, env, log) for log in logs]
            wait_until(lambda: len(fake.sent) > 0, 120, "a first message")
            parts = asyncio.run(expected_parts(db, DAY))
            wait_until(lambda: all(len(received(fake, c)) >= len(parts) for c in CHATS), 120, "every chat served")
            time.sleep(1.5)  # a lease's worth: any double send would have happened by now
            for proc, log in zip(procs, logs, strict=True):
                stop_cleanly(proc, log)
        for chat in CHATS:
            assert received(fake, chat) == parts
        published = sum(log.read_text().count("published:") for log in logs)
        assert published == 1  # one process built and queued; the other found it in progress


def test_start_up_outside_the_grace_archives_the_latest_day_and_posts_nothing(
    tmp_path: Path, news: str, processes: list[subprocess.Popen[bytes]]
) -> None:
    data = tmp_path / "data"
    db = f"sqlite+aiosqlite:///{data / 'digestbot.db'}"
    asyncio.run(subscribe_all(db, CHATS[:1]))
    fake = FakeTelegram(token=TOKEN)
    log = tmp_path / "run.log"
    evening = datetime(2026, 2, 25, 22, 30, tzinfo=UTC)  # 18.5 h after the publish time: no catch-up
    with ThreadedServer(fake.app()) as server:
        env = env_for(data, news, f"{server.base_url}/bot", NOW=evening.isoformat())
        proc = start(processes, env, log)
        wait_until(lambda: "digestbot running" in log.read_text(), 120, "start-up", log)
        stop_cleanly(proc, log)
    assert fake.sent == []  # outside the grace nothing is posted
    assert asyncio.run(expected_parts(db, DAY))  # but the day is archived
    page = data / "site" / "content" / "china-japan" / "2026-02-25.md"
    assert page.is_file()
    text_ = log.read_text()
    assert re.search(r"china-japan 2026-02-25: built and archived, \d+ articles, posted to no one", text_)
    assert f"(its publish time is past the catch-up grace); page {page}" in text_
    assert "china-japan: next post 2026-02-26 04:00 UTC to 1 destination\n" in text_
    assert "publishing now" not in text_
