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
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from bench.report import machine, min_median, rss_mb, table, write_section
from digest_core.workers import run_cpu, stop_worker_process, use_worker_process, worker_pid, worker_running
from testkit.fakes.discord import FakeDiscord
from testkit.fakes.google_news import GoogleNewsFake
from testkit.fakes.server import serve
from testkit.fakes.telegram import TOKEN, FakeTelegram

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
    with contextlib.suppress(OSError):  # the process ended meanwhile
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):  # a thread ended meanwhile
                for child in (task / "children").read_text().split():
                    found += [int(child), *descendants(int(child))]
    return found


def role(pid: int, service: int) -> str:
    """What a process of the service is, from its command line and parent."""
    command = Path(f"/proc/{pid}/cmdline").read_bytes()
    if pid == service:
        return "service"
    if b"resource_tracker" in command:
        return "resource tracker"
    if b"multiprocessing.forkserver" in command:  # the worker is forked from the forkserver: same command line
        parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        return "forkserver" if parent == service else "build worker"
    return command.split(b"\0")[0].decode(errors="replace")


def service_rss(pid: int) -> dict[str, float]:
    """RSS (MB) of the service and of each process it started, by role."""
    found: dict[str, float] = {}
    for each in [pid, *descendants(pid)]:
        with contextlib.suppress(OSError):  # ended meanwhile
            name = role(each, pid)
            found[name] = found.get(name, 0.0) + rss_mb(each)
    return found


WORKER_IDLE_S = 3.0  # BUILD_WORKER_IDLE_MINUTES for the idle runs: the state of any service a while after a build
SETTLE_S = 6.0
RUNNING = b"digestbot running"
CATCH_UP_NOW = "2026-02-25T05:00:00+00:00"  # an hour after the fixture day's window closed: the catch-up builds it


async def idle_rss(
    extra_env: dict[str, str], settle: float = SETTLE_S, expect: bytes = RUNNING
) -> tuple[dict[str, float], float]:
    """RSS (MB) by process of `digestbot run` `settle` seconds after it logged that it is running
    (the service, and any process it started that still runs: the start-up build starts the build
    worker, which ends after BUILD_WORKER_IDLE_MINUTES, here `WORKER_IDLE_S`, with its helpers), and
    the seconds from the command's start to that line; an error if it did not log `expect` first."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATA_DIR": str(Path(tmp) / "data"),
            "FETCH_ATTEMPTS": "1",
            "LOG_LEVEL": "INFO",
            "GOOGLE_NEWS_BASE_URL": f"http://127.0.0.1:{closed_port()}",
            "BUILD_WORKER_IDLE_MINUTES": str(WORKER_IDLE_S / 60),
            **extra_env,
        }
        for name in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "GEMINI_API_KEY", "DATABASE_URL", "NOW"):
            if name not in extra_env:
                env.pop(name, None)
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            DIGESTBOT, "run", cwd=tmp, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
        assert proc.stderr is not None
        drained: asyncio.Task[bytes] | None = None
        logged = b""
        try:
            async with asyncio.timeout(90):
                while RUNNING not in (line := await proc.stderr.readline()):
                    if not line:
                        raise RuntimeError("digestbot run ended before it was running")
                    logged += line
            running = time.perf_counter() - started
            if expect not in logged + line:
                raise RuntimeError(f"digestbot run did not log {expect!r}:\n{logged.decode()}")
            drained = asyncio.create_task(proc.stderr.read())
            await asyncio.sleep(settle)
            return service_rss(proc.pid), running
        finally:
            proc.send_signal(signal.SIGINT)
            await proc.wait()
            if drained is not None:
                drained.cancel()


@contextlib.asynccontextmanager
async def platforms() -> AsyncIterator[dict[str, str]]:
    """Both platforms' fakes served by this process: the service's settings to reach them."""
    telegram, discord = FakeTelegram(token=TOKEN), FakeDiscord()
    tg_runner, tg_port = await serve(telegram.app())
    dc_runner, dc_port = await serve(discord.app())
    discord.port = dc_port
    try:
        yield {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": f"http://127.0.0.1:{tg_port}/bot",
            "DISCORD_BOT_TOKEN": discord.bot_token,
            "DISCORD_API_BASE_URL": discord.api_base,
            "DISCORD_GATEWAY_URL": discord.gateway_url,
        }
    finally:
        await dc_runner.cleanup()
        await tg_runner.cleanup()


async def connected_rss() -> tuple[dict[str, float], float]:
    """Idle RSS with both platforms connected to fakes served by this process."""
    async with platforms() as env:
        return await idle_rss(env)


async def after_a_build_rss() -> tuple[dict[str, float], float]:
    """Idle RSS, both platforms connected, after a real start-up build: the fake Google News serves
    the fixture day and the clock is set an hour after its window closed (the catch-up builds and
    publishes it; pages and publisher links off, as they would reach the network)."""
    runner, port = await serve(GoogleNewsFake().app())
    try:
        async with platforms() as env:
            return await idle_rss(
                {
                    **env,
                    "GOOGLE_NEWS_BASE_URL": f"http://127.0.0.1:{port}",
                    "NOW": CATCH_UP_NOW,
                    "ARTICLE_PAGES": "false",
                    "PUBLISHER_LINKS": "false",
                },
                expect=b"china-japan 2026-02-25: published at start-up",
            )
    finally:
        await runner.cleanup()


def memory(runs: list[tuple[dict[str, float], float]]) -> str:
    """The total RSS of the service's processes (min / median), and the median run's breakdown."""
    totals = [sum(by_role.values()) for by_role, _ in runs]
    median = sorted(runs, key=lambda run: sum(run[0].values()))[len(runs) // 2][0]
    parts = " + ".join(f"{name} {mb:.1f}" for name, mb in median.items())
    return f"{min_median(totals)} MB ({parts})"


def within(runs: list[tuple[dict[str, float], float]], target: float) -> str:
    return "yes" if max(sum(by_role.values()) for by_role, _ in runs) < target else "**no**"


async def until(done: Callable[[], bool]) -> None:
    """Return once `done()` holds (checked every 50 ms, for at most a minute)."""
    for _ in range(1200):
        if done():
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("timed out")


async def worker_start_s(helpers_kept: bool, runs: int) -> list[float]:
    """Seconds from a step's call to its result when the build worker is not running: with the
    forkserver and resource tracker still running (`helpers_kept`, as before #27) or ended with the
    last worker (as now, after BUILD_WORKER_IDLE_MINUTES)."""
    seconds = []
    use_worker_process(0.05)
    try:
        for _ in range(runs):
            started = time.perf_counter()
            await run_cpu(worker_pid)
            seconds.append(time.perf_counter() - started)
            if helpers_kept:
                stop_worker_process()  # the worker ends, its helpers stay
                use_worker_process(0.05)
            await until(lambda: not worker_running() and (helpers_kept or not descendants(os.getpid())))
            await asyncio.sleep(0.2)
    finally:
        stop_worker_process()
    return seconds


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-docs", action="store_true", help="print only; do not rewrite docs/benchmarks.md")
    args = parser.parse_args()
    bare = [timed([sys.executable, "-c", "pass"]) for _ in range(args.runs)]
    floor = [timed([sys.executable, "-c", TYPER_HELP]) for _ in range(args.runs)]
    helps = [timed([DIGESTBOT, "--help"]) for _ in range(args.runs)]
    idle_runs = max(1, args.runs // 2)
    idle = [await idle_rss({}) for _ in range(idle_runs)]
    connected = [await connected_rss() for _ in range(idle_runs)]
    built = [await after_a_build_rss() for _ in range(idle_runs)]
    cold = await worker_start_s(helpers_kept=False, runs=args.runs)
    warm = (await worker_start_s(helpers_kept=True, runs=args.runs + 1))[1:]  # the first starts the helpers
    rows = [
        [
            "python -c pass (floor)",
            f"{min_median([t for t, _ in bare], 2)} s",
            f"{min_median([m for _, m in bare])} MB",
            "-",
        ],
        [
            "typer + rich, one command's --help (floor)",
            f"{min_median([t for t, _ in floor], 2)} s",
            f"{min_median([m for _, m in floor])} MB",
            "-",
        ],
        [
            "digestbot --help",
            f"{min_median([t for t, _ in helps], 2)} s",
            f"{min_median([m for _, m in helps])} MB",
            "yes" if min(t for t, _ in helps) < HELP_TARGET_S else "**no**",
        ],
        [
            "digestbot run, idle, no tokens",
            f"{min_median([s for _, s in idle], 2)} s",
            memory(idle),
            within(idle, IDLE_TARGET_MB),
        ],
        [
            "digestbot run, idle, Telegram and Discord connected",
            f"{min_median([s for _, s in connected], 2)} s",
            memory(connected),
            within(connected, CONNECTED_TARGET_MB),
        ],
        [
            "the same, after a start-up build of the fixture day",
            f"{min_median([s for _, s in built], 2)} s",
            memory(built),
            within(built, CONNECTED_TARGET_MB),
        ],
        [
            "a step when no worker runs: worker, forkserver and tracker started (now, after idle)",
            f"{min_median(cold, 2)} s",
            "-",
            "-",
        ],
        ["a step when no worker runs, forkserver and tracker kept (before)", f"{min_median(warm, 2)} s", "-", "-"],
    ]
    text = (
        f"min / median of {args.runs} runs (`run`: {idle_runs}). `--help`: wall time and peak RSS. `run`: the time "
        f'from the command to its "digestbot running" line (the start-up build included), and the resident size '
        f"{SETTLE_S:g} s after that line: the TOTAL of every process of the service, then the median run's "
        f"processes (the build worker ends after BUILD_WORKER_IDLE_MINUTES={WORKER_IDLE_S / 60:g}, i.e. "
        f"{WORKER_IDLE_S:g} s, unused, and multiprocessing's forkserver and resource tracker with it). Targets: "
        f"--help < {HELP_TARGET_S} s, idle < {IDLE_TARGET_MB} MB, connected < {CONNECTED_TARGET_MB} MB. "
        f"Machine: {machine()}.\n\n" + table(["command", "time", "memory (all processes)", "within target"], rows)
    )
    print(text)
    if not args.no_docs:
        write_section("startup", text)


if __name__ == "__main__":
    asyncio.run(main())
