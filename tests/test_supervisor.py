"""`digestbot run` survives its platforms: one that is down is retried with backoff, one whose token
is rejected stays off with one clear error, and the rest (scheduler, deliverer, other platforms) runs."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from telegram.error import InvalidToken

from bot.runner import run_service
from bot.settings import Settings
from bot.supervisor import PlatformSupervisor
from testkit.fakes.google_news import GoogleNewsFake
from testkit.fakes.server import ThreadedServer
from testkit.fakes.telegram import FakeTelegram

DNS = "ConnectionError: Name or service not known"


class FlakyPlatform:
    """A platform (our own port) that fails `failures` times with `error`, then starts."""

    def __init__(self, name: str, failures: int, error: Exception | None = None) -> None:
        self.name = name
        self.failures = failures
        self.error = error or ConnectionError("Name or service not known")
        self.starts = 0
        self.stops = 0

    async def start(self, listen: bool = True) -> None:
        self.starts += 1
        if self.starts <= self.failures:
            raise self.error

    async def stop(self) -> None:
        self.stops += 1


async def test_retry_with_backoff_and_a_rejected_token_stays_off(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    stop = asyncio.Event()
    down = FlakyPlatform("discord", failures=3)
    rejected = FlakyPlatform("telegram", failures=99, error=InvalidToken("The token `1:SECRET` was rejected"))
    fine = FlakyPlatform("other", failures=0)
    supervisor = PlatformSupervisor(stop, first_retry=0.01, max_retry=0.04)
    supervisor.launch([down, rejected, fine])
    for _ in range(500):
        if len(supervisor.running) == 2:
            break
        await asyncio.sleep(0.01)
    assert [p.name for p in supervisor.running] == ["other", "discord"]
    assert [p.name for p in supervisor.off] == ["telegram"]
    assert (down.starts, rejected.starts, fine.starts) == (4, 1, 1)
    assert down.stops == 3  # each partial start undone before the next attempt
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.supervisor"]
    assert [line for line in lines if line.startswith("discord")] == [
        *(f"discord: cannot start ({DNS}); retrying in {s} s" for s in (0.01, 0.02, 0.04)),
        "discord: started",
    ]
    assert [line for line in lines if line.startswith("telegram")] == [
        "telegram: token rejected (InvalidToken: The token `1:SECRET` was rejected); "
        "it stays off until the token is fixed"
    ]
    await supervisor.close()
    assert (down.stops, fine.stops) == (4, 1)


async def test_run_service_runs_with_telegram_rejected_and_discord_unreachable(
    tmp_path: Path, google_news: tuple[GoogleNewsFake, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    fake = FakeTelegram()
    with ThreadedServer(fake.app()) as telegram:
        settings = Settings(
            data_dir=tmp_path / "data",
            google_news_base_url=google_news[1],
            fetch_backoff=0.01,
            publisher_links_interval=0,
            telegram_bot_token="1:wrong-token-for-the-fake",  # type: ignore[arg-type]
            telegram_base_url=f"{telegram.base_url}/bot",
            discord_bot_token="MTIz.unreachable.zzzz",  # type: ignore[arg-type]
            discord_api_base_url="http://127.0.0.1:9/api/v10",
            catch_up_grace_hours=0,
        )
        stop = asyncio.Event()
        service = asyncio.create_task(run_service(settings, stop))

        def logged(text: str) -> bool:
            return any(text in r.getMessage() for r in caplog.records)

        for _ in range(1000):
            if logged("telegram: token rejected") and logged("discord: cannot start") and logged("digestbot running"):
                break
            assert not service.done(), service.exception()
            await asyncio.sleep(0.01)
        assert not service.done()
        stop.set()
        await asyncio.wait_for(service, 30)
    assert service.exception() is None
    assert logged("digestbot stopped")
    assert "wrong-token-for-the-fake" not in caplog.text
    assert logged("telegram: token rejected (InvalidToken: The token `***` was rejected by the server.)")
