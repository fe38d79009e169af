"""Where CPU-bound steps run (feed parsing, selection, pages, charts): never on the event loop.

By default in a worker thread (`asyncio.to_thread`). The running service calls
`start_worker_process()`: the steps then run in one worker process, so they do not even share the
interpreter lock with the loop (a busy thread makes the loop wait for the lock at every I/O step,
and on a loaded machine the thread holding it may be descheduled). The worker runs at a lower CPU
priority than the service, so that on a busy machine commands are answered before a build goes on.
The functions and arguments given to `run_cpu` must be picklable: module-level functions and plain
data.

The worker ends with the service however the service ends, SIGKILL included: it watches the
service's pid (a pidfd on Linux, polling elsewhere) and exits the moment the service is gone. Its
parent is the forkserver, not the service, so a parent-death signal would not see the service die;
and the forkserver and multiprocessing's resource tracker end by themselves once the worker has
(each waits for the end of a pipe the worker holds).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import select
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import Any, TypeVar

from digest_core.redaction import redact_log_records, register_secrets, registered_secrets

T = TypeVar("T")

_process: ProcessPoolExecutor | None = None
WORKER_NICENESS = 10  # added to the worker's nice value: the service's loop comes first
SERVICE_POLL = 0.5  # seconds between checks that the service lives, where no pidfd is available


def _init_worker(level: int, service_pid: int, secrets: list[str]) -> None:
    """The worker logs as the service does, with the service's secrets redacted (a fresh process
    has an empty registry: the errors it writes into a digest are redacted there), and ends with
    the service."""
    register_secrets(secrets)
    redact_log_records()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    os.nice(WORKER_NICENESS)
    exit_with(service_pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as someone else's
        return True
    return True


def _pidfd(pid: int) -> int | None:
    """A file descriptor that becomes readable when process `pid` ends (Linux 5.3+), else None."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):  # no pidfd on this system, or the process is gone already
        return None


def wait_for_end(pid: int, poll: float = SERVICE_POLL, pidfd: bool = True) -> None:
    """Return once process `pid` has ended: at once through a pidfd (immune to pid reuse), else (or
    with `pidfd=False`) by checking every `poll` seconds."""
    fd = _pidfd(pid) if pidfd else None
    if fd is None:
        while _alive(pid):
            time.sleep(poll)
        return
    try:
        readable = select.poll()  # pidfds are Linux's, and so is poll
        readable.register(fd, select.POLLIN)
        readable.poll()
    finally:
        os.close(fd)


def exit_with(pid: int) -> None:
    """End this process (at once, whatever it is doing) as soon as process `pid` ends."""

    def watch() -> None:
        wait_for_end(pid)
        os._exit(0)

    threading.Thread(target=watch, name=f"exit with {pid}", daemon=True).start()


def worker_pid() -> int:
    """The pid of the process this runs in (given to `run_cpu`: the worker's pid)."""
    return os.getpid()


async def start_worker_process() -> int:
    """Run CPU-bound steps in a worker process from now on; returns its pid. The process starts
    here, from a thread: a fresh interpreter takes a few hundred ms to come up, which would
    otherwise stall the loop at the first build."""
    global _process
    if _process is None:
        _process = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("forkserver"),  # no fork of a process with threads
            initializer=_init_worker,
            initargs=(logging.getLogger().getEffectiveLevel(), os.getpid(), registered_secrets()),
        )
    pool = _process
    return await asyncio.to_thread(lambda: pool.submit(worker_pid).result())


def stop_worker_process() -> None:
    """Back to worker threads; the worker process ends once its current step is done."""
    global _process
    if _process is not None:
        _process.shutdown(wait=False, cancel_futures=True)
        _process = None


async def run_cpu(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` off the event loop: in the worker process when enabled, else in a thread."""
    if _process is None:
        return await asyncio.to_thread(fn, *args)
    return await asyncio.get_running_loop().run_in_executor(_process, partial(fn, *args))
