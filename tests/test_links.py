"""Publisher links for Google News items: a redirect resolver on 127.0.0.1, the cache, pacing, failures."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.markdown_site import render_markdown
from digest_core.editorial.pipeline import build_digest
from digest_core.models import Article
from digest_core.sources.collect import NewsSources
from digest_core.sources.google_news import GoogleNewsSource
from digest_core.sources.polite import RateLimiter
from digest_core.sources.publisher_links import PublisherLinks, RedirectLinkResolver, SqlLinkCache
from digest_core.summarize import ExtractiveSummarizer
from digest_core.topics import Topic
from tests.fakes.google_news import GoogleNewsFake
from tests.fakes.server import ThreadedServer

WHEN = datetime(2026, 2, 25, 1, 0, tzinfo=UTC)
DAY = date(2026, 2, 25)


@dataclass
class Redirector:
    """Like a link shortener: /go/ID answers 302 to /hop/ID, which answers 301 to `targets[ID]`."""

    targets: dict[str, str] = field(default_factory=dict)
    slow: set[str] = field(default_factory=set)
    hits: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/go/{id}", self.go)
        app.router.add_get("/hop/{id}", self.hop)
        return app

    async def go(self, request: web.Request) -> web.StreamResponse:
        key = request.match_info["id"]
        self.hits[key] += 1
        if key in self.slow:
            await asyncio.sleep(2)
        if key not in self.targets:
            return web.Response(text="<html>a page that redirects with JavaScript</html>", content_type="text/html")
        if self.targets[key] == "404":
            return web.Response(status=404)
        raise web.HTTPFound(location=f"/hop/{key}")

    async def hop(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently(location=self.targets[request.match_info["id"]])


@pytest.fixture
def redirector() -> Iterator[tuple[Redirector, str]]:
    fake = Redirector()
    with ThreadedServer(fake.app()) as server:
        yield fake, server.base_url


def article(url: str, title: str = "China and Japan hold talks", outlet: str = "China Daily") -> Article:
    return Article(title=title, url=url, outlet=outlet, domain="chinadaily.com.cn", perspective="china", published=WHEN)


def links(client: httpx.AsyncClient, engine: AsyncEngine, **kw: object) -> PublisherLinks:
    kw.setdefault("interval", 0.0)
    return PublisherLinks(RedirectLinkResolver(client), SqlLinkCache(engine), **kw)  # type: ignore[arg-type]


def every(_: Article) -> bool:
    return True


async def test_redirects_are_followed_to_the_publisher_and_cached(
    redirector: tuple[Redirector, str], engine: AsyncEngine
) -> None:
    fake, base = redirector
    fake.targets["a"] = "https://www.chinadaily.com.cn/a/202602/25/WS1.html"  # never requested (not loopback)
    async with httpx.AsyncClient(timeout=2) as client:
        first = await links(client, engine).attach([article(f"{base}/go/a")], every)
        again = links(client, engine)
        second = await again.attach([article(f"{base}/go/a")], every)
    assert first[0].publisher_url == second[0].publisher_url == "https://www.chinadaily.com.cn/a/202602/25/WS1.html"
    assert first[0].link == first[0].publisher_url
    assert first[0].url == f"{base}/go/a"
    assert first[0].publisher_domain == "chinadaily.com.cn"
    assert fake.hits["a"] == 1
    assert again.resolved == 0


@pytest.mark.parametrize("case", ["no-redirect", "404", "timeout"])
async def test_a_failure_keeps_the_google_link_and_is_not_retried_at_once(
    redirector: tuple[Redirector, str], engine: AsyncEngine, case: str
) -> None:
    fake, base = redirector
    if case == "404":
        fake.targets[case] = "404"
    if case == "timeout":
        fake.targets[case] = "https://www.chinadaily.com.cn/a/1.html"
        fake.slow.add(case)
    now = [WHEN]
    async with httpx.AsyncClient(timeout=5) as client:
        resolve = links(client, engine, timeout=0.2, clock=lambda: now[0])
        got = await resolve.attach([article(f"{base}/go/{case}")], every)
        assert got[0].publisher_url is None
        assert got[0].link == f"{base}/go/{case}"
        await resolve.attach([article(f"{base}/go/{case}")], every)
        assert fake.hits[case] == 1  # the failure is cached
        now[0] = WHEN + timedelta(days=2)
        await resolve.attach([article(f"{base}/go/{case}")], every)
        assert fake.hits[case] == 2  # and asked again once it is old


async def test_only_wanted_articles_and_at_most_max_per_build_are_asked(
    redirector: tuple[Redirector, str], engine: AsyncEngine
) -> None:
    fake, base = redirector
    for k in "abcde":
        fake.targets[k] = f"https://www.chinadaily.com.cn/a/{k}.html"
    arts = [article(f"{base}/go/{k}", title=f"t{k}") for k in "abcde"]
    async with httpx.AsyncClient(timeout=2) as client:
        got = await links(client, engine, max_per_build=2).attach(arts, lambda a: a.title != "ta")
    assert fake.hits["a"] == 0
    assert sum(fake.hits.values()) == 2
    assert [a.publisher_url is not None for a in got] == [False, True, True, False, False]


async def test_rate_limiter_spaces_calls_by_the_interval() -> None:
    clock = [100.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    pace = RateLimiter(5.0, clock=lambda: clock[0], sleep=sleep)
    await asyncio.gather(*(pace.wait() for _ in range(4)))
    assert waits == [5.0, 5.0, 5.0]


async def test_google_items_get_publisher_links_only_on_the_outlets_own_domain(
    topic: Topic,
    google_news: tuple[GoogleNewsFake, str],
    redirector: tuple[Redirector, str],
    engine: AsyncEngine,
) -> None:
    gn, gn_base = google_news
    fake, base = redirector
    fake.targets["good"] = "https://www.chinadaily.com.cn/a/202602/25/WS9.html"
    fake.targets["consent"] = "https://consent.example.net/?continue=x"
    gn.extra_items["chinadaily.com.cn"] = [
        (
            f"<item><title>China and Japan {k} talks on seafood ban - China Daily</title>"
            f"<link>{base}/go/{k}</link><pubDate>Wed, 25 Feb 2026 01:00:00 GMT</pubDate>"
            '<source url="https://www.chinadaily.com.cn">China Daily</source></item>'
        ).encode()
        for k in ("good", "consent")
    ]
    async with httpx.AsyncClient(timeout=2) as client:
        source = NewsSources([GoogleNewsSource(client, gn_base, attempts=1)], links=links(client, engine))
        digest = await build_digest(topic, DAY, source, ExtractiveSummarizer(), WHEN + timedelta(days=1))
    by_title = {a.title: a for a in digest.articles}
    good = by_title["China and Japan good talks on seafood ban"]
    consent = by_title["China and Japan consent talks on seafood ban"]
    assert good.publisher_url == "https://www.chinadaily.com.cn/a/202602/25/WS9.html"
    assert consent.publisher_url is None
    assert consent.link == f"{base}/go/consent"
    page = render_markdown(digest)
    good_line = f"[China and Japan good talks on seafood ban]({good.publisher_url})"
    good_line += " - China Daily (state-owned) (2/25/2026)"
    assert good_line in page
    assert f"({base}/go/consent)" in page
    assert f"({base}/go/good)" not in page
