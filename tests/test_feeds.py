"""Outlets' own feeds against fake servers on 127.0.0.1: formats, charsets, gzip, 304, errors, politeness."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import UTC, date, datetime

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from digest_core.dates import digest_window
from digest_core.errors import TopicsFileError
from digest_core.fetch.collect import NewsSources
from digest_core.fetch.feed_parsing import collect
from digest_core.fetch.feed_state import FeedState, MemoryFeedStateStore, SqlFeedStateStore
from digest_core.fetch.google_news import GoogleNewsSource
from digest_core.fetch.outlet_feeds import OutletFeedSource, inflate
from digest_core.fetch.polite import HostLimiter, PoliteClient, retry_after, user_agent
from digest_core.topics import Topic, default_topics_path, load_topics
from testkit.fakes.google_news import GoogleNewsFake
from testkit.fakes.outlet_feeds import FakeFeed, FeedItem, OutletFeedsFake
from testkit.fakes.server import ThreadedServer

DAY = date(2026, 2, 25)  # window: 2026-02-24 04:00 to 2026-02-25 04:00 UTC
IN_WINDOW = datetime(2026, 2, 25, 1, 0, tzinfo=UTC)
UA = user_agent("https://example.org/digestbot-contact")


def topic_with(feeds: dict[str, list[str]], no_google: frozenset[str] = frozenset()) -> Topic:
    """The shipped china-japan topic, with feeds added to the named outlets."""
    data = tomllib.loads(default_topics_path().read_text())
    raw = data["topics"][0]
    for perspective in raw["perspectives"]:
        for outlet in perspective["outlets"]:
            outlet["feeds"] = feeds.get(outlet["name"], [])
            outlet["google_news"] = outlet["name"] not in no_google
    return Topic.model_validate(raw)


@pytest.fixture
def outlets() -> Iterator[tuple[OutletFeedsFake, str]]:
    fake = OutletFeedsFake()
    with ThreadedServer(fake.app()) as server:
        yield fake, server.base_url


def feed_source(
    client: httpx.AsyncClient, states: MemoryFeedStateStore | SqlFeedStateStore | None = None, **kw: object
) -> OutletFeedSource:
    http = PoliteClient(client, HostLimiter(2), attempts=3, backoff=0.0, **kw)  # type: ignore[arg-type]
    return OutletFeedSource(http, states or MemoryFeedStateStore())


def client() -> httpx.AsyncClient:
    return httpx.AsyncClient(headers={"User-Agent": UA}, timeout=5, follow_redirects=True)


ITEMS = [
    FeedItem("China and Japan hold talks on the seafood ban", "https://www.chinadaily.com.cn/a/1.html", IN_WINDOW),
    FeedItem("Beijing warns Tokyo over Taiwan remarks", "https://www.chinadaily.com.cn/a/2.html", IN_WINDOW),
]


async def test_rss_and_atom_feeds_become_publisher_linked_articles(outlets: tuple[OutletFeedsFake, str]) -> None:
    fake, base = outlets
    fake.feeds["cd.xml"] = FakeFeed(items=ITEMS)
    fake.feeds["kyodo.atom"] = FakeFeed(
        format="atom",
        content_type="application/atom+xml",
        items=[FeedItem("Japan & China: defence chiefs meet", "https://english.kyodonews.net/news/9.html", IN_WINDOW)],
    )
    topic = topic_with({"China Daily": [f"{base}/cd.xml"], "Kyodo News": [f"{base}/kyodo.atom"]})
    async with client() as c:
        articles, failed = await collect(topic, feed_source(c), DAY)
    assert failed == []
    by_title = {a.title: a for a in articles}
    assert set(by_title) == {*(i.title for i in ITEMS), "Japan & China: defence chiefs meet"}
    atom = by_title["Japan & China: defence chiefs meet"]
    assert (atom.outlet, atom.perspective, atom.published) == ("Kyodo News", "japan", IN_WINDOW)
    assert atom.publisher_url == atom.url == atom.link == "https://english.kyodonews.net/news/9.html"
    assert atom.publisher_domain == "english.kyodonews.net"
    assert by_title[ITEMS[0].title].outlet == "China Daily"
    assert {h["user-agent"] for _, h in fake.requests} == {UA}
    assert UA == "Digestbot/0.1 (+https://example.org/digestbot-contact)"


async def test_wrong_charset_in_the_xml_declaration_gives_clean_titles(outlets: tuple[OutletFeedsFake, str]) -> None:
    fake, base = outlets
    title = "Japan’s premier meets China’s envoy — café diplomacy"
    fake.feeds["latin.xml"] = FakeFeed(
        items=[FeedItem(title, "https://www.japantimes.co.jp/news/1/", IN_WINDOW)],
        declared_encoding="ISO-8859-1",  # the bytes are UTF-8
        content_type="application/xml",
    )
    topic = topic_with({"The Japan Times": [f"{base}/latin.xml"]})
    async with client() as c:
        articles, failed = await collect(topic, feed_source(c), DAY)
    assert failed == []
    assert [a.title for a in articles] == [title]


@pytest.mark.parametrize("how", ["content-encoding", "gzip-file"])
async def test_gzip_compressed_feeds(outlets: tuple[OutletFeedsFake, str], how: str) -> None:
    fake, base = outlets
    fake.feeds["gz.xml"] = FakeFeed(items=ITEMS, gzip=how == "content-encoding", gzip_file=how == "gzip-file")
    topic = topic_with({"China Daily": [f"{base}/gz.xml"]})
    async with client() as c:
        articles, failed = await collect(topic, feed_source(c), DAY)
    assert failed == []
    assert sorted(a.title for a in articles) == sorted(i.title for i in ITEMS)
    assert "gzip" in fake.headers_of("gz.xml")[0]["accept-encoding"]
    assert fake.gzipped["gz.xml"] == (1 if how == "content-encoding" else 0)


def test_inflate_leaves_plain_bodies_and_rejects_broken_gzip() -> None:
    assert inflate(b"<rss/>") == b"<rss/>"
    with pytest.raises(ValueError, match="broken gzip"):
        inflate(b"\x1f\x8b\x08\x00garbage")


async def test_second_fetch_is_conditional_and_304_reuses_the_stored_items(
    outlets: tuple[OutletFeedsFake, str], engine: AsyncEngine
) -> None:
    fake, base = outlets
    fake.feeds["cd.xml"] = FakeFeed(items=ITEMS, etag='"abc"', last_modified="Wed, 25 Feb 2026 03:00:00 GMT")
    topic = topic_with({"China Daily": [f"{base}/cd.xml"]})
    states = SqlFeedStateStore(engine)
    async with client() as c:
        first, _ = await collect(topic, feed_source(c, states), DAY)
        stored = await states.get(f"{base}/cd.xml")
        assert stored is not None
        assert (stored.etag, stored.last_modified) == ('"abc"', "Wed, 25 Feb 2026 03:00:00 GMT")
        results = await feed_source(c, SqlFeedStateStore(engine)).fetch(topic, digest_window(topic, DAY))
        second, failed = await collect(topic, feed_source(c, SqlFeedStateStore(engine)), DAY)
    first_headers, *later = fake.headers_of("cd.xml")
    assert "if-none-match" not in first_headers
    assert [(h["if-none-match"], h["if-modified-since"]) for h in later] == [
        ('"abc"', "Wed, 25 Feb 2026 03:00:00 GMT")
    ] * 2
    assert fake.not_modified["cd.xml"] == 2
    assert [(r.status, r.not_modified) for r in results] == [(304, True)]
    assert failed == []
    assert sorted(a.title for a in second) == sorted(a.title for a in first) == sorted(i.title for i in ITEMS)


async def test_feed_state_is_replaced_on_a_new_200(engine: AsyncEngine) -> None:
    states = SqlFeedStateStore(engine)
    url = "https://example.com/" + "x" * 3000  # longer than any index would take
    await states.put(FeedState(url, b"<rss>1</rss>", IN_WINDOW, etag='"1"'))
    await states.put(FeedState(url, b"<rss>2</rss>", IN_WINDOW, etag='"2"', content_type="text/xml"))
    got = await states.get(url)
    assert got is not None
    assert (got.body, got.etag, got.last_modified, got.content_type) == (b"<rss>2</rss>", '"2"', None, "text/xml")
    assert await states.get("https://example.com/other") is None


async def test_relative_links_are_resolved_against_the_feed_url(outlets: tuple[OutletFeedsFake, str]) -> None:
    fake, base = outlets
    fake.feeds["news/feed.xml"] = FakeFeed(
        items=[
            FeedItem("China and Japan trade envoys", "/world/2026/02/25/envoys.html", IN_WINDOW),
            FeedItem("Japan protests Chinese drills", "story-2.html", IN_WINDOW),
        ]
    )
    fake.feeds["old-feed.xml"] = FakeFeed(redirect_to="/news/feed.xml")
    topic = topic_with({"Nikkei Asia": [f"{base}/old-feed.xml"]})
    async with client() as c:
        articles, failed = await collect(topic, feed_source(c), DAY)
    assert failed == []
    assert sorted(a.url for a in articles) == [
        f"{base}/news/story-2.html",  # relative to the final URL, after the redirect
        f"{base}/world/2026/02/25/envoys.html",
    ]
    assert {a.outlet for a in articles} == {"Nikkei Asia"}


async def test_html_instead_of_a_feed_is_a_clear_error_and_the_other_sources_still_count(
    outlets: tuple[OutletFeedsFake, str], google_news: tuple[GoogleNewsFake, str]
) -> None:
    fake, base = outlets
    _, gn_base = google_news
    fake.feeds["cgtn.html"] = FakeFeed(format="html", content_type="text/html; charset=utf-8")
    fake.feeds["cd.xml"] = FakeFeed(items=ITEMS)
    topic = topic_with({"CGTN": [f"{base}/cgtn.html"], "China Daily": [f"{base}/cd.xml"]})
    async with client() as c:
        google = GoogleNewsSource(c, gn_base, attempts=1)
        articles, failed = await collect(topic, NewsSources([google, feed_source(c)]), DAY)
    assert [(f.outlet, f.error) for f in failed] == [
        (
            "CGTN",
            f"feed {base}/cgtn.html: not a valid feed: the server sent an HTML page, not RSS or Atom"
            " (check the feed URL)",
        )
    ]
    assert {a.outlet for a in articles} == {o.name for _, o in topic.all_outlets}  # CGTN still via Google News
    assert {i.title for i in ITEMS} <= {a.title for a in articles}


async def test_429_waits_as_long_as_retry_after_asks(outlets: tuple[OutletFeedsFake, str]) -> None:
    fake, base = outlets
    fake.feeds["busy.xml"] = FakeFeed(items=ITEMS, faults=["429", "503", "ok"], retry_after="7")
    topic = topic_with({"China Daily": [f"{base}/busy.xml"]})
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async with client() as c:
        articles, failed = await collect(topic, feed_source(c, sleep=sleep), DAY)
    assert failed == []
    assert len(articles) == 2
    assert fake.hits["busy.xml"] == 3
    assert waits == [7.0, 7.0]  # backoff is 0 here: only Retry-After makes it wait


async def test_a_retry_after_beyond_the_cap_fails_the_source_at_once(outlets: tuple[OutletFeedsFake, str]) -> None:
    fake, base = outlets
    fake.feeds["busy.xml"] = FakeFeed(items=ITEMS, faults=["429"], retry_after="3600")
    topic = topic_with({"China Daily": [f"{base}/busy.xml"]})
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async with client() as c:
        articles, failed = await collect(topic, feed_source(c, sleep=sleep, max_retry_after=60.0), DAY)
    assert articles == []
    assert [f.error for f in failed] == [f"feed {base}/busy.xml: HTTP 429, Retry-After 3600 s (over the 60 s allowed)"]
    assert fake.hits["busy.xml"] == 1
    assert waits == []


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 2, 25, 12, 0, tzinfo=UTC)
    assert retry_after("120", now) == 120.0
    assert retry_after("Wed, 25 Feb 2026 12:01:30 GMT", now) == 90.0
    assert retry_after("Wed, 25 Feb 2026 11:00:00 GMT", now) == 0.0
    assert retry_after("soon", now) is None
    assert retry_after(None, now) is None


async def test_at_most_two_requests_in_flight_per_host(outlets: tuple[OutletFeedsFake, str]) -> None:
    fake, base = outlets
    fake.latency = 0.1
    urls = []
    for k in range(6):
        fake.feeds[f"f{k}.xml"] = FakeFeed(items=[FeedItem(f"China and Japan item {k}", f"/a/{k}", IN_WINDOW)])
        urls.append(f"{base}/f{k}.xml")
    topic = topic_with({"China Daily": urls[:3], "Global Times": urls[3:]})
    async with client() as c:
        articles, failed = await collect(topic, feed_source(c), DAY)
    assert failed == []
    assert len(articles) == 6
    assert fake.max_in_flight == 2


async def test_an_outlet_can_skip_google_news(
    outlets: tuple[OutletFeedsFake, str], google_news: tuple[GoogleNewsFake, str]
) -> None:
    fake, base = outlets
    gn_fake, gn_base = google_news
    fake.feeds["cd.xml"] = FakeFeed(items=ITEMS)
    topic = topic_with({"China Daily": [f"{base}/cd.xml"]}, no_google=frozenset({"China Daily"}))
    async with client() as c:
        results = await NewsSources([GoogleNewsSource(c, gn_base), feed_source(c)]).fetch(
            topic, digest_window(topic, DAY)
        )
    assert "site:chinadaily.com.cn" not in " ".join(q["q"] for q in gn_fake.requests)
    assert len(gn_fake.requests) == 6
    assert [(r.outlet.name, r.kind) for r in results if r.outlet.name == "China Daily"] == [("China Daily", "feed")]


@pytest.mark.parametrize(
    ("outlet", "message"),
    [
        ('feeds = ["ftp://example.com/feed"]', "is not an http(s) feed URL"),
        ("google_news = false", "has google_news = false and no feeds: nothing to read"),
        ('feeds = ["https://a.com/f", "https://a.com/f"]', "feed URLs must be unique"),
    ],
)
def test_topics_file_rejects_bad_feed_settings(tmp_path: object, outlet: str, message: str) -> None:
    from pathlib import Path

    text = default_topics_path().read_text().replace('domains = ["cgtn.com"]', f'domains = ["cgtn.com"]\n    {outlet}')
    path = Path(str(tmp_path)) / "topics.toml"
    path.write_text(text)
    with pytest.raises(TopicsFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_topics(path)
