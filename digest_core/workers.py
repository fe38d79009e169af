"""Where CPU-bound steps run (feed parsing, selection, pages, charts): never on the event loop.

By default in a worker thread (`asyncio.to_thread`). The running service calls
`use_worker_process(idle)`: the steps then run in one worker process, started by the first step and
ended after `idle` seconds without one (an idle service holds no worker's memory), so that they do
not even share the interpreter lock with the loop (a busy thread makes the loop wait for the lock at every I/O step,
and on a loaded machine the thread holding it may be descheduled). The worker runs at a lower CPU
priority than the service, so that on a busy machine commands are answered before a build goes on.
The functions and arguments given to `run_cpu` must be picklable: module-level functions and plain
data.

The worker ends with the service however the service ends, SIGKILL included: it watches the
service's pid (a pidfd on Linux, polling elsewhere) and exits the moment the service is gone. Its
parent is the forkserver, not the service, so a parent-death signal would not see the service die;
and the forkserver and multiprocessing's resource tracker end by themselves once the worker has
(each waits for the end of a pipe the worker holds). When the worker idles out, the forkserver and
the resource tracker are ended with it (about 26 MB of RSS between them, measured): an idle service
is one process. The forkserver starts with SIGINT blocked, and so does every worker it forks:
Ctrl-C is the service's alone to answer.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import select
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from multiprocessing import forkserver, resource_tracker
from typing import Any, TypeVar

from digest_core.redaction import redact_log_records, register_secrets, registered_secrets

T = TypeVar("T")
log = logging.getLogger(__name__)

_starting: asyncio.Future[tuple[ProcessPoolExecutor, int]] | None = None  # the worker and its pid, once up
_lifecycle = threading.Lock()  # a worker's start waits for the previous one's helpers to have ended
_idle_exit: float | None = None  # on-demand mode: seconds without a step before the worker ends
_busy = 0  # steps in flight in the worker
_retire: asyncio.TimerHandle | None = None
WORKER_IDLE_MINUTES = 5.0  # default minutes without a step before an on-demand worker ends
WORKER_NICENESS = 10  # added to the worker's nice value: the service's loop comes first
SERVICE_POLL = 0.5  # seconds between checks that the service lives, where no pidfd is available


def _init_worker(level: int, service_pid: int, secrets: list[str]) -> None:
    """The worker logs as the service does, with the service's secrets redacted (a fresh process
    has an empty registry: the errors it writes into a digest are redacted there), and ends with
    the service."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the service's to handle, not the worker's
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


def _start_forkserver() -> None:
    """Start multiprocessing's forkserver with SIGINT ignored from its first module on
    (`digest_core.quiet_worker`), which every worker it forks inherits: Ctrl-C in a terminal
    reaches the whole process group, and only the service answers it (one line), never a worker
    mid-start with a traceback. SIGINT is blocked in this thread meanwhile (the forkserver is
    started with it blocked), not ignored: a Ctrl-C then is delivered to the service after.

    The resource tracker starts first, on its own: starting it unblocks SIGINT in the calling
    thread when done (multiprocessing's `ResourceTracker.ensure_running`), which left the
    forkserver, started next, open to a Ctrl-C while it imported its first modules."""
    # a bare interpreter but for SIGINT ignored (inherited by each worker): the worker imports what its steps need
    forkserver.set_forkserver_preload(["digest_core.quiet_worker"])
    resource_tracker.ensure_running()  # blocks SIGINT (and SIGTERM) for its own start, then unblocks both
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        forkserver.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _stop_helpers() -> None:
    """End multiprocessing's forkserver and resource tracker (once no worker runs): each waits for
    its pipe's end, which the service holds as long as it lives. The next `_start_forkserver`
    starts them again. `_stop` is their own (private, stable since Python 3.8) way to end them."""
    forkserver._forkserver._stop()  # type: ignore[attr-defined]
    resource_tracker._resource_tracker._stop()  # type: ignore[attr-defined]


def _start() -> tuple[ProcessPoolExecutor, int]:
    """Start the worker process (with the forkserver and resource tracker, if ended) and make its
    first call, which starts it, with SIGINT blocked in this thread: every process and thread
    started from here (the worker, the executor's manager thread) starts with SIGINT blocked too,
    so a Ctrl-C to the process group never interrupts their start. Runs in a thread, never on the
    loop: a fresh interpreter takes a few hundred ms to come up."""
    with _lifecycle:  # after the previous worker's helpers have ended, if they are ending now
        _start_forkserver()
        pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("forkserver"),  # no fork of a process with threads
            initializer=_init_worker,
            initargs=(logging.getLogger().getEffectiveLevel(), os.getpid(), registered_secrets()),
        )
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            return pool, pool.submit(worker_pid).result()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _end(pool: ProcessPoolExecutor, helpers: bool) -> None:
    """End the worker once its current step is done; with `helpers`, then the forkserver and the
    resource tracker too, from a thread of its own (that waits for the worker to exit)."""
    if not helpers:
        pool.shutdown(wait=False, cancel_futures=True)
        return

    def end_all() -> None:
        with _lifecycle:
            pool.shutdown(wait=True, cancel_futures=True)
            _stop_helpers()

    threading.Thread(target=end_all, name="end the build worker", daemon=True).start()


async def _worker() -> ProcessPoolExecutor:
    """The worker process, started now (from a thread) if it is not running."""
    global _starting
    if _starting is None:
        _starting = asyncio.ensure_future(asyncio.to_thread(_start))

        def unless_ended(done: asyncio.Future[tuple[ProcessPoolExecutor, int]]) -> None:
            # a start the service gave up meanwhile (stopped, or threads again) ends what it started
            if not done.cancelled() and done.exception() is None and _starting is not done:
                _end(done.result()[0], helpers=False)

        _starting.add_done_callback(unless_ended)
    starting = _starting
    try:
        pool, _ = await asyncio.shield(starting)
    except Exception:
        if _starting is starting:  # the next step tries again
            _starting = None
        raise
    return pool


async def start_worker_process() -> int:
    """Run CPU-bound steps in a worker process from now on, started now; returns its pid."""
    await _worker()
    assert _starting is not None
    return _starting.result()[1]


def use_worker_process(idle_exit: float) -> None:
    """Run CPU-bound steps in a worker process from now on, started by the first step (not now)
    and ended after `idle_exit` seconds without one: an idle service holds no worker's memory."""
    global _idle_exit
    _idle_exit = idle_exit


def worker_running() -> bool:
    """Whether a worker process is running (or starting) now."""
    return _starting is not None


def stop_worker_process() -> None:
    """Back to worker threads; the worker process ends once its current step is done (its helpers
    end with the service: stopping them would wait for that step)."""
    global _idle_exit
    _idle_exit = None
    _end_worker(helpers=False)


def _end_worker(helpers: bool) -> None:
    global _starting, _retire
    if _retire is not None:
        _retire.cancel()
        _retire = None
    starting, _starting = _starting, None
    if starting is not None and starting.done() and not starting.cancelled() and starting.exception() is None:
        _end(starting.result()[0], helpers)


def _retire_if_idle() -> None:
    global _retire
    _retire = None
    if _busy == 0 and _idle_exit is not None:
        log.debug("build worker idle for %g s: it ends (started again by the next build)", _idle_exit)
        _end_worker(helpers=True)


async def run_cpu(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` off the event loop: in the worker process when enabled (started on demand), else
    in a thread."""
    global _busy, _retire
    if _starting is None and _idle_exit is None:
        return await asyncio.to_thread(fn, *args)
    loop = asyncio.get_running_loop()
    _busy += 1
    if _retire is not None:
        _retire.cancel()
        _retire = None
    try:
        pool = await _worker()
        return await loop.run_in_executor(pool, partial(fn, *args))
    finally:
        _busy -= 1
        if _busy == 0 and _idle_exit is not None and _starting is not None:
            _retire = loop.call_later(_idle_exit, _retire_if_idle)
