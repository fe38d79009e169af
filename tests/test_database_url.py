"""`DATABASE_URL` in its plain forms (`postgresql://`, `postgres://`, `sqlite://`) gets the async
driver; a missing PostgreSQL database or role is reported with how to create it, in one line."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from typer.testing import CliRunner

from bot.cli import app
from digest_core.storage.db import async_driver_url
from tests.test_cli_failures import run_main

runner = CliRunner()


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://u:pw@db.example.org:5432/news", "postgresql+asyncpg://u:pw@db.example.org:5432/news"),
        ("postgres://u@db.example.org/news", "postgresql+asyncpg://u@db.example.org/news"),
        ("sqlite:///data/digestbot.db", "sqlite+aiosqlite:///data/digestbot.db"),
        ("postgresql+asyncpg://u@h/news", "postgresql+asyncpg://u@h/news"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("mysql://u@h/news", "mysql://u@h/news"),  # not ours to rewrite: SQLAlchemy reports it
    ],
)
def test_plain_urls_get_the_async_driver(given: str, used: str) -> None:
    assert async_driver_url(given) == used


def test_a_plain_sqlite_url_works_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'plain.db'}")
    result = runner.invoke(app, ["subscribe", "console", "stdout", "china-japan"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["subscriptions"])
    assert result.stdout == "console:stdout\tchina-japan\tactive\n"
    assert (tmp_path / "plain.db").is_file()


def _postgres() -> str:
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        pytest.skip("needs TEST_POSTGRES_URL (e.g. postgresql+asyncpg://postgres@127.0.0.1/test)")
    return url


def _plain(url: str, **parts: str) -> str:
    """`url` rewritten as a plain `postgresql://` URL with some of its parts replaced."""
    return make_url(url).set(drivername="postgresql", **parts).render_as_string(hide_password=False)  # type: ignore[arg-type]


@pytest.fixture
async def fresh_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database's plain URL; dropped afterwards."""
    url = _postgres()
    name = f"plain_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield _plain(url, database=name)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        await admin.dispose()


def test_a_plain_postgresql_url_works(fresh_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert fresh_database.startswith("postgresql://")
    monkeypatch.setenv("DATABASE_URL", fresh_database)
    result = runner.invoke(app, ["subscribe", "console", "stdout", "china-japan"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["subscriptions"]).stdout == "console:stdout\tchina-japan\tactive\n"


def test_a_missing_database_says_how_to_create_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = make_url(_postgres())
    name = f"missing_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("DATABASE_URL", _plain(str(url.set(password=None)), database=name))
    code, stderr = run_main(monkeypatch, capsys, "subscriptions")
    assert code == 2
    label = url.set(database=name, password=None).render_as_string()
    assert stderr == (
        f'error: database {label} cannot be opened: database "{name}" does not exist: '
        f"create it with `createdb -O {url.username} {name}` (as a PostgreSQL superuser)\n"
    )


def test_a_missing_role_says_how_to_create_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = make_url(_postgres())
    role = f"nobody_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("DATABASE_URL", _plain(str(url), username=role, password="pw-never-shown"))
    code, stderr = run_main(monkeypatch, capsys, "subscriptions")
    assert code == 2
    assert stderr.count("\n") == 1
    assert stderr.startswith(f"error: database postgresql+asyncpg://{role}:***@")
    assert stderr.endswith(
        f'role "{role}" does not exist: '
        f"create the role with `createuser --pwprompt {role}` (as a PostgreSQL superuser)\n"
    )
    assert "pw-never-shown" not in stderr
