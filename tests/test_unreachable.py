"""When no source can be reached the cause is said in one line, distinct from an empty day;
`doctor` checks the feed hosts and Hugo."""

from __future__ import annotations

import re
import socket
from datetime import date
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.failures import DEMO_HINT
from digest_core.dates import digest_window
from digest_core.errors import NoArticlesError, SourcesUnreachable
from digest_core.fetch.collect import NewsSources
from digest_core.fetch.feed_parsing import collect
from digest_core.fetch.google_news import GoogleNewsSource
from digest_core.topics import Topic
from digest_core.workers import stop_worker_process, use_worker_process, worker_running
from testkit.fakes.google_news import GoogleNewsFake

runner = CliRunner()
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (INFO|WARNING) ")
DAY = date(2026, 2, 25)


@pytest.fixture
def closed_port() -> str:
    """A loopback address where nothing listens: every connection is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def offline(cli_env: Path, closed_port: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GOOGLE_NEWS_BASE_URL", closed_port)
    monkeypatch.setenv("FETCH_ATTEMPTS", "1")
    return cli_env


async def test_no_answer_from_any_source_is_sources_unreachable(topic: Topic, closed_port: str) -> None:
    async with httpx.AsyncClient() as client:
        with pytest.raises(SourcesUnreachable) as caught:
            await collect(topic, GoogleNewsSource(client, closed_port, attempts=1), DAY)
    assert isinstance(caught.value, NoArticlesError)  # every empty-day handler also handles it
    assert caught.value.detail.startswith("none of the 7 sources answered: check the network (")
    assert str(caught.value) == "The news sources could not be reached just now. Please try again later."
    port = closed_port.rsplit(":", 1)[1]
    assert caught.value.detail.endswith(f"(China Daily: connection refused by 127.0.0.1:{port} after 1 attempt)")


async def test_nothing_fetched_starts_no_worker_to_parse_it(topic: Topic, closed_port: str) -> None:
    """With every source failed there is nothing to parse: the service's on-demand build worker is
    not started for it (a process and its imports, seconds on a fresh start-up offline)."""
    use_worker_process(60)
    try:
        async with httpx.AsyncClient() as client:
            with pytest.raises(SourcesUnreachable):
                await collect(topic, GoogleNewsSource(client, closed_port, attempts=1), DAY)
            assert not worker_running()
            sources = NewsSources([GoogleNewsSource(client, closed_port, attempts=1)])
            with pytest.raises(SourcesUnreachable):
                await sources.collect(topic, digest_window(topic, DAY))
            assert not worker_running()
    finally:
        stop_worker_process()


async def test_http_errors_are_answers_not_an_unreachable_network(
    topic: Topic, google_news: tuple[GoogleNewsFake, str]
) -> None:
    fake, base = google_news
    for _, outlet in topic.all_outlets:
        fake.faults[outlet.domains[0]] = ["503"]
    async with httpx.AsyncClient() as client:
        articles, failed = await collect(topic, GoogleNewsSource(client, base, attempts=1), DAY)
    assert articles == []
    assert len(failed) == 7


async def test_one_source_answering_is_enough(topic: Topic, google_news: tuple[GoogleNewsFake, str]) -> None:
    fake, base = google_news
    for _, outlet in topic.all_outlets[1:]:
        fake.faults[outlet.domains[0]] = ["timeout"]
    fake.timeout_sleep = 2
    async with httpx.AsyncClient(timeout=0.5) as client:
        articles, failed = await collect(topic, GoogleNewsSource(client, base, attempts=1), DAY)
    assert len(failed) == 6
    assert articles


def test_build_offline_says_so_in_one_line(offline: Path) -> None:
    result = runner.invoke(app, ["build", "china-japan", "--date", "2026-02-25"])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert errors[0].startswith("error: none of the 7 sources answered: check the network (China Daily: ")
    assert "connection refused by 127.0.0.1:" in errors[0]  # the cause
    assert errors[0].endswith(f"; {DEMO_HINT}")  # the service's hint, in the same words
    assert "no on-topic" not in result.stderr
    assert len(errors[0]) < 250


def test_publish_offline_prints_one_outcome(offline: Path) -> None:
    result = runner.invoke(app, ["publish", "china-japan", "--date", "2026-02-25"])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if not LOG_LINE.match(line)]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: none of the 7 sources answered: check the network")


def test_doctor_says_what_to_do_when_google_news_does_not_answer(offline: Path, closed_port: str) -> None:
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    host = closed_port.removeprefix("http://")
    line = next(line for line in result.stdout.splitlines() if "Google News" in line)
    assert line.startswith(f"FAIL Google News: {host} did not answer (connection refused by {host}): ")
    assert line.endswith("check the network, a proxy or GOOGLE_NEWS_BASE_URL")


def test_doctor_reports_http_refusals(cli_env: Path, google_news: tuple[GoogleNewsFake, str], topic: Topic) -> None:
    fake, _ = google_news
    fake.faults[topic.all_outlets[0][1].domains[0]] = ["503"]
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert "answered HTTP 503: it refuses or limits this address for now; wait and retry" in result.stdout


def test_doctor_checks_the_feed_host_and_hugo_when_the_site_is_used(
    cli_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "my-site"
    site.mkdir()
    (site / "hugo.toml").write_text("title = 't'\n")
    monkeypatch.setenv("SITE_DIR", str(site))
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no hugo on PATH
    result = runner.invoke(app, ["doctor"])
    assert "ok   Google News: 127.0.0.1:" in result.stdout
    assert "FAIL site: Hugo is not installed, so `digestbot site build` cannot run: install it with" in result.stdout
    assert result.exit_code == 1

    monkeypatch.delenv("SITE_DIR")
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 0, result.stdout
    assert "ok   site: pages are Markdown in" in result.stdout

    monkeypatch.setenv("SITE_DIR", str(tmp_path / "nowhere"))
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    nowhere = tmp_path / "nowhere"
    assert f"FAIL site: no Hugo site in {nowhere} (hugo.toml missing): fix or unset SITE_DIR" in result.stdout


def test_doctor_says_what_to_do_when_the_database_fails(
    cli_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{blocker}/digestbot.db")  # under a file: cannot open
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    line = next(line for line in result.stdout.splitlines() if "database" in line)
    assert line.startswith("FAIL database: ")
    assert line.endswith(": check DATABASE_URL, or that DATA_DIR is writable")


def test_backfill_offline_is_unreachable_not_empty_and_fails(offline: Path) -> None:
    result = runner.invoke(app, ["backfill", "china-japan", "--from", "2026-02-24", "--to", "2026-02-26"])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if not LOG_LINE.match(line) and "backfill" not in line]
    assert lines[0] == "0 built, 0 archived already, 0 empty, 3 unreachable"
    assert lines[1].startswith("error: nothing could be fetched: none of the 7 sources answered: check the network (")
    assert "connection refused by 127.0.0.1:" in lines[1]  # the cause
    assert lines[1].endswith(f"; {DEMO_HINT}")
    assert len(lines) == 2, result.stderr


def test_backfill_tells_unreachable_days_from_empty_ones(
    cli_env: Path, google_news: tuple[GoogleNewsFake, str], closed_port: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty day (the fixtures have no news on 2026-03-10) is empty; the same day with the
    network gone is unreachable, and the command says so without failing the days that worked."""
    result = runner.invoke(app, ["backfill", "china-japan", "--from", "2026-02-25", "--to", "2026-03-10"])
    assert result.exit_code == 0, result.stderr
    assert "1 built, 0 archived already, 13 empty\n" in result.stderr
    monkeypatch.setenv("GOOGLE_NEWS_BASE_URL", closed_port)
    monkeypatch.setenv("FETCH_ATTEMPTS", "1")
    result = runner.invoke(app, ["backfill", "china-japan", "--from", "2026-02-25", "--to", "2026-02-26"])
    assert result.exit_code == 0, result.stderr
    assert "0 built, 1 archived already, 0 empty, 1 unreachable\n" in result.stderr
    assert "warning: 1 day unreachable: none of the 7 sources answered: check the network (" in result.stderr
