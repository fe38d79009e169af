"""`digestbot discord`: no token, a rejected token, a full run against the fake Discord stopped by SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from asyncio.subprocess import PIPE
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.discord.client import DigestBot, run_bot
from bot.cli import app
from bot.discord_runner import MISSING_TOKEN_MESSAGE, run_discord
from bot.wiring import Core
from digest_core.errors import DiscordStartError
from testkit.fakes.discord import GUILD_ID, FakeDiscord
from testkit.fakes.discord_harness import TOKEN, core, discord_endpoints, fake_discord, settings_for
from testkit.fakes.google_news import GoogleNewsFake

__all__ = ["core", "discord_endpoints", "fake_discord"]
DIGESTBOT = str(Path(sys.executable).with_name("digestbot"))


def test_cli_without_token_does_not_start() -> None:
    result = CliRunner().invoke(app, ["discord"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"error: {MISSING_TOKEN_MESSAGE}"]


async def test_run_discord_without_token_raises(
    tmp_path: Path, google_news: tuple[GoogleNewsFake, str], fake_discord: FakeDiscord
) -> None:
    with pytest.raises(DiscordStartError, match="DISCORD_BOT_TOKEN is not set"):
        await run_discord(settings_for(tmp_path, google_news[1], fake_discord))
    assert fake_discord.requests == []


async def test_rejected_token_is_a_clear_error_without_the_token(
    core: Core, fake_discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    from adapters.discord.client import configure_endpoints

    configure_endpoints(fake_discord.api_base, fake_discord.gateway_url)
    wrong = "MTIz.wrong-secret-token.zzzz"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DiscordStartError) as raised:
        await run_bot(DigestBot(core.usecases), wrong, asyncio.Event())
    assert str(raised.value) == "Discord rejected the bot token: check DISCORD_BOT_TOKEN."
    assert [r.path for r in fake_discord.requests] == ["/api/v10/users/@me"]
    assert wrong not in caplog.text


async def test_cli_with_a_rejected_token_exits_2_in_one_line(tmp_path: Path, fake_discord: FakeDiscord) -> None:
    """A rejected token is a configuration error: exit status 2, as for Telegram (bot/failures.py)."""
    wrong = "MTIz.wrong-secret-token.zzzz"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_", "GEMINI_"))}
    env.update(
        DATA_DIR=str(tmp_path / "data"),
        DISCORD_BOT_TOKEN=wrong,
        DISCORD_API_BASE_URL=fake_discord.api_base,
        DISCORD_GATEWAY_URL=fake_discord.gateway_url,
    )
    proc = await asyncio.create_subprocess_exec(
        DIGESTBOT, "discord", env=env, stdout=PIPE, stderr=PIPE, start_new_session=True
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
    assert proc.returncode == 2, err
    lines = [line for line in (out + err).decode().splitlines() if line.startswith("error:")]
    assert lines == ["error: Discord rejected the bot token: check DISCORD_BOT_TOKEN."]
    assert wrong.encode() not in out + err and b"Unclosed" not in err


async def test_run_discord_syncs_globally_serves_and_stops_on_sigterm(
    tmp_path: Path,
    google_news: tuple[GoogleNewsFake, str],
    fake_discord: FakeDiscord,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = settings_for(tmp_path, google_news[1], fake_discord, discord_bot_token=TOKEN)
    task = asyncio.create_task(run_discord(settings))
    await fake_discord.wait_for(lambda: [p for p in fake_discord.gateway_received if p["op"] == 2])
    assert [c["name"] for c in fake_discord.commands["global"]] == [
        "digest",
        "latest",
        "sources",
        "trend",
        "topics",
        "subscribe",
        "unsubscribe",
        "subscriptions",
    ]
    assert str(GUILD_ID) not in fake_discord.commands
    i = fake_discord.command("topics")
    await fake_discord.dispatch("INTERACTION_CREATE", i)
    await fake_discord.wait_for(lambda: fake_discord.callbacks_for(i))
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(task, 15)
    assert task.exception() is None
    assert "Discord bot stopped" in caplog.text
    assert TOKEN not in caplog.text
    identify = [p for p in fake_discord.gateway_received if p["op"] == 2]
    assert identify[0]["d"]["token"] == TOKEN  # it was used, and never logged
