"""The `digestbot` console script: Ctrl-C and SIGTERM are answered quietly from the first moment,
even while the command line's modules are still being imported (a fraction of a second)."""

from __future__ import annotations

import sys

from bot.interrupts import exit_status, quiet_signals
from digest_core.errors import Terminated


def main() -> None:
    """`bot.cli.main`, imported with SIGINT and SIGTERM already turned into one line each."""
    quiet_signals()
    try:
        # lazy: imported once Ctrl-C and SIGTERM are answered (one line, even mid-import)
        from bot.cli import main as cli_main
    except (KeyboardInterrupt, Terminated) as exc:
        code, line = exit_status(exc)
        print(line, file=sys.stderr)
        raise SystemExit(code) from None
    cli_main()
