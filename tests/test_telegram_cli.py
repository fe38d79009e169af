"""`digestbot telegram`: refuses to start without a token; runs, answers and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from testkit.fakes.server import ThreadedServer
from testkit.fakes.telegram import TOKEN, FakeTelegram
from testkit.fakes.telegram_harness import ALICE, PRIVATE
from tests.processes import spawned


def test_without_a_token_it_does_not_start_and_says_so_once(cli_env: Path) -> None:
    result = CliRunner().invoke(app, ["telegram"])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "TELEGRAM_BOT_TOKEN is not set" in lines[0]


def wait_until(condition: Callable[[], bool], within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the bot did not get there in time"
        time.sleep(0.05)


def test_runs_against_the_bot_api_answers_and_stops_on_sigterm(cli_env: Path) -> None:
    fake = FakeTelegram()
    with ThreadedServer(fake.app()) as server:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": f"{server.base_url}/bot",
            "LOG_LEVEL": "DEBUG",
        }
        with spawned(
            [sys.executable, "-c", "from bot.cli import main; main()", "telegram"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as proc:
            wait_until(lambda: bool(fake.methods("getUpdates")) or proc.poll() is not None)
            assert proc.poll() is None, proc.communicate()
            fake.push(fake.command("/help", PRIVATE, ALICE))
            wait_until(lambda: bool(fake.sent_to(PRIVATE["id"])))
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "/digest TOPIC [DATE]" in fake.sent_to(PRIVATE["id"])[0].text
    assert [c.method for c in fake.calls[:2]] == ["getMe", "setMyCommands"]
    assert "polling" in err
    assert "stopped" in err
    assert TOKEN not in err + out
