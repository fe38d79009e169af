"""Hostile and broken sources fail themselves only: bad dates, bad redirects, slow drips, gzip bombs,
huge bodies, endless text. Each runs the real httpx and feedparser against a loopback server."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.outbound import make_outbound_client
from bot.settings import Settings
from bot.wiring import make_source
from digest_core.fetch.char_refs import without_forbidden_references
from digest_core.fetch.feed_parsing import collect
from digest_core.fetch.feed_state import MemoryFeedStateStore
from digest_core.fetch.google_news import GoogleNewsSource
from digest_core.fetch.normalize import MAX_SUMMARY, MAX_TITLE, clean_text
from digest_core.fetch.outlet_feeds import OutletFeedSource
from digest_core.fetch.polite import DEADLINE_TIMEOUTS, HostLimiter, PoliteClient
from digest_core.text import cut
from digest_core.topics import Topics
from testkit.fakes.hostile_feeds import RSS_HEAD, RSS_TAIL, HostileFeeds, atom_with_dates, rss_item
from testkit.fakes.server import ThreadedServer
from tests.test_feeds import topic_with

DAY = date(2026, 2, 25)  # window: 2026-02-24 04:00 to 2026-02-25 04:00 UTC
GOOD_DATE = "Wed, 25 Feb 2026 01:00:00 GMT"
GOOD_ITEM = rss_item("China and Japan hold talks", "https://www.chinadaily.com.cn/a/1.html", GOOD_DATE)
MB = 1024 * 1024


@pytest.fixture
def hostile() -> Iterator[tuple[HostileFeeds, str]]:
    fake = HostileFeeds()
    fake.bodies["good.xml"] = RSS_HEAD + GOOD_ITEM + RSS_TAIL
    with ThreadedServer(fake.app()) as server:
        yield fake, server.base_url


def feeds(
    c: httpx.AsyncClient,
    deadline: float = 10.0,
    digest_deadline: float = 60.0,
    max_body: int = MB,
    states: MemoryFeedStateStore | None = None,
) -> OutletFeedSource:
    http = PoliteClient(c, HostLimiter(4), attempts=2, backoff=0.0, deadline=deadline, max_body=max_body)
    return OutletFeedSource(http, states or MemoryFeedStateStore(), digest_deadline=digest_deadline)


def client() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=5, follow_redirects=True)


def failed_urls(failed: list[object]) -> dict[str, str]:
    out = {}
    for f in failed:
        _, url, error = str(f.error).split(" ", 2)  # type: ignore[attr-defined]
        out[url.rstrip(":").rsplit("/", 1)[-1]] = error
    return out


async def test_out_of_range_dates_drop_their_items_only(hostile: tuple[HostileFeeds, str]) -> None:
    fake, base = hostile
    fake.bodies["dates.atom"] = atom_with_dates(
        "https://www.chinadaily.com.cn/a/",
        "9999-12-31T23:59:59-23:59",
        "0000-01-01T00:00:00Z",
        "2026-02-25T01:00:00Z",
        "not a date",
    )
    topic = topic_with({"China Daily": [f"{base}/dates.atom", f"{base}/good.xml"]})
    async with client() as c:
        articles, failed = await collect(topic, feeds(c), DAY)
    assert failed == []
    assert sorted((a.title, a.published) for a in articles) == [
        ("China and Japan hold talks", datetime(2026, 2, 25, 1, 0, tzinfo=UTC)),
        ("Item 2", datetime(2026, 2, 25, 1, 0, tzinfo=UTC)),
    ]


@pytest.mark.parametrize("scheme", ["javascript", "data", "mailto", "file"])
async def test_a_redirect_to_another_scheme_fails_that_feed_only(
    hostile: tuple[HostileFeeds, str], scheme: str
) -> None:
    _, base = hostile
    topic = topic_with({"China Daily": [f"{base}/to/{scheme}", f"{base}/good.xml"]})
    async with client() as c:
        articles, failed = await collect(topic, feeds(c), DAY)
    assert [a.title for a in articles] == ["China and Japan hold talks"]
    assert [f.outlet for f in failed] == ["China Daily"]
    assert failed[0].error.startswith(f"feed {base}/to/{scheme}: ")


async def test_a_trickling_feed_costs_one_deadline_once(
    hostile: tuple[HostileFeeds, str], engine: AsyncEngine, tmp_path: Path
) -> None:
    """The request deadline follows FETCH_TIMEOUT, and a request cut there is not retried (issue #23, 10):
    through the production wiring (the outbound client and `make_source` from the settings)."""
    fake, base = hostile
    assert Settings(fetch_timeout=0.25, fetch_deadline=7).request_deadline == 7  # the explicit override
    settings = Settings(data_dir=tmp_path, fetch_timeout=0.25, fetch_attempts=3, fetch_backoff=0, article_pages=False)
    assert settings.request_deadline == DEADLINE_TIMEOUTS * 0.25 == 0.5
    fake.bodies["empty.xml"] = RSS_HEAD + RSS_TAIL
    outlets = [o.name for _, o in topic_with({}).all_outlets]
    feed_urls = {name: [f"{base}/empty.xml"] for name in outlets}
    feed_urls["China Daily"] = [f"{base}/drip", f"{base}/good.xml"]
    topic = topic_with(feed_urls, no_google=frozenset(outlets))  # the feeds alone
    async with make_outbound_client(settings, Topics([topic])) as c:
        articles, failed = await collect(topic, make_source(settings, c, engine), DAY)
    assert [a.title for a in articles] == ["China and Japan hold talks"]
    assert failed_urls(failed) == {"drip": "no complete answer within 0.5 s"}  # 100 bytes x 0.2 s: 20 s in all
    assert fake.hits["drip"] == 1  # one attempt of the three allowed


async def test_the_digest_deadline_fails_what_is_not_done(hostile: tuple[HostileFeeds, str]) -> None:
    _, base = hostile
    topic = topic_with({"China Daily": [f"{base}/drip", f"{base}/good.xml"]})
    started = time.monotonic()
    async with client() as c:
        articles, failed = await collect(topic, feeds(c, deadline=30, digest_deadline=0.6), DAY)
    assert time.monotonic() - started < 3
    assert [a.title for a in articles] == ["China and Japan hold talks"]
    assert failed_urls(failed) == {"drip": "not done within the digest's fetch deadline"}


async def test_a_gzip_bomb_is_abandoned_as_it_inflates(hostile: tuple[HostileFeeds, str]) -> None:
    fake, base = hostile
    fake.bomb_size = 64 * MB
    assert len(fake.bomb_bytes()) < MB // 8
    topic = topic_with({"China Daily": [f"{base}/bomb", f"{base}/good.xml"]})
    states = MemoryFeedStateStore()
    async with client() as c:
        tracemalloc.start()
        try:
            articles, failed = await collect(topic, feeds(c, max_body=MB, states=states), DAY)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert [a.title for a in articles] == ["China and Japan hold talks"]
    assert failed_urls(failed) == {"bomb": "BodyTooLarge: body over 1024 kB (decoded), not read further"}
    assert peak < 8 * MB  # 64 MB inflated would need 64 MB
    assert list(states.states) == []  # nothing of it stored (nor of the good feed: no validators)


@pytest.mark.parametrize("declared", [True, False])
async def test_an_oversized_plain_body_fails_that_feed(hostile: tuple[HostileFeeds, str], declared: bool) -> None:
    fake, base = hostile
    fake.bodies["big.xml"] = RSS_HEAD + GOOD_ITEM * (2 * MB // len(GOOD_ITEM)) + RSS_TAIL
    topic = topic_with({"China Daily": [f"{base}/big.xml", f"{base}/good.xml"]})
    async with client() as c:
        articles, failed = await collect(topic, feeds(c, max_body=MB), DAY)
    assert [a.title for a in articles] == ["China and Japan hold talks"]
    assert list(failed_urls(failed)) == ["big.xml"]
    assert "body over 1024 kB" in failed[0].error


@pytest.mark.parametrize(
    ("encoding", "body", "error"),
    [
        ("gzip", b"\x1f\x8b\x08\x00 this is not deflate data", "error: Error -3 while decompressing data"),
        ("br", b"whatever", "UnsupportedEncoding: Content-Encoding 'br' not supported"),
        ("gzip, gzip", b"x", "UnsupportedEncoding: Content-Encoding 'gzip, gzip' not supported"),
    ],
)
async def test_a_broken_or_unasked_encoding_fails_that_feed(
    hostile: tuple[HostileFeeds, str], encoding: str, body: bytes, error: str
) -> None:
    fake, base = hostile
    fake.bodies["enc.xml"], fake.encodings["enc.xml"] = body, encoding
    topic = topic_with({"China Daily": [f"{base}/enc.xml", f"{base}/good.xml"]})
    async with client() as c:
        articles, failed = await collect(topic, feeds(c), DAY)
    assert [a.title for a in articles] == ["China and Japan hold talks"]
    assert list(failed_urls(failed)) == ["enc.xml"]
    assert error in failed[0].error
    assert fake.hits["enc.xml"] == 1  # not retried: the same bytes would come again


async def test_google_news_caps_endless_text_and_drops_control_characters(hostile: tuple[HostileFeeds, str]) -> None:
    fake, base = hostile
    long_title = "Japan " + "and China " * 1000 + "\x1b[31m\u202eend"
    fake.bodies["rss/search"] = RSS_HEAD + rss_item(long_title, "https://news.google.com/x/1", GOOD_DATE) + RSS_TAIL
    topic = topic_with({})
    async with client() as c:
        source = GoogleNewsSource(c, base, attempts=1, backoff=0, digest_deadline=10, max_body=MB)
        articles, failed = await collect(topic, source, DAY)
    assert failed == []
    assert articles
    for a in articles:
        assert len(a.title) <= MAX_TITLE
        assert a.title.endswith("…")
        assert "\x1b" not in a.title and "\u202e" not in a.title


def test_clean_text_caps_and_strips() -> None:
    # invisible characters go without a trace (a zero-width space inside a word leaves it whole)
    assert clean_text("a\x00b\x1b[0m\u202ec\x7f\td\r\n") == "abc d"
    assert clean_text("Chi\u00adna\u200b and J\U000e0041apan") == "China and Japan"
    assert len(clean_text("word " * 10_000, MAX_SUMMARY)) <= MAX_SUMMARY
    assert cut("one two three", 9) == "one two…"
    assert cut("short", 9) == "short"
    assert cut("x" * 20, 9) == "x" * 8 + "…"


BAD_REFERENCES = [
    "&#xD800;",
    "&#xdfff;",
    "&#55296;",
    "&#0;",
    "&#x0;",
    "&#x110000;",
    "&#xFFFE;",
    "&#x1F;",
    "&#99999999999999999999;",
    "&#x0000000000D800;",
]


@pytest.mark.parametrize("reference", BAD_REFERENCES)
@pytest.mark.parametrize("codec", ["utf-8", "utf-16"])
async def test_a_bad_character_reference_costs_that_character_not_the_feed(
    hostile: tuple[HostileFeeds, str], reference: str, codec: str
) -> None:
    """One of ten items carries a reference to a character XML forbids (a surrogate, NUL, beyond
    U+10FFFF...) in its title and description: all ten items come through, without that character."""
    fake, base = hostile
    items = b"".join(
        rss_item(
            f"China and Japan talks {k}{reference if k == 3 else ''}", f"https://www.chinadaily.com.cn/a/{k}", GOOD_DATE
        ).replace(b"</item>", f"<description>Text {k}{reference}</description></item>".encode())
        for k in range(10)
    )
    body = RSS_HEAD + items + RSS_TAIL
    if codec != "utf-8":
        body = body.decode().replace('encoding="UTF-8"', f'encoding="{codec.upper()}"').encode(codec)
    fake.bodies["refs.xml"] = body
    topic = topic_with({"China Daily": [f"{base}/refs.xml"]}, no_google=frozenset({"China Daily"}))
    async with client() as c:
        articles, failed = await collect(topic, feeds(c), DAY)
    assert failed == []
    assert sorted(a.title for a in articles) == [f"China and Japan talks {k}" for k in range(10)]
    assert sorted(a.summary for a in articles) == [f"Text {k}" for k in range(10)]


def test_valid_character_references_are_kept() -> None:
    body = b"<title>&#x41;&#66;&#x1F600;&#9;&#x10FFFF;&#xD7FF;&#xE000;&#38;</title>"
    assert without_forbidden_references(body) == body
    assert without_forbidden_references(b"a&#xD800;b&#0;c&#x110000;d") == b"abcd"
