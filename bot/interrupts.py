"""Ctrl-C and SIGTERM end every command quietly: one line and an exit status, never a traceback.

SIGINT exits 130 (128 + 2, as shells report it); SIGTERM exits 0, the ordinary way to stop a
command (systemd, Docker, `kill`), as issue #27 asks of every command. `run` answers both itself once
its loop is up (a clean shutdown); before that, and in every other command, they end the process
at once through `main()`.
"""

from __future__ import annotations

import signal
from types import FrameType

from digest_core.errors import Terminated

EXIT_SIGINT = 128 + signal.SIGINT


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def quiet_signals() -> None:
    """SIGTERM raises `Terminated` and SIGINT `KeyboardInterrupt` (Python's own), for `main()` to
    turn into one line; from the main thread, at the entry point and after a loop restored them."""
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def exit_status(exc: BaseException) -> tuple[int, str]:
    """The exit status and the one line for an interrupted command."""
    if isinstance(exc, Terminated):
        return 0, "stopped (SIGTERM)"
    return EXIT_SIGINT, "interrupted (Ctrl-C)"


def ended_by_ctrl_c(exc: BaseException) -> bool:
    """Whether `exc` (Typer's exit 130) comes from a KeyboardInterrupt: Typer turns Ctrl-C into
    a silent exit 130, and the line saying so is ours to print."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
