"""The build worker's helpers, multiprocessing's forkserver and resource tracker: they start with
Ctrl-C (SIGINT) out of their way, and they end with the worker when it idles out, so that an idle
service is one process. Real processes, their state read from /proc (no timing)."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from digest_core.workers import run_cpu, stop_worker_process, use_worker_process, worker_pid, worker_running
from tests.processes import child_pids, command_line

IDLE_EXIT = 0.05  # seconds without a step before the worker ends


def helpers() -> dict[str, int]:
    """This process's multiprocessing helpers still alive (not zombies), by kind."""
    found = {}
    for pid in child_pids(os.getpid()):
        try:
            if status(pid, "State").startswith("Z"):
                continue
            command = command_line(pid)
        except OSError:  # ended meanwhile
            continue
        if "resource_tracker" in command:
            found["tracker"] = pid
        elif "multiprocessing.forkserver" in command:
            found["forkserver"] = pid
    return found


def status(pid: int, field: str) -> str:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {field} for process {pid}")


def has_signal(pid: int, field: str, sig: int) -> bool:
    """Whether `sig` is in the process's mask `field` (SigBlk: blocked, SigIgn: ignored)."""
    return bool(int(status(pid, field), 16) & (1 << (sig - 1)))


async def until(done: Callable[[], bool], what: str) -> None:
    for _ in range(1200):  # a guard against a hang (a minute), not a timing assertion
        if done():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.fixture
def on_demand() -> Iterator[None]:
    use_worker_process(IDLE_EXIT)
    try:
        yield
    finally:
        stop_worker_process()


async def idled_out() -> None:
    await until(lambda: not worker_running(), "the worker to idle out")
    await until(lambda: helpers() == {}, "the forkserver and the resource tracker to end")


async def test_the_helpers_end_with_an_idle_worker_and_start_again_with_the_next_step(on_demand: None) -> None:
    first = await run_cpu(worker_pid)
    assert first != os.getpid()
    assert set(helpers()) == {"tracker", "forkserver"}
    await idled_out()
    second = await run_cpu(worker_pid)  # the next build starts all three again
    assert second not in (first, os.getpid())
    assert set(helpers()) == {"tracker", "forkserver"}
    await idled_out()


async def test_the_forkserver_and_the_worker_start_with_sigint_blocked_and_ignored(on_demand: None) -> None:
    """Blocked from their first instruction (the signal mask survives exec), so a Ctrl-C to the
    process group while they import their first modules waits, and is then ignored: no traceback.
    The resource tracker blocks it for its own start and ignores it after."""
    await run_cpu(worker_pid)
    await idled_out()  # helpers left by another test are gone: this start starts them, as a first build does
    worker = await run_cpu(worker_pid)
    started = helpers()
    for pid in (started["forkserver"], worker):
        assert has_signal(pid, "SigBlk", signal.SIGINT), pid
        assert has_signal(pid, "SigIgn", signal.SIGINT), pid
    assert has_signal(started["tracker"], "SigIgn", signal.SIGINT)
    assert not has_signal(os.getpid(), "SigBlk", signal.SIGINT)  # the loop's thread still answers Ctrl-C
    await idled_out()
