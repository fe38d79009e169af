"""Shared fixtures: a guard against real network access, fake servers, and the default topic."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot import cli_io
from bot.logs import LoggingSetup, setup_logging
from digest_core.redaction import secrets_scope
from digest_core.storage.db import create_engine, create_schema
from digest_core.topics import Topic, load_topics
from testkit.fakes.gemini import GeminiFake
from testkit.fakes.google_news import GoogleNewsFake
from testkit.fakes.server import ThreadedServer
from tests.network_guard import guarded_connect, guarded_connect_ex
from tests.processes import SESSION_MARK, kill_group, marked_processes

DATA = Path(__file__).resolve().parent / "data"
SESSION = uuid.uuid4().hex
MULTIPROCESSING_HELPER = re.compile(r"-c from multiprocessing\.(forkserver|resource_tracker) import main")
os.environ[SESSION_MARK] = SESSION  # inherited by every child process, found again at session end

# Property tests judge correctness, not speed: on a loaded 2-core machine generating examples may be
# slow, and a health check or deadline failing then says nothing about the code (speed: bench/).
settings.register_profile("digestbot", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("digestbot")


@pytest.fixture(autouse=True)
def _block_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection to a non-loopback address."""
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)


@pytest.fixture(autouse=True)
def production_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str, Iterable[str]], LoggingSetup]]:
    """`setup_logging` as the service calls it, undone when the test ends: whether the test calls it
    (the fixture's value) or a CLI command run in the test process does (`bot.cli_io`)."""
    setups: list[LoggingSetup] = []

    def scoped(level: str, secrets: Iterable[str]) -> LoggingSetup:
        setups.append(setup_logging(level, secrets))
        return setups[-1]

    monkeypatch.setattr(cli_io, "setup_logging", scoped)
    with secrets_scope():  # a secret the test registers (a CLI command, a publisher) ends with it
        yield scoped
        for setup in reversed(setups):
            setup.undo()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting leaks in from the developer's environment or `.env`."""
    for name in (
        "GEMINI_API_KEY",
        "DATABASE_URL",
        "TOPICS_FILE",
        "GOOGLE_GEMINI_BASE_URL",
        "CONTENT_DIR",
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_BOT_TOKENS",
        "TELEGRAM_BASE_URL",
        "DISCORD_BOT_TOKEN",
        "DISCORD_GUILD_ID",
        "DISCORD_API_BASE_URL",
        "DISCORD_GATEWAY_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def topic() -> Topic:
    return load_topics().get("china-japan")


@pytest.fixture
def google_news() -> Iterator[tuple[GoogleNewsFake, str]]:
    fake = GoogleNewsFake()
    with ThreadedServer(fake.app()) as server:
        yield fake, server.base_url


@pytest.fixture
def news(google_news: tuple[GoogleNewsFake, str]) -> str:
    """The fake Google News's base URL (for tests that start the service as a process)."""
    return google_news[1]


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Service processes a test starts (append them); each ended with its group whatever happens."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        yield started
    finally:
        for proc in started:
            kill_group(proc)


@pytest.fixture
def gemini() -> Iterator[tuple[GeminiFake, str]]:
    fake = GeminiFake()
    with ThreadedServer(fake.app()) as server:
        yield fake, server.base_url


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, google_news: tuple[GoogleNewsFake, str]) -> Path:
    """Environment for running the CLI against the fake Google News, with a fresh data directory."""
    _, base = google_news
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GOOGLE_NEWS_BASE_URL", base)
    monkeypatch.setenv("FETCH_BACKOFF", "0.01")
    monkeypatch.setenv("FETCH_TIMEOUT", "2")
    monkeypatch.setenv("PUBLISHER_LINKS_INTERVAL", "0")  # the fake decodes the fixture links at once
    return tmp_path / "data"


@pytest.fixture(params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A fresh database with the schema: SQLite always; PostgreSQL when TEST_POSTGRES_URL is set
    (each test in its own schema, dropped afterwards)."""
    if request.param == "sqlite":
        eng = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
        await create_schema(eng)
        yield eng
        await eng.dispose()
        return
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PostgreSQL tests need TEST_POSTGRES_URL (e.g. postgresql+asyncpg://postgres@127.0.0.1/test)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {schema}"))
    eng = create_async_engine(url, connect_args={"server_settings": {"search_path": schema}})
    try:
        await create_schema(eng)
        yield eng
    finally:
        await eng.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        await admin.dispose()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if any process a test started is still running; end those processes. With
    pytest-xdist each worker checks its own (the controller's children are the workers themselves)."""
    if session.config.getoption("numprocesses", None) and not hasattr(session.config, "workerinput"):
        return
    from digest_core.workers import stop_worker_process

    stop_worker_process()
    # multiprocessing's forkserver and resource tracker are this test process's own helpers: they
    # end when it exits, so they are not counted as processes that outlived their test
    leftovers = [(pid, cmd) for pid, cmd in marked_processes(SESSION) if not MULTIPROCESSING_HELPER.search(cmd)]
    for pid, _ in leftovers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    if leftovers:
        listing = "\n".join(f"  pid {pid}: {cmd[:200]}" for pid, cmd in leftovers)
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"FAILED: {len(leftovers)} process(es) started by tests outlived them:", red=True)
            reporter.write_line(listing)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
