"""`digestbot run` leaves nothing behind: SIGKILL ends its worker, forkserver and resource tracker
too, and a token Telegram rejects leaves no HTTP session open. Real processes, `NOW` set, the fake
Google News and Bot API on loopback; every process is ended with its group whatever happens."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from digest_core.workers import wait_for_end
from testkit.fakes.server import ThreadedServer
from testkit.fakes.telegram import TOKEN, FakeTelegram
from tests.processes import child_pids, command_line, is_running, kill_group
from tests.test_run import env_for, start, stop_cleanly, wait_until

pytestmark = pytest.mark.timeout(180)
FORKSERVER = "multiprocessing.forkserver"


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (children, their children...)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        try:
            kids = child_pids(todo.pop())
        except OSError:  # ended meanwhile
            continue
        found += kids
        todo += kids
    return found


def test_sigkill_of_the_service_ends_every_process_it_started(
    tmp_path: Path, news: str, processes: list[subprocess.Popen[bytes]]
) -> None:
    log = tmp_path / "run.log"
    with ThreadedServer(FakeTelegram(token=TOKEN).app()) as telegram:
        service = start(processes, env_for(tmp_path / "data", news, f"{telegram.base_url}/bot"), log)
        # the forkserver and the build worker it forked (same command line), and the resource tracker
        wait_until(
            lambda: sum(FORKSERVER in command_line(p) for p in descendants(service.pid)) == 2, 60, "the worker", log
        )
        wait_until(lambda: "digestbot running" in log.read_text(), 60, "the service to run", log)
        started = {p: command_line(p) for p in descendants(service.pid)}
        assert len(started) >= 3, started
        service.send_signal(signal.SIGKILL)
        service.wait()
        killed = time.monotonic()
        # a guard against hangs (measured: well under a second), not a timing assertion
        wait_until(lambda: not any(is_running(p) for p in started), 10, "every process the service started", log)
    left = {p: c for p, c in started.items() if is_running(p)}
    assert left == {}, f"still running {time.monotonic() - killed:.1f} s after SIGKILL: {left}"


def test_a_token_telegram_rejects_leaves_no_session_open(
    tmp_path: Path, news: str, processes: list[subprocess.Popen[bytes]]
) -> None:
    log = tmp_path / "run.log"
    with ThreadedServer(FakeTelegram(token="1:another-token").app()) as telegram:  # every call answers 401
        service = start(processes, env_for(tmp_path / "data", news, f"{telegram.base_url}/bot"), log)
        wait_until(lambda: "telegram: token rejected" in log.read_text(), 60, "the rejection", log)
        wait_until(lambda: "digestbot running" in log.read_text(), 60, "the service to run", log)
        stop_cleanly(service, log)
    text = log.read_text()
    assert "Unclosed" not in text, text[-3000:]
    assert TOKEN not in text


@pytest.mark.parametrize("pidfd", [True, False], ids=["pidfd", "polling"])
def test_wait_for_end_returns_once_the_process_has_ended(pidfd: bool) -> None:
    proc = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        ended = threading.Event()
        watcher = threading.Thread(target=lambda: (wait_for_end(proc.pid, poll=0.05, pidfd=pidfd), ended.set()))
        watcher.start()
        assert not ended.wait(0.3)  # still running: still waiting
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert ended.wait(10)
        watcher.join()
    finally:
        kill_group(proc)
