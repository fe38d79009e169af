"""A whole `digestbot build` with production host names (news.google.com, an outlet's own feed
host) that reaches the loopback fakes only through FETCH_CONNECT_TO, and an outlet feed that
redirects to the host's own network failing that source only, with the policy's line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from digest_core.topics import default_topics_path
from testkit.fakes.google_news import GoogleNewsFake
from testkit.fakes.outlet_feeds import FakeFeed, FeedItem, OutletFeedsFake
from testkit.fakes.server import ThreadedServer

runner = CliRunner()
FEED_HOST = "www.chinadaily.com.cn"
FEED_URL = f"http://{FEED_HOST}/rss/world_rss.xml"
CGTN_FEED = "http://www.cgtn.com/subscribe/rss/section/world.xml"
HEADLINE = "China, Japan trade barbs over Taiwan"


@pytest.fixture
def production_names(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[tuple[GoogleNewsFake, OutletFeedsFake, OutletFeedsFake]]:
    news, outlet, internal = GoogleNewsFake(), OutletFeedsFake(), OutletFeedsFake()
    outlet.feeds["rss/world_rss.xml"] = FakeFeed(
        items=[FeedItem(HEADLINE, "https://www.chinadaily.com.cn/a/1.html", datetime(2026, 2, 24, 9, tzinfo=UTC))]
    )
    outlet.feeds["subscribe/rss/section/world.xml"] = FakeFeed(redirect_to="http://127.0.0.1/latest.xml")
    with ThreadedServer(news.app()) as g, ThreadedServer(outlet.app()) as o, ThreadedServer(internal.app()) as i:
        text = default_topics_path().read_text()
        text = text.replace(
            'domains = ["chinadaily.com.cn"]', f'domains = ["chinadaily.com.cn"]\n    feeds = ["{FEED_URL}"]'
        )
        text = text.replace('domains = ["cgtn.com"]', f'domains = ["cgtn.com"]\n    feeds = ["{CGTN_FEED}"]')
        (tmp_path / "topics.toml").write_text(text)
        for name, value in {
            "TOPICS_FILE": str(tmp_path / "topics.toml"),
            "DATA_DIR": str(tmp_path / "data"),
            "GOOGLE_NEWS_BASE_URL": "http://news.google.com",
            # the CGTN rule sends port 80 of 127.0.0.1 to the internal server: only the policy stops it
            "FETCH_CONNECT_TO": f"news.google.com:80:127.0.0.1:{g.port},{FEED_HOST}:80:127.0.0.1:{o.port},"
            f"www.cgtn.com:80:127.0.0.1:{o.port},127.0.0.1:80::{i.port}",
            "FETCH_BACKOFF": "0.01",
            "FETCH_TIMEOUT": "2",
        }.items():
            monkeypatch.setenv(name, value)
        yield news, outlet, internal


def test_a_build_reaches_the_fakes_only_through_connect_to(
    production_names: tuple[GoogleNewsFake, OutletFeedsFake, OutletFeedsFake],
) -> None:
    news, outlet, internal = production_names
    result = runner.invoke(app, ["build", "china-japan", "-d", "2026-02-25", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert HEADLINE in [a["title"] for a in doc["articles"]]  # from the outlet's own feed
    assert sum(a["url"].startswith("https://news.google.com/") for a in doc["articles"]) >= 5  # from Google News
    assert {r["host"] for r in news.requests} == {"news.google.com"}
    assert [h["host"] for h in outlet.headers_of("rss/world_rss.xml")] == [FEED_HOST]
    # the CGTN feed redirects to http://127.0.0.1/: refused on its own, the build goes on
    assert doc["failed_sources"] == [
        {
            "outlet": "CGTN",
            "error": f"feed {CGTN_FEED}: refused 127.0.0.1:80: loopback address (outbound policy)",
        }
    ]
    assert internal.hits == {}
