"""A newcomer's first `digestbot run`, offline, from a fresh DATA_DIR: the log says why the sources
failed, when it tries again and that `make demo` works offline; no Python warning, no traceback,
and Ctrl-C ends it in one line (issue #27). Google News is production's news.google.com, sent by
FETCH_CONNECT_TO to a loopback port where nothing listens: no real network is ever tried."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.failures import DEMO_HINT

EXE = str(Path(sys.executable).parent / "digestbot")
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (INFO|WARNING) [\w.]+: ")
pytestmark = pytest.mark.timeout(240)


def first_run_env(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_", "GEMINI_", "PYTHON"))}
    env.update(
        DATA_DIR=str(data_dir),
        FETCH_CONNECT_TO=f"news.google.com:443:127.0.0.1:{port}",
        FETCH_BACKOFF="0.05",
        NOW="2026-02-25T22:30:00+00:00",  # the day's publish time (04:00) is past the catch-up grace
        PYTHONWARNINGS="default",  # every warning Python would show once, DeprecationWarning included
    )
    return env


def test_first_run_offline_says_why_when_again_and_points_to_the_demo(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [EXE, "run"],
            env=first_run_env(tmp_path / "fresh", port),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    processes.append(proc)
    deadline = time.monotonic() + 180  # a guard against hangs, not a timing assertion
    while "digestbot running" not in log.read_text() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "digestbot running" in log.read_text(), log.read_text()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    text = log.read_text()
    for noise in ("Warning", "Traceback", "Unclosed", "unclosed", "pip"):
        assert noise not in text, text
    messages = [LOG_LINE.sub("", line) for line in text.splitlines()]
    assert len(messages) == sum(1 for line in text.splitlines() if LOG_LINE.match(line)), text  # log lines only
    cause = "connection refused by news.google.com after 3 attempts"
    # the service's clock starts at NOW and runs on: the try is 2 minutes after the failure
    retry = re.escape("; next try at ") + r"22:3[2-9]" + re.escape(f" UTC (in 2 min); {DEMO_HINT}")
    failure = re.escape(
        "china-japan 2026-02-25: not archived: none of the 7 sources answered: "
        f"check the network (China Daily: {cause})"
    )
    assert re.fullmatch(failure + retry, messages[1]), messages[1]
    assert messages[:1] + messages[2:] == [
        f"china-japan: Google News feeds: 7 of 7 failed: {cause}",
        "china-japan: next post 2026-02-26 04:00 UTC to 0 destinations "
        "(add one: digestbot subscribe PLATFORM DESTINATION china-japan)",
        "digestbot running (console: set TELEGRAM_BOT_TOKEN or DISCORD_BOT_TOKEN to post to chats); Ctrl-C stops",
        "digestbot stopped",
    ]

    # docs/diagnostics.md shows exactly these lines (the retry's minute as the clock gave it)
    docs = (Path(__file__).resolve().parent.parent / "docs" / "diagnostics.md").read_text()
    block = docs.split("<!-- sample: none (a fresh run at 22:30 UTC", 1)[1].split("```", 2)[1].strip("\n").splitlines()
    minute = re.compile(r"next try at \d\d:\d\d")
    assert [minute.sub("next try at HH:MM", line) for line in block] == [
        minute.sub("next try at HH:MM", line) for line in messages
    ]
