"""Operator commands: subscriptions, publish through the ledger, status, backfill, doctor."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from digest_core.delivery.sender_lock import FileSenderLock
from testkit.fakes.server import ThreadedServer
from testkit.fakes.telegram import TOKEN, FakeTelegram

runner = CliRunner()


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["subscribe", "slack", "C1", "china-japan"],
            "unknown platform 'slack'; use one of: telegram, discord, console",
        ),
        (["subscribe", "telegram", "12ab", "china-japan"], "'12ab' is not a telegram destination: use a chat id"),
        (["subscribe", "discord", "#general", "china-japan"], "is not a discord destination"),
        (["subscribe", "telegram", "-100123", "mars"], "Unknown topic 'mars'"),
        (["subscribe", "telegram", "-100123", "china-japan", "--thread", "x"], "thread 'x' must be a number"),
        (["backfill", "china-japan", "--from", "2026-02-26", "--to", "2026-02-24"], "--from 2026-02-26 is after --to"),
        (["publish", "china-japan", "--date", "someday"], "Malformed date 'someday'"),
    ],
)
def test_bad_operator_input(cli_env: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_subscriptions_round_trip(cli_env: Path) -> None:
    assert ok("subscribe", "telegram", "-1001234", "china-japan") == "telegram:-1001234 subscribed to china-japan\n"
    assert "was already subscribed" in ok("subscribe", "telegram", "-1001234", "china-japan")
    ok("subscribe", "discord", "123456789012345678", "china-japan", "--thread", "987654321098765432")
    listed = ok("subscriptions")
    assert "telegram:-1001234\tchina-japan\tactive" in listed
    assert "discord:123456789012345678/987654321098765432\tchina-japan\tactive" in listed
    assert "unsubscribed from" in ok("unsubscribe", "telegram", "-1001234", "china-japan")
    assert "was not subscribed" in ok("unsubscribe", "telegram", "-1001234", "china-japan")


def test_publish_delivers_once_through_the_ledger(cli_env: Path) -> None:
    ok("subscribe", "console", "stdout", "china-japan")
    ok("subscribe", "telegram", "-1001234", "china-japan")  # no token here: stays pending
    result = runner.invoke(app, ["publish", "china-japan", "--date", "2026-02-25"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("China vs Japan — 2026-02-25\n")
    assert result.stdout.count("Top stories") == 1
    assert "8 articles: 3 China · 5 Japan." in result.stdout
    assert "published, 2 new deliveries queued" in result.stderr
    assert "1 pending, 0 sending, 1 sent" in result.stderr
    assert "1 delivery waits for a retry or for a platform not configured here" in result.stderr

    again = runner.invoke(app, ["publish", "china-japan", "--date", "2026-02-25"])
    assert again.exit_code == 0
    assert "already published, 0 new deliveries queued" in again.stderr
    assert "Top stories" not in again.stdout  # nothing re-sent

    status = ok("status")
    assert "china-japan" in status
    assert "2026-02-25" in status
    assert "extractive" in status
    assert "deliveries: 1 pending, 0 sending, 1 sent, 0 failed, 0 gone" in status


def test_publish_leaves_deliveries_to_the_running_sender(cli_env: Path) -> None:
    ok("subscribe", "console", "stdout", "china-japan")
    service = FileSenderLock(cli_env / "digestbot.db.console.sender.lock", "console", "host:4242")
    assert asyncio.run(service.acquire())  # as `digestbot run` holds it, in this process
    try:
        result = runner.invoke(app, ["publish", "china-japan", "--date", "2026-02-25"])
    finally:
        asyncio.run(service.release())
    assert result.exit_code == 0, result.output
    assert "console: the running service host:4242 is delivering (queued for it)" in result.stderr
    assert "Top stories" not in result.stdout  # not sent by `publish`
    assert "1 pending, 0 sending, 0 sent" in result.stderr
    again = runner.invoke(app, ["publish", "china-japan", "--date", "2026-02-25"])
    assert again.stdout.count("Top stories") == 1  # no sender alive: `publish` delivers itself


def test_publish_of_an_empty_day_says_so(cli_env: Path) -> None:
    result = runner.invoke(app, ["publish", "china-japan", "--date", "2026-03-10"])
    assert result.exit_code == 1
    said = [line for line in result.stderr.splitlines() if not re.match(r"\d{4}-\d\d-\d\d \d\d:", line)]  # no logs
    assert len(said) == 1, result.stderr  # one outcome, not a status and then an error
    assert said[0].startswith("error: No on-topic articles for China vs Japan on 2026-03-10.")


def test_backfill_builds_missing_days_only(cli_env: Path) -> None:
    ok("build", "china-japan", "--date", "2026-02-25")
    result = runner.invoke(app, ["backfill", "china-japan", "--from", "2026-02-24", "--to", "2026-02-27"])
    assert result.exit_code == 0, result.output
    assert "1 built, 1 archived already, 2 empty" in result.stderr


@pytest.fixture
def telegram_api() -> Iterator[str]:
    with ThreadedServer(FakeTelegram(token=TOKEN).app()) as server:
        yield f"{server.base_url}/bot"


def test_doctor_checks_each_part(cli_env: Path, telegram_api: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BASE_URL", telegram_api)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    out = ok("doctor")
    assert "ok   topics: 1 from the shipped default" in out
    assert "ok   database: sqlite+aiosqlite:///" in out
    assert "ok   telegram: token valid, bot @digest_test_bot" in out
    assert "ok   gemini: no GEMINI_API_KEY" in out
    assert TOKEN not in out

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "999:wrong")
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert "FAIL telegram: token refused" in result.stdout
    assert "check TELEGRAM_BOT_TOKEN (from @BotFather)" in result.stdout
    assert "999:wrong" not in result.stdout
