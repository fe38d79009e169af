"""Publisher links for Google News items: the decoder through `PublisherLinks` and the production
wiring, against the loopback Google News fake: the cache, the cap, the outlet check, pacing, off."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.markdown_site import render_markdown
from bot.outbound import make_outbound_client
from bot.settings import Settings
from bot.wiring import make_source
from digest_core.editorial.pipeline import build_digest
from digest_core.fetch.collect import NewsSources
from digest_core.fetch.google_links import GoogleLinkDecoder, Resolution
from digest_core.fetch.google_news import GoogleNewsSource
from digest_core.fetch.publisher_links import PublisherLinks, SqlLinkCache
from digest_core.models import Article, Digest
from digest_core.pacing import RateLimiter
from digest_core.summarize import ExtractiveSummarizer
from digest_core.topics import Topic, load_topics
from testkit.fakes.google_links import FixtureLink, fixture_links
from testkit.fakes.google_news import FIXTURES, GoogleNewsFake

WHEN = datetime(2026, 2, 25, 1, 0, tzinfo=UTC)
DAY = date(2026, 2, 25)
BUILT_AT = WHEN + timedelta(days=1)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as c:
        yield c


def article(f: FixtureLink) -> Article:
    return Article(title=f.title, url=f.link, outlet=f.site, domain=f.site, perspective="p", published=WHEN)


def links(client: httpx.AsyncClient, base: str, engine: AsyncEngine, **kw: object) -> PublisherLinks:
    return PublisherLinks(GoogleLinkDecoder(client, base, interval=0), SqlLinkCache(engine), **kw)  # type: ignore[arg-type]


def every(_: Article) -> bool:
    return True


async def test_answers_are_cached_so_a_second_run_asks_google_nothing(
    google_news: tuple[GoogleNewsFake, str], client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    fake, base = google_news
    arts = [article(f) for f in fixture_links(FIXTURES, "2026-02-25")]
    first = await links(client, base, engine).attach(arts, every)
    assert [a.publisher_url for a in first] == [fake.links.targets[f.id] for f in fixture_links(FIXTURES, "2026-02-25")]
    assert (fake.links.page_gets, fake.links.posts) == (20, 1)
    again = links(client, base, engine)
    second = await again.attach(arts, every)
    assert [a.publisher_url for a in second] == [a.publisher_url for a in first]
    assert (fake.links.page_gets, fake.links.posts) == (20, 1)
    assert again.asked == 0


async def test_a_refused_link_is_cached_as_a_failure_and_asked_again_a_day_later(
    google_news: tuple[GoogleNewsFake, str], client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    fake, base = google_news
    f = fixture_links(FIXTURES, "2026-02-25")[0]
    del fake.links.targets[f.id]
    now = [WHEN]
    resolve = links(client, base, engine, clock=lambda: now[0])
    got = await resolve.attach([article(f)], every)
    assert got[0].publisher_url is None
    assert got[0].link == f.link
    await resolve.attach([article(f)], every)
    assert fake.links.page_gets == 1  # the failure is cached
    now[0] = WHEN + timedelta(days=2)
    await resolve.attach([article(f)], every)
    assert fake.links.page_gets == 2  # and asked again once it is old


async def test_links_not_asked_because_decoding_stopped_are_not_cached(
    google_news: tuple[GoogleNewsFake, str], client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    fake, base = google_news
    fake.links.page_faults = ["consent", "ok"]
    arts = [article(f) for f in fixture_links(FIXTURES, "2026-02-25")[:3]]
    got = await links(client, base, engine).attach(arts, every)
    assert [a.link for a in got] == [a.url for a in arts]
    got = await links(client, base, engine).attach(arts, every)  # the next build asks again, and gets them
    assert all(a.publisher_url for a in got)
    assert fake.links.page_gets == 1 + 3


async def test_only_wanted_articles_and_at_most_max_per_build_spread_over_outlets(
    google_news: tuple[GoogleNewsFake, str], client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    fake, base = google_news
    day = fixture_links(FIXTURES, "2026-02-25")
    arts = [article(f) for f in day]
    skipped = arts[0]
    got = await links(client, base, engine, max_per_build=7).attach(arts, lambda a: a is not skipped)
    decoded = [a for a in got if a.publisher_url]
    assert len(decoded) == 7
    assert skipped not in decoded
    assert len({a.outlet for a in decoded}) == 7  # one per outlet before a second from any
    assert fake.links.page_gets == 7


async def test_rate_limiter_spaces_calls_by_the_interval() -> None:
    clock = [100.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    pace = RateLimiter(5.0, clock=lambda: clock[0], sleep=sleep)
    await asyncio.gather(*(pace.wait() for _ in range(4)))
    assert waits == [5.0, 5.0, 5.0]


async def test_requests_to_google_are_paced_one_at_a_time(
    google_news: tuple[GoogleNewsFake, str], client: httpx.AsyncClient
) -> None:
    fake, base = google_news
    fake.links.latency = 0.05
    clock = [0.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    dec = GoogleLinkDecoder(client, base, pace=RateLimiter(2.0, clock=lambda: clock[0], sleep=sleep))
    day = fixture_links(FIXTURES, "2026-02-25")[:4]
    await asyncio.gather(dec.resolve([f.link for f in day[:2]]), dec.resolve([f.link for f in day[2:]]))
    assert fake.links.page_gets + fake.links.posts == 6
    assert waits == [2.0] * 5
    assert fake.links.max_in_flight == 1  # two runs at once, yet one request at a time


async def test_google_items_get_publisher_links_only_on_the_outlets_own_domain(
    topic: Topic, google_news: tuple[GoogleNewsFake, str], client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    fake, base = google_news
    daily = [f for f in fixture_links(FIXTURES, "2026-02-25") if f.site == "chinadaily.com.cn"]
    fake.links.targets[daily[0].id] = "https://www.globaltimes.cn/page/202602/1355000.shtml"  # another outlet's
    fake.links.targets[daily[1].id] = "https://consent.google.com/ml?continue=x"
    source = NewsSources([GoogleNewsSource(client, base, attempts=1)], links=links(client, base, engine))
    digest = await build_digest(topic, DAY, source, ExtractiveSummarizer(), BUILT_AT)
    by_url = {a.url: a for a in digest.articles}
    refused = [by_url[f.link] for f in daily[:2] if f.link in by_url]
    assert refused, "the refused China Daily items must be in the digest"
    assert all(a.publisher_url is None and a.link.startswith("https://news.google.com/") for a in refused)
    others = [a for a in digest.articles if a.url not in {f.link for f in daily[:2]}]
    assert others and all(a.publisher_url == fake.links.targets[a.url.split("/")[-1].split("?")[0]] for a in others)
    page = render_markdown(digest)
    assert all(f"({a.publisher_url})" in page for a in others)
    assert all(f"({a.url})" not in page for a in others)


def settings(base: str, tmp_path: Path, **kw: object) -> Settings:
    return Settings(
        google_news_base_url=base,
        data_dir=tmp_path,
        fetch_attempts=1,
        publisher_links_interval=0,
        article_pages=False,  # pages live on real publishers' names: tests/test_articles_e2e.py reads them
        **kw,  # type: ignore[arg-type]
    )


async def build(s: Settings, engine: AsyncEngine, topic: Topic) -> Digest:
    """A build as production wires it: the outbound client and sources from the settings."""
    async with make_outbound_client(s, load_topics()) as client:
        return await build_digest(topic, DAY, make_source(s, client, engine), ExtractiveSummarizer(), BUILT_AT)


async def test_production_wiring_decodes_by_default_batched_and_cached(
    topic: Topic, google_news: tuple[GoogleNewsFake, str], engine: AsyncEngine, tmp_path: Path
) -> None:
    fake, base = google_news
    s = settings(base, tmp_path)
    assert Settings().publisher_links is True
    digest = await build(s, engine, topic)
    assert digest.articles and all(a.publisher_url for a in digest.articles)
    asked = fake.links.page_gets
    assert asked >= len(digest.articles)
    assert fake.links.posts == 1 < asked
    await build(s, engine, topic)  # a second build: every answer comes from the database
    assert (fake.links.page_gets, fake.links.posts) == (asked, 1)


async def test_decoding_off_asks_google_nothing(
    topic: Topic, google_news: tuple[GoogleNewsFake, str], engine: AsyncEngine, tmp_path: Path
) -> None:
    fake, base = google_news
    digest = await build(settings(base, tmp_path, publisher_links=False), engine, topic)
    assert digest.articles and all(a.publisher_url is None for a in digest.articles)
    assert fake.links.page_gets == fake.links.posts == 0


class BrokenResolver:
    """A resolver with a bug: it raises what no one expects."""

    async def resolve(self, urls: Sequence[str]) -> Mapping[str, Resolution]:
        raise RuntimeError("a bug")


async def test_a_failing_resolver_costs_the_links_never_the_articles(engine: AsyncEngine) -> None:
    arts = [article(f) for f in fixture_links(FIXTURES, "2026-02-25")[:3]]
    got = await PublisherLinks(BrokenResolver(), SqlLinkCache(engine)).attach(arts, every)
    assert got == arts
