"""Every bad setting, database or path: one line on stderr and exit status 2, never a traceback;
no file written that is not a regular file at the given path. Through the real entry point, `main()`."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from bot.cli import main
from testkit.fakes.google_news import GoogleNewsFake


def run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """`digestbot ARGS` through `main()`: its exit status and stderr."""
    monkeypatch.setattr(sys, "argv", ["digestbot", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    sys.stderr.flush()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), capsys.readouterr().err


def one_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, stderr
    return errors[0]


@pytest.mark.usefixtures("cli_env")
def test_trend_never_writes_over_a_device_or_a_directory(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    device = Path("/dev/full")
    before = device.stat().st_mode
    code, err = run_main(monkeypatch, capsys, "trend", "china-japan", "--output", str(device))
    assert code == 2
    assert one_error(err) == "error: /dev/full is not a regular file: give the path of a file to write"
    assert stat.S_ISCHR(device.stat().st_mode) and device.stat().st_mode == before
    code, err = run_main(monkeypatch, capsys, "trend", "china-japan", "--output", str(tmp_path))
    assert code == 2
    assert one_error(err) == f"error: {tmp_path} is a directory: give the path of a file to write"


def test_build_checks_its_output_before_building_or_archiving(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cli_env: Path,
    tmp_path: Path,
    google_news: tuple[GoogleNewsFake, str],
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, err = run_main(monkeypatch, capsys, "build", "china-japan", "-d", "2026-02-25", "-o", f"{blocker}/out.md")
    assert code == 2
    assert one_error(err) == f"error: {blocker}/out.md: {blocker} is not a directory"
    assert google_news[0].requests == []  # nothing fetched
    assert not (cli_env / "digestbot.db").exists()  # nothing archived: the database was not even opened
    good = tmp_path / "out" / "digest.md"
    code, err = run_main(monkeypatch, capsys, "build", "china-japan", "-d", "2026-02-25", "-o", str(good))
    assert code == 0, err
    assert good.read_text().startswith("---\ntitle:")


@pytest.mark.parametrize(
    ("env", "args", "expected"),
    [
        ({"LOG_LEVEL": "LOUD"}, ["topics"], "error: invalid setting LOG_LEVEL: Value error, must be one of DEBUG"),
        ({}, ["build", "china-japan", "--date", "0001-01-01"], "error: 0001-01-01 is too early"),
        ({}, ["site", "build", "--base-url", "javascript:alert(1)"], "error: --base-url: must be an absolute http"),
        (
            {"DATA_DIR": "/dev/null/data"},
            ["build", "china-japan"],
            "error: database sqlite+aiosqlite:////dev/null/data",
        ),
    ],
)
@pytest.mark.usefixtures("cli_env")
def test_bad_settings_and_arguments_are_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    args: list[str],
    expected: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, err = run_main(monkeypatch, capsys, *args)
    assert code == 2
    assert one_error(err).startswith(expected)


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_corrupt_or_truncated_sqlite_file_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], cli_env: Path, damage: str
) -> None:
    code, err = run_main(monkeypatch, capsys, "build", "china-japan", "-d", "2026-02-25", "--no-page")
    assert code == 0, err
    db = cli_env / "digestbot.db"
    data = db.read_bytes()
    db.write_bytes(b"this is not a database" * 100 if damage == "garbage" else data[: len(data) // 3])
    code, err = run_main(monkeypatch, capsys, "build", "china-japan", "-d", "2026-02-25", "--no-page", "--rebuild")
    assert code == 2
    line = one_error(err)
    assert line.startswith(f"error: database sqlite+aiosqlite:///{db} cannot be opened: ")


def test_a_missing_postgres_database_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], cli_env: Path
) -> None:
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        pytest.skip("needs TEST_POSTGRES_URL")
    monkeypatch.setenv("DATABASE_URL", url.rsplit("/", 1)[0] + "/no_such_database_here")
    code, err = run_main(monkeypatch, capsys, "build", "china-japan")
    assert code == 2
    assert 'database "no_such_database_here" does not exist' in one_error(err)
