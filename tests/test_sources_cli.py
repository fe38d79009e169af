"""Google News and outlets' own feeds end to end through the CLI: one digest, `digestbot feeds`."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from bot.cli import app, feeds_table
from digest_core.fetch.stats import SourceRow, SourceStat
from digest_core.topics import default_topics_path
from testkit.fakes.outlet_feeds import FakeFeed, FeedItem, OutletFeedsFake
from testkit.fakes.server import ThreadedServer

runner = CliRunner()
SAME_AS_GOOGLE = "Export curbs issued against Japanese entities with military connections"
PUBLISHER_URL = "https://www.chinadaily.com.cn/a/202602/25/WS699e.html"


@pytest.fixture
def feeds_env(cli_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[tuple[OutletFeedsFake, str]]:
    """The shipped topics with China Daily's own feed (plus one broken feed) on a fake server."""
    fake = OutletFeedsFake()
    fake.feeds["cd/rss.xml"] = FakeFeed(
        items=[
            FeedItem(SAME_AS_GOOGLE, PUBLISHER_URL, datetime(2026, 2, 25, 2, 50, tzinfo=UTC)),
            FeedItem(
                "China, Japan <b>trade</b> barbs over Taiwan",
                "https://www.chinadaily.com.cn/a/202602/24/WS1.html",
                datetime(2026, 2, 24, 9, 0, tzinfo=UTC),
            ),
            FeedItem("Spring festival travel peaks", "/a/202602/24/WS2.html", datetime(2026, 2, 24, 8, tzinfo=UTC)),
        ]
    )
    fake.feeds["cgtn/index.html"] = FakeFeed(format="html", content_type="text/html")
    with ThreadedServer(fake.app()) as server:
        base = server.base_url
        text = default_topics_path().read_text()
        text = text.replace(
            'domains = ["chinadaily.com.cn"]', f'domains = ["chinadaily.com.cn"]\n    feeds = ["{base}/cd/rss.xml"]'
        )
        text = text.replace('domains = ["cgtn.com"]', f'domains = ["cgtn.com"]\n    feeds = ["{base}/cgtn/index.html"]')
        topics = tmp_path / "topics.toml"
        topics.write_text(text)
        monkeypatch.setenv("TOPICS_FILE", str(topics))
        monkeypatch.setenv("CONTACT_URL", "mailto:ops@example.org")
        yield fake, base


def table(stdout: str) -> dict[tuple[str, str], list[str]]:
    """Rows of the `sources` table by (outlet, source): cells split on runs of 2+ spaces."""
    rows = {}
    for line in stdout.splitlines()[2:]:
        cells = re.split(r"\s{2,}", line.rstrip())
        rows[(cells[0], cells[1])] = cells[2:]
    return rows


def test_sources_before_any_build_are_never_fetched(feeds_env: tuple[OutletFeedsFake, str]) -> None:
    _, base = feeds_env
    result = runner.invoke(app, ["feeds", "china-japan"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "china-japan: 9 sources; latest fetch of each (times UTC)"
    rows = table(result.stdout)
    assert len(rows) == 9
    assert rows[("China Daily", f"{base}/cd/rss.xml")] == ["never", "-", "-", "-", "-"]
    assert rows[("Nikkei Asia", "Google News")] == ["never", "-", "-", "-", "-"]


def test_unknown_topic_is_one_error_line(feeds_env: tuple[OutletFeedsFake, str]) -> None:
    result = runner.invoke(app, ["feeds", "korea-japan"])
    assert result.exit_code == 2
    assert "Unknown topic 'korea-japan'. Topics: china-japan" in result.stderr


def test_both_sources_in_one_digest_then_stats_then_304(feeds_env: tuple[OutletFeedsFake, str]) -> None:
    fake, base = feeds_env
    result = runner.invoke(app, ["build", "china-japan", "-d", "2026-02-25", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    same = [a for a in doc["articles"] if a["title"] == SAME_AS_GOOGLE]
    assert len(same) == 1, "the article from Google News and from the feed is listed once"
    assert (same[0]["url"], same[0]["outlet"]) == (PUBLISHER_URL, "China Daily")
    titles = [a["title"] for a in doc["articles"]]
    assert "China, Japan trade barbs over Taiwan" in titles
    assert "Spring festival travel peaks" not in titles  # off-topic, whatever its source
    assert doc["failed_sources"] == [
        {
            "outlet": "CGTN",
            "error": f"feed {base}/cgtn/index.html: not a valid feed: the server sent an HTML page, not RSS or Atom"
            " (check the feed URL)",
        }
    ]
    assert {h["user-agent"] for _, h in fake.requests} == {"Digestbot/0.1 (+mailto:ops@example.org)"}

    page = runner.invoke(app, ["build", "china-japan", "-d", "2026-02-25"]).stdout
    assert f"[{SAME_AS_GOOGLE}]({PUBLISHER_URL}) - China Daily (state-owned) (2/25/2026)" in page

    stats = runner.invoke(app, ["feeds", "china-japan"])
    assert stats.exit_code == 0, stats.stderr
    rows = table(stats.stdout)
    when, items, on_topic, latency, status = rows[("China Daily", f"{base}/cd/rss.xml")]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", when)
    assert (items, on_topic, status) == ("3", "2", "ok")
    assert re.fullmatch(r"\d+ ms", latency)
    google = rows[("China Daily", "Google News")]
    assert (google[1], google[2], google[4]) == ("6", "2", "ok")  # both fixture days; 2 in the window, on-topic
    cgtn_feed = rows[("CGTN", f"{base}/cgtn/index.html")]
    assert cgtn_feed[1:3] == ["0", "0"]
    assert cgtn_feed[4].startswith("not a valid feed: the server sent an HTML page")
    assert rows[("CGTN", "Google News")][4] == "ok"  # the outlet is still read through Google News

    rebuilt = runner.invoke(app, ["build", "china-japan", "-d", "2026-02-25", "-f", "json", "--rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.stderr
    assert fake.not_modified["cd/rss.xml"] == 1
    assert [a["url"] for a in json.loads(rebuilt.stdout)["articles"] if a["title"] == SAME_AS_GOOGLE] == [PUBLISHER_URL]
    again = table(runner.invoke(app, ["feeds", "china-japan"]).stdout)
    assert again[("China Daily", f"{base}/cd/rss.xml")][1:3] == ["3", "2"]
    assert again[("China Daily", f"{base}/cd/rss.xml")][4] == "not modified"


def test_source_table_blanks_control_characters() -> None:
    stat = SourceStat(
        topic="t",
        outlet="Evil\x1b[31m Outlet",
        source="https://example.com/feed",
        fetched_at=datetime(2026, 2, 25, 4, tzinfo=UTC),
        status="HTTP 500\r\nX-Injected: 1",
        items=0,
        latency_ms=12,
    )
    console = Console(width=400, record=True, file=io.StringIO())
    console.print(feeds_table([SourceRow(stat.outlet, stat.source, stat)]))
    text = console.export_text()
    assert "\x1b" not in text
    assert "\r" not in text
    assert len(text.splitlines()) == 2
    assert text.splitlines()[1].endswith("HTTP 500 X-Injected: 1")
