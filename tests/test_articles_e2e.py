"""Issue #24 end to end: `digestbot build` and `digestbot sources` with the production settings
(GOOGLE_NEWS_BASE_URL https://news.google.com, decoding and article pages on), every connection
sent to loopback TLS fakes by FETCH_CONNECT_TO and trusted through FETCH_CA_FILE: Google links
decoded in batches, the publishers' pages read, their leads in the offline highlights, the lead
state per article in `sources`, and nothing asked again for what is cached."""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.demo_articles import STORIES, StoryText
from digest_core.fetch.google_links import BATCH_SIZE
from testkit.fakes.production_hosts import ProductionHosts, production_hosts

runner = CliRunner()
DAY = "2026-02-25"
BULLET = re.compile(r"^- (?:\*(?:Opinion|Editorial):\* )?(.+?) \((\[\d+\]\(\S+\)(?:, )?)+\)$")
SOURCE_LINK = re.compile(r"^\d+\. .*\]\((https://\S+)\) - ")


@pytest.fixture
def hosts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[ProductionHosts]:
    with production_hosts(tmp_path) as served:
        env = {
            **served.env(),
            "DATA_DIR": str(tmp_path / "data"),
            "FETCH_BACKOFF": "0.01",
            "FETCH_TIMEOUT": "5",
            "NOW": "2026-02-25T05:00:00Z",
            "COLUMNS": "300",  # the sources table unwrapped
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        yield served


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


def highlights(page: str) -> list[str]:
    """The text of the page's Overall Highlights bullets, without tags and citations."""
    section = page.split("## Overall Highlights", 1)[1].split("<!--more-->", 1)[0]
    found = [BULLET.match(line) for line in section.splitlines() if line.startswith("- ")]
    assert all(found), section
    return [m.group(1) for m in found if m]


def test_a_build_decodes_links_reads_leads_and_a_rebuild_asks_nothing_again(
    hosts: ProductionHosts, tmp_path: Path
) -> None:
    news, publishers = hosts.news, hosts.publishers
    doc = json.loads(invoke("build", "china-japan", "-d", DAY, "-f", "json"))
    articles = doc["articles"]
    assert len(articles) >= 6

    # publisher links everywhere decoding succeeded (here: every article)
    assert all(a["publisher_url"] and a["link"] == a["publisher_url"] for a in articles)
    assert not any("news.google.com" in a["link"] for a in articles)
    assert {a["link"].split("/")[2] for a in articles} <= {h.host for h in publishers.hits}

    # most leads read; the paywalled outlet's articles say why not
    read = [a for a in articles if a["lead_read"]]
    assert len(read) >= 0.6 * len(articles)
    paywalled = [a for a in articles if a["outlet"] == "Nikkei Asia"]
    assert paywalled and all(a["lead_missing"] == "paywall" for a in paywalled)
    assert {a["language"] for a in read} <= {"en", "en-US", "en-GB"}

    # Google asked in batches, with the production Host header, by the one client (for the kept
    # articles and the others naming a side, whose lead might have made them on-topic)
    decoded = news.links.page_gets
    assert decoded >= len(articles)
    assert 1 <= news.links.posts <= math.ceil(decoded / BATCH_SIZE) < decoded
    assert sum(len(ids) for ids in news.links.posted) == decoded
    assert news.links.hosts == {"news.google.com"}
    assert {r["host"] for r in news.requests} == {"news.google.com"}

    # the publishers saw their own Host headers, robots.txt once per host, then the pages
    assert all(h.headers["Host"] == h.host for h in publishers.hits)
    for host in {h.host for h in publishers.hits}:
        assert len(publishers.requests_to(host, "/robots.txt")) == 1

    # the page: publisher links in every source line, highlights taken from leads, not headlines
    page = (tmp_path / "data" / "site" / "content" / "china-japan" / f"{DAY}.md").read_text()
    sources = page.split("## Sources", 1)[1]
    links = [m.group(1) for m in map(SOURCE_LINK.match, sources.splitlines()) if m]
    assert links == [a["link"] for a in articles]
    paragraphs = [p for story in STORIES for p in story.paragraphs]
    titles = {a["title"] for a in articles}
    from_leads = [h for h in highlights(page) if h not in titles and any(h in p for p in paragraphs)]
    assert len(from_leads) >= 2, highlights(page)

    # a rebuild asks Google News for the feeds again, but neither decodes nor reads a page again
    searches, gets, posts, hits = len(news.requests), news.links.page_gets, news.links.posts, len(publishers.hits)
    again = json.loads(invoke("build", "china-japan", "-d", DAY, "-f", "json", "--rebuild"))
    assert len(news.requests) > searches
    assert (news.links.page_gets, news.links.posts, len(publishers.hits)) == (gets, posts, hits)
    assert [(a["link"], a["lead_read"]) for a in again["articles"]] == [(a["link"], a["lead_read"]) for a in articles]


def test_sources_shows_each_articles_link_language_and_lead_state(hosts: ProductionHosts) -> None:
    articles = json.loads(invoke("sources", "china-japan", "-d", DAY, "--json"))["articles"]
    table = invoke("sources", "china-japan", "-d", DAY)
    rows = [line for line in table.splitlines() if re.match(r"^\d+\s", line)]
    assert len(rows) == len(articles)
    for row, article in zip(rows, articles, strict=True):
        assert article["link"] in row and "news.google.com" not in row
        assert article["language"] in row
        state = "lead read" if article["lead_read"] else f"no lead: {article['lead_missing']}"
        assert state in row
    assert any("no lead: paywall" in row for row in rows)
    assert sum("lead read" in row for row in rows) >= 0.6 * len(rows)


def google_item(title: str, aid: str, when: str = "Tue, 24 Feb 2026 10:00:00 GMT") -> bytes:
    link = f"https://news.google.com/rss/articles/{aid}?oc=5"
    outlet = "Japan Wire by KYODO NEWS"
    return (
        f"<item><title>{title} - {outlet}</title><link>{link}</link>"
        f'<guid isPermaLink="false">{aid}</guid><pubDate>{when}</pubDate>'
        f"<description>{title}</description>"
        f'<source url="https://english.kyodonews.net">{outlet}</source></item>'
    ).encode()


def opaque_id(token: str) -> str:
    """A current (opaque) Google News id: protobuf bytes whose URL field is an `AU_yqL...` token."""
    data = b"AU_yqL" + token.encode()
    return base64.urlsafe_b64encode(b"\x08\x13\x22" + bytes([len(data)]) + data).decode().rstrip("=")


def test_a_headline_naming_one_side_is_decoded_and_read_and_kept_when_its_lead_names_the_other(
    hosts: ProductionHosts,
) -> None:
    news, publishers = hosts.news, hosts.publishers
    when = datetime(2026, 2, 24, 10, tzinfo=UTC)
    stocks = StoryText(
        "english.kyodonews.net",
        when,
        "Tokyo stocks close higher on chip rally",
        "Business",
        (
            "The Nikkei rose 2 percent on Tuesday after Beijing announced export curbs on Japanese firms.",
            "Chipmakers led the gains as traders bet on demand for parts made outside the curbs.",
        ),
    )
    snow = replace(stocks, title="Heavy snow closes mountain roads", section="Society")
    pages = {story.title: publishers.add(story) for story in (stocks, snow)}
    ids = {story.title: opaque_id(slug) for story, slug in ((stocks, "stocks-chip-rally"), (snow, "snow-roads"))}
    for title, aid in ids.items():
        news.links.targets[aid] = pages[title]
    news.extra_items["english.kyodonews.net"] = [google_item(title, aid) for title, aid in ids.items()]

    articles = json.loads(invoke("build", "china-japan", "-d", DAY, "-f", "json"))["articles"]
    kept = next(a for a in articles if a["title"].startswith(stocks.title))
    assert kept["publisher_url"] == pages[stocks.title] and kept["lead_read"]
    assert ids[stocks.title] in {aid for batch in news.links.posted for aid in batch}
    assert len(publishers.requests_to("english.kyodonews.net", httpx.URL(pages[stocks.title]).path)) == 1
    # the item naming neither side: neither decoded nor read
    assert not any(a["title"].startswith(snow.title) for a in articles)
    assert ids[snow.title] not in {aid for batch in news.links.posted for aid in batch}
    assert publishers.requests_to("english.kyodonews.net", httpx.URL(pages[snow.title]).path) == []
