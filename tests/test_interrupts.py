"""Ctrl-C (SIGINT) and SIGTERM end `digestbot` quietly at any moment: no traceback, one line, exit
130 for SIGINT and 0 for SIGTERM of `run`, and no process of its group left. Real processes, `NOW`
set, the fake Google News on loopback; each process is ended with its group whatever happens."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.fakes.google_news import GoogleNewsFake
from testkit.fakes.server import ThreadedServer
from tests.processes import group_alive
from tests.test_run import EXE, NOW, wait_until

pytestmark = pytest.mark.timeout(120)
STOPPED = "INFO bot.runner: digestbot stopped"
INTERRUPTED = "interrupted (Ctrl-C)"
EXPECTED_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 0}


@pytest.fixture
def fake() -> Iterator[tuple[GoogleNewsFake, str]]:
    news = GoogleNewsFake(gate=threading.Event())
    news.gate.set()  # type: ignore[union-attr]
    with ThreadedServer(news.app()) as server:
        try:
            yield news, server.base_url
        finally:
            news.gate.set()  # type: ignore[union-attr]


def start(
    processes: list[subprocess.Popen[bytes]], tmp_path: Path, news: str, *args: str
) -> tuple[subprocess.Popen[bytes], Path]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_", "GEMINI_"))}
    env.update(
        DATA_DIR=str(tmp_path / "data"),
        GOOGLE_NEWS_BASE_URL=news,
        PUBLISHER_LINKS="false",
        ARTICLE_PAGES="false",
        FETCH_BACKOFF="0.05",
        LOG_LEVEL="INFO",
        NOW=NOW.isoformat(),
    )
    log = tmp_path / "out.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([EXE, *args], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    processes.append(proc)
    return proc, log


def ended_quietly(proc: subprocess.Popen[bytes], log: Path, sig: int, mark: int) -> list[str]:
    """After `sig`: the exit status, no traceback, no process of the group left; the lines written
    after byte `mark` of the log."""
    code = proc.wait(timeout=60)
    text = log.read_text()
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text[-3000:]
    assert code == EXPECTED_EXIT[sig], text[-3000:]
    wait_until(lambda: not group_alive(proc.pid), 15, "every process of the group to end")
    return log.read_bytes()[mark:].decode().splitlines()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_run_stopped_while_idle(
    sig: int, tmp_path: Path, fake: tuple[GoogleNewsFake, str], processes: list[subprocess.Popen[bytes]]
) -> None:
    proc, log = start(processes, tmp_path, fake[1], "run")
    wait_until(lambda: "digestbot running" in log.read_text(), 60, "the service to run", log)
    mark = log.stat().st_size
    os.killpg(proc.pid, sig)  # as a terminal's Ctrl-C: to the whole process group
    after = ended_quietly(proc, log, sig, mark)
    assert len(after) == 1 and after[0].endswith(STOPPED), after


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_run_stopped_mid_build_at_start_up(
    sig: int, tmp_path: Path, fake: tuple[GoogleNewsFake, str], processes: list[subprocess.Popen[bytes]]
) -> None:
    news, base = fake
    news.gate.clear()  # type: ignore[union-attr]  # the start-up build waits for Google News
    proc, log = start(processes, tmp_path, base, "run")
    wait_until(lambda: bool(news.requests), 60, "the start-up build to fetch", log)
    mark = log.stat().st_size
    os.killpg(proc.pid, sig)
    after = ended_quietly(proc, log, sig, mark)  # the build is abandoned: no wait for the fetches
    assert len(after) == 1 and after[0].endswith(STOPPED), after
    assert "digestbot running" not in log.read_text()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_run_stopped_while_the_build_worker_starts(
    sig: int, tmp_path: Path, fake: tuple[GoogleNewsFake, str], processes: list[subprocess.Popen[bytes]]
) -> None:
    news, base = fake
    proc, log = start(processes, tmp_path, base, "run")
    wait_until(lambda: len(news.requests) >= 7, 60, "every feed to be answered", log)  # the worker starts now
    os.killpg(proc.pid, sig)
    lines = ended_quietly(proc, log, sig, 0)
    assert lines[-1].endswith(STOPPED), lines


@pytest.mark.parametrize("args", [["run"], ["build", "china-japan", "--date", "2026-02-25"]], ids=["run", "build"])
def test_sigint_during_start_up_is_one_line(
    args: list[str], tmp_path: Path, fake: tuple[GoogleNewsFake, str], processes: list[subprocess.Popen[bytes]]
) -> None:
    """At once, while the interpreter or the command's modules load (or a little later on a fast
    machine): one line, or, in the first milliseconds before Python handles any signal, the
    default action: ended by SIGINT without a word (a shell reports that as 130 too)."""
    proc, log = start(processes, tmp_path, fake[1], *args)
    os.killpg(proc.pid, signal.SIGINT)
    code = proc.wait(timeout=60)
    text = log.read_text()
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text[-3000:]
    wait_until(lambda: not group_alive(proc.pid), 15, "every process of the group to end")
    if code == -signal.SIGINT:
        assert text == ""
        return
    assert code == 130, text[-3000:]
    lines = text.splitlines()
    assert lines[-1] == INTERRUPTED or lines[-1].endswith(STOPPED), lines
    assert lines.count(INTERRUPTED) <= 1


def test_sigint_of_a_build_waiting_for_its_sources(
    tmp_path: Path, fake: tuple[GoogleNewsFake, str], processes: list[subprocess.Popen[bytes]]
) -> None:
    news, base = fake
    news.gate.clear()  # type: ignore[union-attr]
    proc, log = start(processes, tmp_path, base, "build", "china-japan", "--date", "2026-02-25")
    wait_until(lambda: bool(news.requests), 60, "the build to fetch", log)
    mark = log.stat().st_size
    os.killpg(proc.pid, signal.SIGINT)
    assert ended_quietly(proc, log, signal.SIGINT, mark) == [INTERRUPTED]


def test_sigterm_of_a_build_is_one_line_and_exit_0(
    tmp_path: Path, fake: tuple[GoogleNewsFake, str], processes: list[subprocess.Popen[bytes]]
) -> None:
    news, base = fake
    news.gate.clear()  # type: ignore[union-attr]
    proc, log = start(processes, tmp_path, base, "build", "china-japan", "--date", "2026-02-25")
    wait_until(lambda: bool(news.requests), 60, "the build to fetch", log)
    mark = log.stat().st_size
    os.killpg(proc.pid, signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    assert log.read_bytes()[mark:].decode().splitlines() == ["stopped (SIGTERM)"]
    wait_until(lambda: not group_alive(proc.pid), 15, "every process of the group to end")
