"""Start-up time and memory of the `digestbot` command, as separate processes (what a user runs).

- `digestbot --help`: wall time and peak RSS (target: under 0.5 s), next to a bare `python -c pass`.
- `digestbot run`, idle: RSS once it logs that it is running, with no tokens (target: under 100 MB)
  and with both platforms connected to loopback fakes served by this process (target: under 150 MB).
  Google News points at a closed loopback port, so a start-up catch-up fails fast instead of
  reaching the network.

    python -m bench.startup            # 5 runs of --help, 3 of each idle run; writes docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.report import machine, min_median, rss_mb, table, write_section
from tests.fakes.discord import FakeDiscord
from tests.fakes.server import serve
from tests.fakes.telegram import TOKEN, FakeTelegram

DIGESTBOT = str(Path(sys.executable).with_name("digestbot"))
TIME = "/usr/bin/time"  # GNU time (Debian package `time`)
HELP_TARGET_S = 0.5
IDLE_TARGET_MB = 100
CONNECTED_TARGET_MB = 150
TYPER_HELP = (
    "import sys, typer, rich.console\napp = typer.Typer()\napp.command()(lambda: None)\n"
    "sys.argv = ['x', '--help']\ntry:\n    app()\nexcept SystemExit:\n    pass"
)


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run of `argv`. The peak comes from GNU time: a child
    forked from this (large) process would report this process's size as its own peak."""
    started = time.perf_counter()
    out = subprocess.run([TIME, "-f", "%M", *argv], capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - started
    return elapsed, int(out.stderr.strip().splitlines()[-1]) / 1024


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def descendants(pid: int) -> list[int]:
    """Every process started by `pid`, and by those, from /proc."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *descendants(int(child))]
    return found


WORKER_IDLE_S = 3.0  # BUILD_WORKER_IDLE_MINUTES for the idle runs: the state of any service a while after a build
SETTLE_S = 6.0


async def idle_rss(extra_env: dict[str, str], settle: float = SETTLE_S) -> tuple[float, float]:
    """RSS (MB) of `digestbot run` `settle` seconds after it logged that it is running, and the
    sum of its child processes' (the forkserver, and the build worker if it still runs: the
    start-up build started it, and it ends after BUILD_WORKER_IDLE_MINUTES, here `WORKER_IDLE_S`)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ, "DATA_DIR": str(Path(tmp) / "data"), "FETCH_ATTEMPTS": "1", "LOG_LEVEL": "INFO",
            "GOOGLE_NEWS_BASE_URL": f"http://127.0.0.1:{closed_port()}",
            "BUILD_WORKER_IDLE_MINUTES": str(WORKER_IDLE_S / 60), **extra_env,
        }
        for name in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "GEMINI_API_KEY", "DATABASE_URL"):
            if name not in extra_env:
                env.pop(name, None)
        proc = await asyncio.create_subprocess_exec(
            DIGESTBOT, "run", cwd=tmp, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
        assert proc.stderr is not None
        try:
            async with asyncio.timeout(90):
                while b"digestbot running" not in (line := await proc.stderr.readline()):
                    if not line:
                        raise RuntimeError("digestbot run ended before it was running")
            drained = asyncio.create_task(proc.stderr.read())
            await asyncio.sleep(settle)
            return rss_mb(proc.pid), sum(rss_mb(child) for child in descendants(proc.pid))
        finally:
            proc.send_signal(signal.SIGINT)
            await proc.wait()
            drained.cancel()


async def connected_rss() -> tuple[float, float]:
    """Idle RSS with both platforms connected to fakes served by this process."""
    telegram, discord = FakeTelegram(token=TOKEN), FakeDiscord()
    tg_runner, tg_port = await serve(telegram.app())
    dc_runner, dc_port = await serve(discord.app())
    discord.port = dc_port
    try:
        return await idle_rss({
            "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": f"http://127.0.0.1:{tg_port}/bot",
            "DISCORD_BOT_TOKEN": discord.bot_token, "DISCORD_API_BASE_URL": discord.api_base,
            "DISCORD_GATEWAY_URL": discord.gateway_url,
        })
    finally:
        await dc_runner.cleanup()
        await tg_runner.cleanup()


def memory(runs: list[tuple[float, float]]) -> str:
    """The service's RSS and, in brackets, its worker processes' (min / median)."""
    return f"{min_median([m for m, _ in runs])} MB (+ {min_median([w for _, w in runs])} MB)"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-docs", action="store_true", help="print only; do not rewrite docs/benchmarks.md")
    args = parser.parse_args()
    bare = [timed([sys.executable, "-c", "pass"]) for _ in range(args.runs)]
    floor = [timed([sys.executable, "-c", TYPER_HELP]) for _ in range(args.runs)]
    helps = [timed([DIGESTBOT, "--help"]) for _ in range(args.runs)]
    idle = [await idle_rss({}) for _ in range(max(1, args.runs // 2))]
    connected = [await connected_rss() for _ in range(max(1, args.runs // 2))]
    rows = [
        ["python -c pass (floor)", f"{min_median([t for t, _ in bare], 2)} s", f"{min_median([m for _, m in bare])} MB",
         "-"],
        ["typer + rich, one command's --help (floor)", f"{min_median([t for t, _ in floor], 2)} s",
         f"{min_median([m for _, m in floor])} MB", "-"],
        ["digestbot --help", f"{min_median([t for t, _ in helps], 2)} s", f"{min_median([m for _, m in helps])} MB",
         "yes" if min(t for t, _ in helps) < HELP_TARGET_S else "**no**"],
        ["digestbot run, idle, no tokens", "-", memory(idle),
         "yes" if max(m for m, _ in idle) < IDLE_TARGET_MB else "**no**"],
        ["digestbot run, idle, Telegram and Discord connected", "-", memory(connected),
         "yes" if max(m for m, _ in connected) < CONNECTED_TARGET_MB else "**no**"],
    ]
    text = (
        f"min / median of {args.runs} runs (idle runs: {len(idle)}); RSS is the peak for `--help`, the resident "
        f"size {SETTLE_S:g} s after start-up for `run` (the service process; its child processes in brackets: "
        f"the forkserver, the build worker having ended after BUILD_WORKER_IDLE_MINUTES={WORKER_IDLE_S / 60:g}, "
        f"i.e. {WORKER_IDLE_S:g} s, unused). Targets: --help < {HELP_TARGET_S} s, idle < {IDLE_TARGET_MB} MB, "
        f"connected < {CONNECTED_TARGET_MB} MB. Machine: {machine()}.\n\n"
        + table(["command", "time", "memory", "within target"], rows)
    )
    print(text)
    if not args.no_docs:
        write_section("startup", text)


if __name__ == "__main__":
    asyncio.run(main())
