"""Storage that stops accepting writes mid fan-out: `digestbot publish` ends within seconds with
one line and a non-zero status; no part reached the (fake) Telegram without its record in the
ledger; once the fault is cleared, publishing again sends 0 duplicates and loses nothing.

Real faults only: a disk that fills up (a small tmpfs in a private mount namespace), a file made
immutable (`chattr +i`), write rights revoked on PostgreSQL (open connections feel it at once).
Each test skips, saying why, where the machine cannot make its fault.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from digest_core.storage.db import create_engine, create_schema
from digest_core.storage.tables import DeliveryRow, SubscriptionRow
from testkit.fakes.server import ThreadedServer
from testkit.fakes.telegram import TOKEN, FakeTelegram
from tests.processes import kill_group, spawned
from tests.test_sender_takeover import DAY, PARTS, queue

ROOT = Path(__file__).resolve().parent.parent
CHATS = 40
FAULT_AFTER = 25  # messages the fake has received when the fault strikes (of CHATS * PARTS)
EXIT_WITHIN = 20.0  # seconds from the fault to the end of `publish` (a guard, on a shared machine)


def seed(url: str) -> None:
    """The schema, the archived digest and a pending delivery to each of CHATS Telegram chats."""

    async def go() -> None:
        engine = create_engine(url) if url.startswith("sqlite") else create_async_engine(url)
        await create_schema(engine)
        await queue(engine, CHATS)
        await engine.dispose()

    asyncio.run(go())


def ledger_rows(url: str) -> dict[str, tuple[list[str], int | None, str]]:
    """Per chat: the recorded message ids, the announced part and the state of its delivery."""

    async def go() -> dict[str, tuple[list[str], int | None, str]]:
        engine = create_engine(url) if url.startswith("sqlite") else create_async_engine(url)
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(
                    SubscriptionRow.destination, DeliveryRow.message_ids, DeliveryRow.sending_part, DeliveryRow.state
                ).join(SubscriptionRow, SubscriptionRow.id == DeliveryRow.subscription_id)
            )
            found = {chat: (list(ids), part, state) for chat, ids, part, state in rows.all()}
        await engine.dispose()
        return found

    return asyncio.run(go())


def cli_command(url: str, data: Path, telegram: str, command: str = "publish") -> tuple[list[str], dict[str, str]]:
    """`digestbot publish china-japan --date DAY` (or `digestbot run`) against the fake Telegram;
    Google News points at a closed loopback port (`run`'s catch-up must reach no real network)."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DATA_DIR": str(data),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": f"{telegram}/bot",
        "NOW": "2026-02-26T12:00:00+00:00",
        "GOOGLE_NEWS_BASE_URL": "http://127.0.0.1:9",
        "FETCH_ATTEMPTS": "1",  # the closed port is refused at once: no retries, no real backoff sleeps
        "PYTHONPATH": str(ROOT),
    }
    what = ["run"] if command == "run" else ["publish", "china-japan", "--date", str(DAY)]
    return [sys.executable, "-c", "from bot.cli import main; main()", *what], env


def same_line(line: str, expected: str) -> bool:
    """`line` is `expected`, or its start when the line was cut (at 300 characters, with "…")."""
    return line == expected or (line.endswith("…") and expected.startswith(line[:-1]))


def one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    return errors[0]


def wait_for(condition: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not reached in {within} s"
        time.sleep(0.02)


def fault_then_rerun(
    url: str,
    tmp_path: Path,
    strike: Callable[[], None],
    clear: Callable[[], None],
    inside: list[str] | None = None,
    readable: Callable[[], str] | None = None,
    command: str = "publish",
) -> str:
    """Publish, strike the fault mid fan-out, check the exit and the ledger, clear it, publish
    again and check every chat has the digest exactly once; the faulted run's error line.

    `inside` prefixes the command (a namespace to run in); `readable()` gives a URL this process
    can read the database at, when `url` means something else here (seeded beforehand then).
    `command` is the faulted one (`publish` or `run`); the rerun is always `publish`."""
    if readable is None:
        seed(url)
    fake = FakeTelegram()
    with ThreadedServer(fake.app()) as server:
        args, env = cli_command(url, tmp_path / "data", server.base_url)
        args = [*(inside or []), *args]
        faulted = [*(inside or []), *cli_command(url, tmp_path / "data", server.base_url, command)[0]]
        with spawned(faulted, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
            wait_for(lambda: len(fake.sent) >= FAULT_AFTER or proc.poll() is not None, 60, "fan-out under way")
            assert proc.poll() is None, proc.communicate()
            strike()
            struck = time.monotonic()
            _, stderr = proc.communicate(timeout=EXIT_WITHIN + 10)
            took = time.monotonic() - struck
        assert proc.returncode not in (0, None), stderr
        assert took < EXIT_WITHIN, f"publish took {took:.1f} s to end after the fault"
        line = one_error_line(stderr)
        assert "stopped accepting writes" in line and line.endswith("; nothing more is sent"), line
        after_fault = Counter(s.chat_id for s in fake.sent)
        assert sum(after_fault.values()) < CHATS * PARTS  # the fault really cut the fan-out short

        clear()
        rows = ledger_rows(readable() if readable else url)
        for chat, (ids, announced, _) in rows.items():
            # Every part the platform has is in the ledger: acknowledged, or announced before it left.
            recorded = len(ids) + (1 if announced == len(ids) else 0)
            assert len(ids) <= after_fault[chat] <= recorded, (chat, ids, announced, after_fault[chat])

        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
    per_chat = Counter(s.chat_id for s in fake.sent)
    assert {chat: per_chat[chat] for chat in rows} == dict.fromkeys(rows, PARTS)  # 0 duplicates, 0 losses
    assert len(rows) == CHATS
    assert {state for _, _, state in ledger_rows(readable() if readable else url).values()} == {"sent"}
    return line


# --- SQLite ---------------------------------------------------------------------------------------


@contextmanager
def private_tmpfs(where: Path, size: str) -> Iterator[tuple[int, Path]]:
    """A tmpfs of `size` mounted at `where` in a mount namespace of its own (the machine's mounts
    are untouched; it vanishes with its holder): the holder's pid (for `nsenter`) and the folder as
    this process reaches it, through `/proc/PID/root` (plain files only: SQLite resolves that
    link, and would open the file outside the namespace)."""
    if shutil.which("unshare") is None or shutil.which("nsenter") is None:
        pytest.skip("needs unshare(1) and nsenter(1) to mount a private tmpfs")
    where.mkdir()
    script = f"mount -t tmpfs -o size={size} digestbot-test {where} && echo ready && exec sleep 600"
    holder = subprocess.Popen(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert holder.stdout is not None
        if holder.stdout.readline().strip() != "ready":
            holder.wait(10)
            pytest.skip(f"cannot mount a private tmpfs here (needs CAP_SYS_ADMIN): {holder.stderr.read().strip()}")
        yield holder.pid, Path(f"/proc/{holder.pid}/root{where}")
    finally:
        kill_group(holder)


def fill(disk: Path) -> None:
    """Write zeros until the file system is full."""
    chunk = bytes(64 * 1024)
    with suppress(OSError), (disk / "filler").open("wb") as filler:
        while True:
            filler.write(chunk)
            filler.flush()


def copy_database(source: Path, target: Path) -> None:
    """The database file and its write-ahead log, as they are (no writer is running)."""
    target.mkdir(exist_ok=True)
    for suffix in ("", "-wal"):
        (target / f"digestbot.db{suffix}").unlink(missing_ok=True)
        if (source / f"digestbot.db{suffix}").exists():
            shutil.copyfile(source / f"digestbot.db{suffix}", target / f"digestbot.db{suffix}")


def test_sqlite_disk_full_mid_fan_out(tmp_path: Path) -> None:
    seeded, snapshot = tmp_path / "seeded", tmp_path / "snapshot"
    seeded.mkdir()
    seed(f"sqlite+aiosqlite:///{seeded / 'digestbot.db'}")
    with private_tmpfs(tmp_path / "disk", "16m") as (holder, disk):
        copy_database(seeded, disk)
        url = f"sqlite+aiosqlite:///{tmp_path / 'disk' / 'digestbot.db'}"  # as the process in the namespace sees it

        def readable() -> str:
            copy_database(disk, snapshot)
            return f"sqlite+aiosqlite:///{snapshot / 'digestbot.db'}"

        line = fault_then_rerun(
            url,
            tmp_path,
            lambda: fill(disk),
            lambda: (disk / "filler").unlink(),
            inside=["nsenter", "-t", str(holder), "-m", "--"],
            readable=readable,
        )
    assert f"error: database {url} stopped accepting writes: database or disk is full;" in line


def chattr(flag: str, *paths: Path) -> None:
    subprocess.run(["chattr", flag, *map(str, paths)], check=True, capture_output=True)


@pytest.mark.parametrize("command", ["publish", "run"])
def test_sqlite_file_made_immutable_mid_fan_out(tmp_path: Path, command: str) -> None:
    probe = tmp_path / "probe"
    probe.touch()
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(probe)], check=False).returncode:
        pytest.skip("needs chattr(1) on a file system with the immutable attribute (and CAP_LINUX_IMMUTABLE)")
    chattr("-i", probe)
    db = tmp_path / "digestbot.db"
    wal = tmp_path / "digestbot.db-wal"  # where SQLite writes first, in WAL mode
    url = f"sqlite+aiosqlite:///{db}"
    try:
        line = fault_then_rerun(
            url, tmp_path, lambda: chattr("+i", db, wal), lambda: chattr("-i", db, wal), command=command
        )
    finally:
        with suppress(subprocess.CalledProcessError):
            chattr("-i", db, wal)
    assert f"error: database {url} stopped accepting writes: disk I/O error;" in line


# --- PostgreSQL -----------------------------------------------------------------------------------


@pytest.fixture
def scratch_postgres() -> Iterator[tuple[str, Callable[[str], None], str]]:
    """A database and a role of its own (nothing shared with other tests): the role's URL, a
    way to run SQL as the administrator, and the role's name."""
    admin_url = os.environ.get("TEST_POSTGRES_URL")
    if not admin_url:
        pytest.skip("PostgreSQL tests need TEST_POSTGRES_URL")
    tag = uuid.uuid4().hex[:10]
    name = f"faults_{tag}"

    def admin(sql: str, database: str | None = None) -> None:
        async def go() -> None:
            url = make_url(admin_url).set(database=database) if database else make_url(admin_url)
            engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
            async with engine.connect() as conn:
                await conn.execute(text(sql))
            await engine.dispose()

        asyncio.run(go())

    admin(f"CREATE ROLE {name} LOGIN")
    admin(f"CREATE DATABASE {name} OWNER {name}")
    url = make_url(admin_url).set(username=name, password=None, database=name).render_as_string(hide_password=False)
    try:
        yield url, lambda sql: admin(sql, name), name
    finally:
        admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin(f"DROP ROLE IF EXISTS {name}")


def test_postgres_write_rights_revoked_mid_fan_out(
    tmp_path: Path, scratch_postgres: tuple[str, Callable[[str], None], str]
) -> None:
    url, admin, role = scratch_postgres
    tables = "ALL TABLES IN SCHEMA public"
    line = fault_then_rerun(
        url,
        tmp_path,
        lambda: admin(f"REVOKE INSERT, UPDATE, DELETE ON {tables} FROM {role}"),
        lambda: admin(f"GRANT INSERT, UPDATE, DELETE ON {tables} TO {role}"),
    )
    shown = make_url(url).render_as_string(hide_password=True)
    assert f"error: database {shown} stopped accepting writes: permission denied for table" in line


# --- a database SQLite cannot write, at start -----------------------------------------------------


def status(url: str, tmp_path: Path, inside: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    """`digestbot status` on `url` in a process of its own (a SIGBUS there cannot take pytest down)."""
    env = {**os.environ, "DATABASE_URL": url, "DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)}
    args = [*(inside or []), sys.executable, "-c", "from bot.cli import main; main()", "status"]
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_a_directory_as_the_database_is_one_line_every_time(tmp_path: Path) -> None:
    folder = tmp_path / "digestbot.db"
    folder.mkdir()
    url = f"sqlite+aiosqlite:///{folder}"
    for _ in range(4):  # it used to end in an aiosqlite traceback now and then (2 of 16 tries)
        done = status(url, tmp_path)
        assert done.returncode == 2, done.stderr
        line = one_error_line(done.stderr)
        assert same_line(line, f"error: database {url} cannot be opened: {folder} is a directory, not a database file")
        assert done.stderr.strip() == line


@pytest.mark.parametrize("immutable", ["digestbot.db", "digestbot.db-shm"])
def test_an_immutable_database_file_is_one_line(tmp_path: Path, immutable: str) -> None:
    """The database file, or its shared-memory file (which SQLite maps: writing it used to end in
    SIGBUS), made immutable while no process runs."""
    db = tmp_path / "digestbot.db"
    seed(f"sqlite+aiosqlite:///{db}")
    target = tmp_path / immutable
    target.touch()
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(target)], check=False).returncode:
        pytest.skip("needs chattr(1) on a file system with the immutable attribute (and CAP_LINUX_IMMUTABLE)")
    try:
        done = status(f"sqlite+aiosqlite:///{db}", tmp_path)
    finally:
        chattr("-i", target)
    assert done.returncode == 2, done.stderr  # not -7 (SIGBUS)
    assert same_line(
        one_error_line(done.stderr),
        f"error: database sqlite+aiosqlite:///{db} cannot be opened: {target} is read-only "
        "(an immutable file, its permissions or a read-only file system)",
    )


def test_a_database_on_a_read_only_mount_is_one_line(tmp_path: Path) -> None:
    seeded = tmp_path / "seeded"
    seeded.mkdir()
    seed(f"sqlite+aiosqlite:///{seeded / 'digestbot.db'}")
    where = tmp_path / "disk"
    with private_tmpfs(where, "16m") as (holder, disk):
        copy_database(seeded, disk)
        inside = ["nsenter", "-t", str(holder), "-m", "--"]
        remount = subprocess.run([*inside, "mount", "-o", "remount,ro", str(where)], capture_output=True, text=True)
        assert remount.returncode == 0, remount.stderr
        done = status(f"sqlite+aiosqlite:///{where / 'digestbot.db'}", tmp_path, inside)
    assert done.returncode == 2, done.stderr
    assert same_line(
        one_error_line(done.stderr),
        f"error: database sqlite+aiosqlite:///{where / 'digestbot.db'} cannot be opened: {where / 'digestbot.db'} "
        "is read-only (an immutable file, its permissions or a read-only file system)",
    )
