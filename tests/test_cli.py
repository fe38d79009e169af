"""The `digestbot` command line: building, formats, the archive, and one-line errors for bad input."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from testkit.fakes.gemini import GeminiFake
from testkit.fakes.google_news import GoogleNewsFake

runner = CliRunner()


def digest_rows(data_dir: Path) -> int:
    db = data_dir / "digestbot.db"
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return conn.execute("select count(*) from digests").fetchone()[0]


def error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "korea-japan"], "Unknown topic 'korea-japan'. Topics: china-japan"),
        (["build", "china-japan", "--date", "25/02/2026"], "Malformed date '25/02/2026': use YYYY-MM-DD"),
        (["build", "china-japan", "--date", "2999-01-01"], "2999-01-01 is in the future"),
        (["build", "china-japan", "--date", "2026-02-31"], "No such date"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(cli_env: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in error_line(result.stderr)
    assert result.stdout == ""
    assert digest_rows(cli_env) == 0


def test_day_without_on_topic_articles_exits_non_zero_and_stores_nothing(cli_env: Path) -> None:
    result = runner.invoke(app, ["build", "china-japan", "--date", "2026-03-10"])
    assert result.exit_code == 1
    assert error_line(result.stderr) == "error: No on-topic articles for China vs Japan on 2026-03-10."
    assert "40 fetched, 0 in the window, 0 on-topic" in result.stderr  # the operator's detail, on its own line
    assert digest_rows(cli_env) == 0


def test_broken_topics_file_fails_at_start(cli_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bad = tmp_path / "topics.toml"
    bad.write_text('[[topics]]\nid = "Bad Id"\n')
    monkeypatch.setenv("TOPICS_FILE", str(bad))
    result = runner.invoke(app, ["topics"])
    assert result.exit_code == 2
    assert f"{bad}: topics[0](id='Bad Id').id: must be lowercase" in error_line(result.stderr)


def test_invalid_setting_is_one_line(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FETCH_TIMEOUT", "soon")
    result = runner.invoke(app, ["topics"])
    assert result.exit_code == 2
    assert "invalid setting FETCH_TIMEOUT" in error_line(result.stderr)


def test_topics_lists_perspectives_and_outlets(cli_env: Path) -> None:
    result = runner.invoke(app, ["topics"])
    assert result.exit_code == 0
    assert "china-japan: China vs Japan (daily at 04:00 UTC)" in result.stdout
    assert (
        "japan [Japan, up to 10 articles]: The Japan Times (japantimes.co.jp; private, News2u Holdings), Kyodo News"
        in (result.stdout)
    )


def test_json_format_to_file_and_archive_reuse(
    cli_env: Path, google_news: tuple[GoogleNewsFake, str], tmp_path: Path
) -> None:
    fake, _ = google_news
    out = tmp_path / "out" / "digest.json"
    result = runner.invoke(app, ["build", "china-japan", "-d", "2026-02-25", "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    doc = json.loads(out.read_text())
    assert set(doc) >= {
        "topic",
        "topic_name",
        "date",
        "generated_at",
        "summarizer",
        "model",
        "perspectives",
        "highlights",
        "perspective_highlights",
        "articles",
        "failed_sources",
    }
    assert (doc["topic"], doc["date"], doc["summarizer"], doc["model"]) == (
        "china-japan",
        "2026-02-25",
        "extractive",
        None,
    )
    numbers = [a["n"] for a in doc["articles"]]
    assert numbers == list(range(1, len(numbers) + 1))
    side = {a["n"]: a["perspective"] for a in doc["articles"]}
    for pid, bullets in doc["perspective_highlights"].items():
        assert all(side[n] == pid for b in bullets for n in b["citations"])
    assert {p["id"]: p["count"] for p in doc["perspectives"]} == {
        pid: sum(1 for s in side.values() if s == pid) for pid in ("china", "japan")
    }
    assert set(doc["articles"][0]) == {
        "n",
        "title",
        "url",
        "publisher_url",
        "outlet",
        "source_label",
        "opinion",
        "opinion_label",
        "domain",
        "perspective",
        "published",
        "link",
        "language",
        "language_from_page",
        "lead_read",
        "lead_missing",
    }
    assert digest_rows(cli_env) == 1
    assert "8 articles (3 China, 5 Japan)" in result.stderr
    assert "built" in result.stderr

    asked = len(fake.requests)
    again = runner.invoke(app, ["build", "china-japan", "-d", "2026-02-25", "--format", "json"])
    assert json.loads(again.stdout) == doc
    assert len(fake.requests) == asked
    assert "from archive" in again.stderr
    rebuilt = runner.invoke(app, ["build", "china-japan", "-d", "2026-02-25", "--rebuild"])
    assert rebuilt.exit_code == 0
    assert len(fake.requests) == asked + 7
    assert digest_rows(cli_env) == 1


def test_failed_sources_are_reported_and_recorded(cli_env: Path, google_news: tuple[GoogleNewsFake, str]) -> None:
    fake, _ = google_news
    fake.faults["asia.nikkei.com"] = ["500"]
    result = runner.invoke(app, ["build", "china-japan", "-d", "2026-01-07", "-f", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["failed_sources"] == [
        {"outlet": "Nikkei Asia", "error": "HTTP 500 after 3 attempts"}
    ]
    assert "warning: Nikkei Asia failed: HTTP 500 after 3 attempts" in result.stderr


def test_gemini_writes_the_digest_when_a_key_is_set(
    cli_env: Path, gemini: tuple[GeminiFake, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, base = gemini
    key = "sk-test-0123456789"
    monkeypatch.setenv("GEMINI_API_KEY", key)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", base)
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    result = runner.invoke(app, ["build", "china-japan", "-d", "2026-01-07", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["summarizer"], doc["model"]) == ("gemini", "gemini-fake-001")
    assert doc["usage"]["total_tokens"] == 2 * 1200  # the editor's call and the summary's
    assert len(fake.requests) == 2
    assert key not in result.stdout + result.stderr


def test_console_script_runs(cli_env: Path) -> None:
    exe = Path(sys.executable).parent / "digestbot"
    proc = subprocess.run(
        [str(exe), "build", "nope"], capture_output=True, text=True, env=os.environ.copy(), check=False, timeout=60
    )
    assert proc.returncode == 2
    assert "Unknown topic 'nope'" in proc.stderr
