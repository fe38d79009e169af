"""Two `digestbot run` instances on one PostgreSQL database and one bot token: exactly one holds
the Telegram sender lock and sends the scheduled digest, the other polls and answers commands;
when the sender is SIGKILLed mid fan-out, the other takes the lock over and finishes with 0
duplicates and no loss outside the parts in doubt (announced, never acknowledged: not sent again).

The fake Bot API tells which process made each request by the path it was given: each instance's
base URL has its own prefix (`/i0/bot...`, `/i1/bot...`). Both processes are ended with their
groups whatever happens.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import text

from digest_core.delivery.deliverer import UNKNOWN_MESSAGE
from digest_core.delivery.sender_lock import lock_key, sender_lock
from digest_core.storage.db import create_engine
from testkit.fakes.server import ThreadedServer
from testkit.fakes.telegram import TOKEN, FakeTelegram
from tests.test_run import DAY, env_for, expected_parts, fresh_postgres_database, start, subscribe_all, wait_until

pytestmark = pytest.mark.timeout(300)
CHATS = [str(-1001000000000 - i) for i in range(1, 41)]
ASKER = {"id": 111, "type": "private", "first_name": "Alice"}
ALICE = {"id": 111, "is_bot": False, "first_name": "Alice"}


class WhoTelegram(FakeTelegram):
    """Records which process sent each message and fetched each update; SIGKILLs `kill_pid` when
    it sends its `kill_at`-th message, after accepting it (the part is then in doubt)."""

    def __init__(self) -> None:
        super().__init__(token=TOKEN)
        self.pids: list[int] = []
        self.sent_by: list[tuple[str, int | None]] = []  # (chat, pid) per accepted message
        self.fetched_by: dict[int, int | None] = {}  # update_id -> the pid whose getUpdates got it
        self.kill_pid: int | None = None
        self.kill_at = 0
        self.killed_after = 0  # messages accepted when the kill was sent

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_route("*", "/i{instance:\\d+}/bot{token}/{method}", self.handle)
        return app

    def _who(self, request: web.Request) -> int | None:
        """The instance whose base URL the request came through (none without a prefix)."""
        instance = request.match_info.get("instance")
        return self.pids[int(instance)] if instance is not None else None

    async def _sendMessage(self, request: web.Request, params: dict[str, Any]) -> web.StreamResponse:
        who = self._who(request)
        before = len(self.sent)
        response = await super()._sendMessage(request, params)
        if len(self.sent) > before:
            self.sent_by.append((str(params.get("chat_id")), who))
        if self.kill_pid is not None and who == self.kill_pid and len(self.sent) >= self.kill_at:
            os.kill(self.kill_pid, signal.SIGKILL)
            self.killed_after, self.kill_pid = len(self.sent), None
            await asyncio.sleep(1)
            return web.Response(status=500)
        return response

    async def _getUpdates(self, request: web.Request, params: dict[str, Any]) -> web.Response:
        who = self._who(request)
        response = await super()._getUpdates(request, params)
        assert response.body is not None
        for update in json.loads(bytes(response.body))["result"]:  # type: ignore[arg-type]
            self.fetched_by.setdefault(update["update_id"], who)
        return response


async def _holder(db: str) -> str | None:
    engine = create_engine(db)
    try:
        return await sender_lock(engine, lock_key("telegram", TOKEN), "test").holder()
    finally:
        await engine.dispose()


async def _ledger(db: str) -> tuple[Counter[str], dict[str, list[str]], set[str]]:
    """States, message ids per chat, and who claimed the rows."""
    engine = create_engine(db)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT d.state, s.destination, d.message_ids, d.claimed_by FROM deliveries d "
                        "JOIN subscriptions s ON s.id = d.subscription_id"
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    ids = {chat: (json.loads(m) if isinstance(m, str) else list(m or [])) for _, chat, m, _ in rows}
    return Counter(state for state, *_ in rows), ids, {by for *_, by in rows if by}


def test_two_instances_one_sends_the_other_answers_and_takes_over(
    tmp_path: Path, news: str, processes: list[subprocess.Popen[bytes]]
) -> None:
    fake = WhoTelegram()
    with fresh_postgres_database() as db:
        asyncio.run(subscribe_all(db, CHATS))
        with ThreadedServer(fake.app()) as server:
            logs = [tmp_path / "a.log", tmp_path / "b.log"]
            procs = [
                start(
                    processes,
                    env_for(
                        tmp_path / "data", news, f"{server.base_url}/i{i}/bot", DATABASE_URL=db, DELIVERY_LEASE="60"
                    ),
                    log,
                )
                for i, log in enumerate(logs)
            ]
            fake.pids = [p.pid for p in procs]
            wait_until(lambda: asyncio.run(_holder(db)) is not None, 120, "a sender")
            holder = asyncio.run(_holder(db))
            assert holder is not None
            sender = next(p for p in procs if holder.endswith(f":{p.pid}"))
            other = next(p for p in procs if p is not sender)
            fake.kill_at, fake.kill_pid = 10, sender.pid  # early in the fan-out: 40 chats, a part or more each

            # The other instance polls: a command pushed now is fetched and answered by it.
            wait_until(lambda: "polling" in logs[procs.index(other)].read_text(), 120, "the standby polling", logs[0])
            update_id = fake.push(fake.command("/latest china-japan", ASKER, sender=ALICE))
            wait_until(lambda: len(fake.sent_to(111)) > 0, 120, "the answer to /latest", logs[procs.index(other)])
            assert fake.fetched_by[update_id] == other.pid
            assert {pid for chat, pid in fake.sent_by if chat == "111"} == {other.pid}

            assert sender.wait(timeout=120) == -signal.SIGKILL, logs[procs.index(sender)].read_text()[-3000:]
            parts = asyncio.run(expected_parts(db, DAY))
            wait_until(
                lambda: asyncio.run(_ledger(db))[0]["sent"] == len(CHATS), 120, "every delivery recorded", logs[1]
            )
            assert asyncio.run(_holder(db)) is not None and asyncio.run(_holder(db)).endswith(f":{other.pid}")  # type: ignore[union-attr]
            states, message_ids, claimers = asyncio.run(_ledger(db))
            log_text = [log.read_text() for log in logs]
            other.send_signal(signal.SIGTERM)
            assert other.wait(timeout=60) == 0

    assert 0 < fake.killed_after < len(CHATS) * len(parts)  # killed mid fan-out
    assert states == Counter({"sent": len(CHATS)})
    before_kill = [pid for chat, pid in fake.sent_by[: fake.killed_after] if chat in CHATS]
    assert set(before_kill) == {sender.pid}  # one instance sent; the other did not
    after_kill = [pid for chat, pid in fake.sent_by[fake.killed_after :] if chat in CHATS]
    # then the other took over; besides, only the killed sender's requests already on their way,
    # each a part in doubt
    assert other.pid in after_kill and set(after_kill) <= {other.pid, sender.pid}
    assert claimers == {h for h in claimers if h.endswith((f":{sender.pid}", f":{other.pid}"))}
    counts = Counter((s.chat_id, s.text) for s in fake.sent if s.chat_id in CHATS)
    assert [key for key, n in counts.items() if n > 1] == []  # 0 duplicates
    missing = [(chat, i) for chat in CHATS for i, part in enumerate(parts) if (chat, part) not in counts]
    in_doubt = {(chat, i) for chat, ids in message_ids.items() for i, m in enumerate(ids) if m == UNKNOWN_MESSAGE}
    assert set(missing) <= in_doubt, (missing, in_doubt)  # no loss outside the at-most-once rule
    assert len(after_kill) - after_kill.count(other.pid) < len(in_doubt)  # the killing one is in doubt too
    assert all(len(message_ids[chat]) == len(parts) for chat in CHATS)
    assert "this process is the sender" in log_text[procs.index(other)]  # it took the lock over
    assert fake.too_many == 0
