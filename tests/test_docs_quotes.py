"""Each message docs/diagnostics.md quotes in prose or tables (not in a generated sample) is found,
word for word, in what the real code prints (`tests/doc_quotes.py`): the error lines an operator
searches for cannot drift from the program."""

from __future__ import annotations

import socket
import ssl
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from bot.cli import app
from digest_core.errors import SourcesUnreachable
from digest_core.fetch.collect import failure_lines
from digest_core.fetch.failure_cause import cause_of, kind_line
from digest_core.fetch.ports import GOOGLE_NEWS
from digest_core.fetch.stats import SourceStat
from digest_core.topics import Topic
from testkit.fakes.google_news import GoogleNewsFake
from tests.doc_quotes import DOCS, assert_quoted, pattern, quote

runner = CliRunner()
DOC = "diagnostics.md"


@pytest.fixture
def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_build_offline_and_an_empty_day_read_as_quoted(
    cli_env: Path, closed_port: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = runner.invoke(app, ["build", "china-japan", "--date", "2026-03-10"])  # the fixtures have no news then
    assert empty.exit_code == 1
    assert_quoted(DOC, "error: No on-topic articles for", empty.stderr)
    monkeypatch.setenv("GOOGLE_NEWS_BASE_URL", closed_port)
    monkeypatch.setenv("FETCH_ATTEMPTS", "1")
    offline = runner.invoke(app, ["build", "china-japan", "--date", "2026-02-25"])
    assert offline.exit_code == 1
    assert_quoted(DOC, "error: none of the", offline.stderr)


def test_chat_users_reply_reads_as_quoted() -> None:
    assert_quoted(DOC, "The news sources could not be reached", str(SourcesUnreachable("detail")))


def _request(url: str = "https://news.google.com/rss/search") -> httpx.Request:
    return httpx.Request("GET", url)


def _raised_from(exc: BaseException, cause: BaseException) -> BaseException:
    exc.__cause__ = cause
    return exc


def test_each_cause_reads_as_its_table_row() -> None:
    """The causes table, from the exceptions httpx raises (their causes as the socket layer gives them)."""
    dns = _raised_from(httpx.ConnectError("", request=_request()), socket.gaierror(-2, "Name or service not known"))
    refused = _raised_from(httpx.ConnectError("", request=_request()), ConnectionRefusedError(111, "refused"))
    timeout = httpx.ReadTimeout("", request=_request())
    bad_cert = ssl.SSLCertVerificationError(1, "certificate verify failed")
    bad_cert.verify_message = "certificate verify failed: self-signed certificate"
    tls = _raised_from(httpx.ConnectError("", request=_request()), bad_cert)
    status = httpx.HTTPStatusError("", request=_request(), response=httpx.Response(503, request=_request()))
    consent = httpx.ConnectError("", request=_request("https://consent.google.com/ml?continue=x"))
    for start, exc, timeout_s in (
        ("DNS lookup failed for", dns, None),
        ("connection refused by", refused, None),
        ("timed out after", timeout, 15.0),
        ("TLS failed with", tls, None),
        ("HTTP 503", status, None),
        ("consent wall", consent, None),
    ):
        quoted = quote(DOC, start).removesuffix(" ...").removesuffix(": ...")
        cause = cause_of(exc, timeout_s)
        assert cause.startswith(quoted), (quoted, cause)


def test_failure_lines_per_kind_read_as_shown() -> None:
    """The first lines of the per-kind block, made by the code that logs them (`failure_lines` for
    feeds, `kind_line` as article pages call it)."""
    text = (DOCS / DOC).read_text(encoding="utf-8")
    block = text.split("<!-- sample: none (lines of five different failures", 1)[1].split("```")[1].splitlines()[1:]
    day = datetime(2026, 2, 25, tzinfo=UTC)

    def stat(source: str, status: str) -> SourceStat:
        return SourceStat("china-japan", "X", source, day, status, None, 0, 0, None)

    dns = "DNS lookup failed for news.google.com after 3 attempts"
    feeds = [stat(GOOGLE_NEWS, dns) for _ in range(7)]
    outlets = [stat("https://example.org/feed", "HTTP 503 after 3 attempts"), stat("https://example.org/f2", "ok")]
    made = [f"china-japan: {line}" for line in failure_lines(feeds + outlets)]
    pages = kind_line("publisher article pages", ["timed out"] * 2 + ["paywall"] + [None] * 9)
    assert block[:3] == [*made, pages]


def test_doctor_lines_read_as_quoted(
    cli_env: Path,
    closed_port: str,
    google_news: tuple[GoogleNewsFake, str],
    topic: Topic,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, _ = google_news
    fake.faults[topic.all_outlets[0][1].domains[0]] = ["503"]
    site = tmp_path / "my-site"
    site.mkdir()
    (site / "hugo.toml").write_text("title = 't'\n")
    monkeypatch.setenv("SITE_DIR", str(site))
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no hugo on PATH
    result = runner.invoke(app, ["doctor"])
    assert_quoted(DOC, "answered HTTP 503:", result.stdout)
    assert_quoted(DOC, "FAIL site: Hugo is not installed", result.stdout)
    monkeypatch.setenv("GOOGLE_NEWS_BASE_URL", closed_port)
    result = runner.invoke(app, ["doctor"])
    assert_quoted(DOC, "FAIL Google News:", result.stdout)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{blocker}/digestbot.db")  # under a file: cannot open
    result = runner.invoke(app, ["doctor"])
    assert_quoted(DOC, "check DATABASE_URL, or that DATA_DIR", result.stdout)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40))
def test_a_quote_matches_its_words_only(noise: str) -> None:
    """The helper itself: placeholders match any text of a line, other words only themselves."""
    quoted = "FAIL Google News: HOST did not answer (CAUSE): check it"
    assert pattern(quoted).search(f"FAIL Google News: {noise or 'x'} did not answer ({noise or 'y'}): check it")
    assert not pattern(quoted).search(f"FAIL Google News: {noise} did not respond ({noise}): check it")
