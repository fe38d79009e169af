"""Child processes that tests start: each in its own process group, ended whatever happens.

Every process started here carries `DIGESTBOT_TEST_SESSION` in its environment (set by conftest),
so the session-end check can find any that outlived its test.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

SESSION_MARK = "DIGESTBOT_TEST_SESSION"


def kill_group(proc: subprocess.Popen[Any], grace: float = 10.0) -> None:
    """End the process and everything it started: SIGTERM to its group, SIGKILL after `grace` s."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # children left in the group, even if the leader exited
    proc.wait()
    deadline = time.monotonic() + 10
    while group_alive(proc.pid) and time.monotonic() < deadline:  # SIGKILL lands asynchronously
        time.sleep(0.01)
    for stream in (proc.stdout, proc.stderr, proc.stdin):
        if stream is not None:
            stream.close()


def group_alive(pgid: int) -> bool:
    """Whether a live (not zombie) process of process group `pgid` remains."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False


@contextlib.contextmanager
def spawned(args: Sequence[str], **popen: Any) -> Iterator[subprocess.Popen[Any]]:
    """`subprocess.Popen(args)` in a new session; on exit its whole process group is ended."""
    proc = subprocess.Popen(list(args), start_new_session=True, **popen)
    try:
        yield proc
    finally:
        kill_group(proc)


def marked_processes(mark: str) -> list[tuple[int, str]]:
    """Live processes (pid, command line) whose environment carries `SESSION_MARK=mark`."""
    needle = f"{SESSION_MARK}={mark}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue  # a zombie: already dead, waiting for its parent to reap it
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile, or not ours to read
            continue
        found.append((int(entry.name), cmdline.strip()))
    return found


def child_pids(pid: int) -> list[int]:
    """The direct children of a live process (from /proc)."""
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            kids += [int(k) for k in (task / "children").read_text().split()]
    return kids


def command_line(pid: int) -> str:
    try:
        return (Path(f"/proc/{pid}") / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def is_running(pid: int) -> bool:
    """Whether the process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
