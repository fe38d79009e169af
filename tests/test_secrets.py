"""Secrets never leave the process: distinctive tokens are set, real `digestbot` processes run into
rejected tokens (the fake Bot API answering 401 and 404), dead databases and uncaught exceptions,
and everything they produce (stdout, stderr, debug logs, the database file) is searched for them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.logs import RedactingStream, protect_process, secrets_from_environment
from digest_core.redaction import clear_secrets, redact, register_secrets
from tests.fakes.server import ThreadedServer
from tests.fakes.telegram import FakeTelegram

REPO = Path(__file__).resolve().parent.parent
TELEGRAM = "987654:AAH-tgSECRETxyzzy0123456789abcdefQ"
DISCORD = "MTIzNDU2.DISCORDsecretPLUGH.0123456789abcdef"
GEMINI = "AIzaGEMINIsecretFROBOZZ0123456789"
PG_PASSWORD = "PGpassQUUX9876543"
SECRETS = (TELEGRAM, TELEGRAM.split(":", 1)[1], DISCORD, GEMINI, PG_PASSWORD)


@pytest.fixture
def telegram_base() -> Iterator[str]:
    fake = FakeTelegram()  # its own token differs from TELEGRAM: every call answers 401
    with ThreadedServer(fake.app()) as server:
        yield f"{server.base_url}/bot"


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`digestbot ARGS` through its real entry point, in `tmp_path`, with every token set."""
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        "DATA_DIR": str(tmp_path / "data"),
        "TELEGRAM_BOT_TOKEN": TELEGRAM,
        "DISCORD_BOT_TOKEN": DISCORD,
        "GEMINI_API_KEY": GEMINI,
        "GOOGLE_GEMINI_BASE_URL": "http://127.0.0.1:9/",
        "GOOGLE_NEWS_BASE_URL": "http://127.0.0.1:9",
        "DISCORD_API_BASE_URL": "http://127.0.0.1:9/api/v10",
        "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",
        "FETCH_ATTEMPTS": "1",
        **env,
    }
    command = [sys.executable, "-c", "from bot.cli import main; main()", *args]
    return subprocess.run(command, cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=60, check=False)


def leaked(*texts: str) -> list[str]:
    return [s for s in SECRETS for t in texts if s in t]


def files_leaking(root: Path) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.name}: {s[:6]}..." for s in SECRETS if s.encode() in data]
    return found


@pytest.mark.parametrize("path", ["/bot", "/wrong/bot"])  # 401 (token refused), 404 (wrong base path)
@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
def test_a_rejected_telegram_token_is_one_line_without_the_token(
    tmp_path: Path, telegram_base: str, path: str, level: str
) -> None:
    base = telegram_base.removesuffix("/bot") + path
    result = run_cli(tmp_path, "telegram", TELEGRAM_BASE_URL=base, LOG_LEVEL=level)
    assert result.returncode == 2, result.stderr
    assert leaked(result.stdout, result.stderr) == []
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert errors[0].startswith("error: Telegram rejected TELEGRAM_BOT_TOKEN")
    assert "Unclosed" not in result.stderr  # both of the bot's HTTP sessions closed
    if level == "INFO":
        assert "Traceback" not in result.stderr
    else:
        assert "Traceback" in result.stderr  # the debug log has it, redacted
        assert "***" in result.stderr
    assert files_leaking(tmp_path) == []


def test_doctor_and_a_dead_database_show_no_secret(tmp_path: Path, telegram_base: str) -> None:
    doctor = run_cli(tmp_path, "doctor", TELEGRAM_BASE_URL=telegram_base, LOG_LEVEL="DEBUG")
    assert doctor.returncode == 1
    assert "FAIL telegram" in doctor.stdout
    dead = f"postgresql+asyncpg://digest:{PG_PASSWORD}@127.0.0.1:9/nope"
    build = run_cli(tmp_path, "build", "china-japan", DATABASE_URL=dead, LOG_LEVEL="DEBUG")
    assert build.returncode == 2
    errors = [line for line in build.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: database postgresql+asyncpg://digest:***@127.0.0.1:9/nope cannot be opened: "
        "[Errno 111] Connect call failed ('127.0.0.1', 9)"
    ]
    assert leaked(doctor.stdout, doctor.stderr, build.stdout, build.stderr) == []
    assert files_leaking(tmp_path) == []


def test_an_uncaught_exception_anywhere_is_redacted(tmp_path: Path) -> None:
    code = (
        "import threading\n"
        "from bot.logs import protect_process\n"
        "protect_process()\n"
        "from os import environ\n"
        "print('stdout ' + environ['TELEGRAM_BOT_TOKEN'])\n"
        "def fail(): raise ValueError(environ['GEMINI_API_KEY'])\n"
        "t = threading.Thread(target=fail)\n"
        "t.start(); t.join()\n"
        "raise RuntimeError('token ' + environ['DISCORD_BOT_TOKEN'])\n"
    )
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO)}
    env |= {"TELEGRAM_BOT_TOKEN": TELEGRAM, "DISCORD_BOT_TOKEN": DISCORD, "GEMINI_API_KEY": GEMINI}
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 1
    assert "RuntimeError: token ***" in result.stderr
    assert "ValueError: ***" in result.stderr
    assert result.stdout == "stdout ***\n"
    assert leaked(result.stdout, result.stderr) == []


def test_redaction_of_split_writes_and_token_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_secrets()
    try:
        monkeypatch.setenv("DATABASE_URL", f"postgresql://u:{PG_PASSWORD}@h/db")
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM)
        assert secrets_from_environment() == [TELEGRAM, PG_PASSWORD]
        register_secrets(secrets_from_environment())
        assert redact(f"bot{TELEGRAM}/getMe") == "bot***/getMe"
        assert redact("secret part " + TELEGRAM.split(":")[1]) == "secret part ***"
        out: list[str] = []

        class Sink:
            def write(self, text: str) -> int:
                out.append(text)
                return len(text)

            def flush(self) -> None:
                pass

        stream = RedactingStream(Sink())  # type: ignore[arg-type]
        stream.write("half " + PG_PASSWORD[:5])
        stream.write(PG_PASSWORD[5:] + " end\npartial")
        stream.flush()
        assert "".join(out) == "half *** end\npartial"
    finally:
        clear_secrets()
    assert protect_process  # the entry point's hook is exercised by the subprocess tests above


async def test_errors_stored_in_the_database_are_redacted(engine: AsyncEngine) -> None:
    from digest_core.delivery.ledger import DeliveryLedger, DeliveryRow
    from tests.test_delivery import DAY, setup

    clear_secrets()
    register_secrets([TELEGRAM])
    try:
        _, _, ids = await setup(engine, n=1)
        ledger = DeliveryLedger(engine)
        await ledger.create("china-japan", DAY, ids)
        [claimed] = await ledger.claim("w1", limit=1)
        error = f"InvalidToken: The token `{TELEGRAM}` was rejected by the server."
        await ledger.mark_retry(claimed.id, "w1", error, 1, 5, timedelta(0))
        async with engine.connect() as conn:
            stored = (await conn.execute(select(DeliveryRow.last_error))).scalar_one()
    finally:
        clear_secrets()
    assert stored == "InvalidToken: The token `***` was rejected by the server."
