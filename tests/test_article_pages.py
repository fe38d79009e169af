"""Kept articles' pages read politely from the fake publisher sites through the production client
(the outbound policy, TLS, FETCH_CONNECT_TO; real trafilatura, real protego): leads and metadata
filled, each failure mode named and costing only its article, robots.txt honoured, redirects
followed hop by hop, every request (retries and hops included) paced per host and port with hosts
in parallel, a 429 never retried, conditional GET, the per-build cap."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.demo_articles import STORIES, StoryText
from digest_core.fetch.article_pages import MAX_HOPS, ArticlePages
from digest_core.fetch.page_store import MemoryPageStore, PageRecord, PageStore, SqlPageStore
from digest_core.fetch.polite import HostLimiter, PoliteClient, host_of, read_timeout
from digest_core.models import Article
from digest_core.pacing import RateLimiter
from testkit.fakes.production_hosts import ServedPublishers, served_publishers
from testkit.fakes.publishers import FakePage, PublishersFake, page_url, publishers_fake

NOW = datetime(2026, 2, 25, 4, 0, tzinfo=UTC)
DAY2 = [s for s in STORIES if s.published.date() >= datetime(2026, 2, 24).date()]


def article(story: StoryText, **kw: object) -> Article:
    fields: dict[str, object] = {
        "title": story.title,
        "url": f"https://news.google.com/rss/articles/{abs(hash(story.title))}",
        "outlet": story.site,
        "domain": story.site,
        "perspective": "china" if story.site in ("chinadaily.com.cn", "globaltimes.cn", "cgtn.com") else "japan",
        "published": story.published,
        "publisher_url": page_url(story),
        **kw,
    }
    return Article(**fields)  # type: ignore[arg-type]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ServedPublishers]:
    fake, _ = publishers_fake(DAY2)
    with served_publishers(tmp_path, fake) as sites:
        yield sites


@pytest.fixture
def site(served: ServedPublishers) -> tuple[PublishersFake, ServedPublishers]:
    return served.fake, served


@pytest.fixture
async def client(served: ServedPublishers) -> AsyncIterator[httpx.AsyncClient]:
    async with served.client() as c:
        yield c


def moved(fake: PublishersFake, story: StoryText, to: str) -> str:
    """`story`'s page answers 301 to the URL `to`, where the fake serves the story."""
    target = httpx.URL(to)
    fake.pages[(target.host, target.raw_path.decode())] = FakePage(story)
    fake.redirects[page_url(story)] = to
    return to


class Clock:
    """Settable time for the reader's records (no wall clock)."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def reader(
    client: httpx.AsyncClient,
    store: PageStore | None = None,
    clock: Clock | None = None,
    deadline: float = 3.0,  # cuts the trickling page; room for a TLS handshake on a loaded machine
    **kw: object,
) -> ArticlePages:
    http = PoliteClient(
        client, HostLimiter(1), attempts=2, backoff=0.0, max_retry_after=2.0, deadline=deadline, max_body=512 * 1024
    )
    kw.setdefault("interval", 0.0)
    return ArticlePages(
        http,
        store or MemoryPageStore(),
        "Digestbot/0.1 (+https://example.org/bot)",
        clock=clock or Clock(),
        **kw,  # type: ignore[arg-type]
    )


def every(_: Article) -> bool:
    return True


def by_title(articles: list[Article]) -> dict[str, Article]:
    return {a.title: a for a in articles}


async def test_kept_articles_get_their_lead_language_section_and_opinion(
    site: tuple[PublishersFake, ServedPublishers], client: httpx.AsyncClient
) -> None:
    fake, _ = site
    wanted = {s.title for s in DAY2 if s.site != "scmp.com"}
    articles = [article(s) for s in DAY2]
    out = by_title(await reader(client).enrich(articles, wanted=lambda a: a.title in wanted))
    for story in DAY2:
        got = out[story.title]
        if story.site == "scmp.com":  # not kept: untouched, its page never asked for
            assert got == article(story)
            assert fake.requests_to(host_of(page_url(story)), httpx.URL(page_url(story)).path) == []
        elif story.site == "asia.nikkei.com":
            assert (got.lead, got.lead_missing, got.language) == ("", "paywall", "en")
        else:
            assert got.lead == "\n\n".join(story.paragraphs)
            assert got.lead_missing is None
            assert got.section == (None if story.site == "globaltimes.cn" else story.section)  # GT names none
    assert out["China issues dual-use blacklist of 20 Japanese entities"].language == "en-US"
    editorial = out["Takaichi's polished performance can't disguise her ulterior motives: China Daily editorial"]
    assert editorial.opinion and editorial.section == "Opinion"
    assert not out["Export curbs issued against Japanese entities with military connections"].opinion
    assert all(h.headers["User-Agent"].startswith("Digestbot/0.1") for h in fake.hits)


async def test_canonical_url_becomes_the_publisher_url_only_when_accepted(client: httpx.AsyncClient) -> None:
    story = DAY2[7]
    tracked = article(story, publisher_url=page_url(story) + "?utm_source=rss&utm_medium=feed")
    [kept] = await reader(client).enrich([tracked], every)
    assert kept.publisher_url == page_url(story) and kept.lead
    [refused] = await reader(client).enrich([tracked], every, accept=lambda a, url: False)
    assert refused.publisher_url == tracked.publisher_url and refused.lead


async def test_each_failure_mode_names_its_reason_and_leaves_the_others_intact(
    site: tuple[PublishersFake, ServedPublishers], client: httpx.AsyncClient
) -> None:
    fake, _ = site
    cd = [s for s in DAY2 if s.site == "chinadaily.com.cn"]
    jt = [s for s in DAY2 if s.site == "japantimes.co.jp"]
    cgtn = [s for s in DAY2 if s.site == "cgtn.com"]
    fake.set(page_url(cd[0]), mode="bot-wall")
    fake.set(page_url(jt[0]), mode="429", retry_after="3600")
    fake.set(page_url(cgtn[0]), mode="slow")
    fake.set(page_url(cgtn[1]), mode="huge")
    fake.set(page_url(cgtn[2]), mode="pdf")
    fake.set(page_url(cgtn[3]), mode="404")
    scmp = [s for s in DAY2 if s.site == "scmp.com"]
    fake.set(page_url(scmp[0]), encoding="gb2312")  # declares utf-8; its text is ASCII, so it still reads
    fake.robots["english.kyodonews.net"] = "User-agent: *\nDisallow: /news/\n"
    fake.robots["www.globaltimes.cn"] = 503
    out = by_title(await reader(client).enrich([article(s) for s in DAY2], every))
    reasons = {t: a.lead_missing for t, a in out.items()}
    assert reasons[cd[0].title] == "bot wall (HTTP 403)"
    assert reasons[cd[1].title] == "not asked: bot wall (HTTP 403) earlier in this build"
    assert reasons[jt[0].title] == "rate limited (HTTP 429)"
    assert all(reasons[s.title] == "not asked: rate limited (HTTP 429) earlier in this build" for s in jt[1:])
    assert len(fake.requests_to("www.japantimes.co.jp", httpx.URL(page_url(jt[0])).path)) == 1  # 1 h wait refused
    assert reasons[cgtn[0].title] == "timed out"
    assert reasons[cgtn[1].title] == "over 512 kB"
    assert reasons[cgtn[2].title] == "not HTML (application/pdf)"
    assert reasons[cgtn[3].title] == "HTTP 404"
    kyodo = next(s for s in DAY2 if s.site == "english.kyodonews.net")
    assert reasons[kyodo.title] == "robots.txt disallows"
    gt = next(s for s in DAY2 if s.site == "globaltimes.cn")
    assert reasons[gt.title] == "robots.txt unavailable (HTTP 503 after 2 attempts)"
    for story in scmp:  # the host with no failure: every lead read
        assert out[story.title].lead == "\n\n".join(story.paragraphs)
        assert reasons[story.title] is None


async def test_robots_disallow_means_no_page_request_and_robots_is_asked_once_per_host(
    site: tuple[PublishersFake, ServedPublishers], client: httpx.AsyncClient
) -> None:
    fake, _ = site
    jt = [s for s in DAY2 if s.site == "japantimes.co.jp"]
    fake.robots["www.japantimes.co.jp"] = f"User-agent: Digestbot\nDisallow: {httpx.URL(page_url(jt[0])).path}\n"
    fake.robots["www.scmp.com"] = "User-agent: *\nDisallow: /\n\nUser-agent: Googlebot\nAllow: /\n"
    out = by_title(await reader(client).enrich([article(s) for s in DAY2], every))
    assert out[jt[0].title].lead_missing == "robots.txt disallows"
    assert [h.path for h in fake.requests_to("www.japantimes.co.jp")].count(httpx.URL(page_url(jt[0])).path) == 0
    assert all(out[s.title].lead for s in jt[1:])
    assert [h.path for h in fake.requests_to("www.scmp.com")] == ["/robots.txt"]
    for host in {host_of(page_url(s)) for s in DAY2}:
        assert [h.path for h in fake.requests_to(host)].count("/robots.txt") == 1


async def test_robots_4xx_allows_everything(
    site: tuple[PublishersFake, ServedPublishers], client: httpx.AsyncClient
) -> None:
    fake, _ = site
    fake.robots["www.japantimes.co.jp"] = 404
    jt = [s for s in DAY2 if s.site == "japantimes.co.jp"]
    out = await reader(client).enrich([article(s) for s in jt], every)
    assert all(a.lead for a in out)


async def test_hosts_run_in_parallel_each_paced_at_its_interval_or_crawl_delay(
    site: tuple[PublishersFake, ServedPublishers], client: httpx.AsyncClient
) -> None:
    fake, _ = site
    fake.latency = 0.05
    fake.robots["www.japantimes.co.jp"] = "User-agent: *\nCrawl-delay: 3\n"
    scmp = [s for s in DAY2 if s.site == "scmp.com"]
    cd = [s for s in DAY2 if s.site == "chinadaily.com.cn"]
    fake.set(page_url(scmp[0]), faults=["500", "ok"])  # retried: the retry waits for its turn too
    moved(fake, cd[0], "https://www.scmp.com/moved/from-china-daily")  # a hop to another host: that host's pace
    clocks: dict[str, float] = {}  # virtual time per host and port: each host's waits advance its own clock

    def pacer(key: str, interval: float) -> RateLimiter:
        clocks[key] = 0.0

        async def sleep(seconds: float) -> None:
            clocks[key] += seconds

        return RateLimiter(interval, lambda: clocks[key], sleep)

    fake.stamp = lambda host: clocks.get(f"{host}:443", -1.0)
    pages = reader(client, deadline=15.0, interval=1.0, pacer=pacer)
    out = by_title(await pages.enrich([article(s) for s in DAY2], every))
    assert out[scmp[0].title].lead and out[cd[0].title].lead
    assert len(fake.requests_to("www.scmp.com", httpx.URL(page_url(scmp[0])).path)) == 2
    assert len(fake.requests_to("www.scmp.com", "/moved/from-china-daily")) == 1
    assert set(clocks) == {f"{host_of(page_url(s))}:443" for s in DAY2}  # paced per host and port
    for host in {host_of(page_url(s)) for s in DAY2}:
        times = [h.at for h in fake.requests_to(host)]
        gaps = [b - a for a, b in pairwise(times)]
        expected = 3.0 if host == "www.japantimes.co.jp" and len(times) > 1 else 1.0
        assert gaps and min(gaps) >= 1.0, host  # robots.txt first, then one request a second at most
        assert all(g >= expected for g in gaps[1:]), host  # after robots.txt: the crawl-delay, when longer
    assert fake.max_hosts_at_once >= 3  # hosts were read at the same time, not one after another


async def test_same_day_rebuild_asks_nothing_and_a_later_one_asks_conditionally(
    site: tuple[PublishersFake, ServedPublishers], client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    fake, _ = site
    clock = Clock()
    stories = [s for s in DAY2 if s.site in ("japantimes.co.jp", "asia.nikkei.com")]
    articles = [article(s) for s in stories]
    first = await reader(client, SqlPageStore(engine), clock).enrich(articles, every)
    asked = len(fake.hits)
    assert asked > 0

    clock.now = NOW + timedelta(hours=6)
    again = reader(client, SqlPageStore(engine), clock)
    assert await again.enrich(articles, every) == first
    assert (again.requests, len(fake.hits)) == (0, asked)

    clock.now = NOW + timedelta(hours=30)
    later = reader(client, SqlPageStore(engine), clock)
    assert await later.enrich(articles, every) == first
    pages = [h for h in fake.hits[asked:] if h.path != "/robots.txt"]
    jt_pages = [h for h in pages if h.host == "www.japantimes.co.jp"]
    assert len(jt_pages) == 3 and all(h.headers.get("If-None-Match", "").startswith('"') for h in jt_pages)
    assert all("If-None-Match" not in h.headers for h in pages if h.host == "asia.nikkei.com")  # no lead to keep
    jt = next(s for s in stories if s.site == "japantimes.co.jp")
    stored = await SqlPageStore(engine).get_many([page_url(jt)])
    record = next(iter(stored.values()))
    assert record.fetched_at == NOW + timedelta(hours=30) and record.lead


async def test_the_cap_per_build_is_shared_fairly_between_hosts(
    site: tuple[PublishersFake, ServedPublishers], client: httpx.AsyncClient
) -> None:
    fake, _ = site
    out = await reader(client, max_per_build=4).enrich([article(s) for s in DAY2], every)
    pages = [h for h in fake.hits if h.path != "/robots.txt"]
    assert len(pages) == 4
    assert len({h.host for h in pages}) == 4  # one per host, not four from the first outlet
    skipped = [a for a in out if a.lead_missing == "not read: over the 4 pages read per build"]
    assert len(skipped) == len(DAY2) - 4


async def test_a_429_is_never_retried_and_stops_its_host_for_the_build(
    site: tuple[PublishersFake, ServedPublishers], client: httpx.AsyncClient
) -> None:
    fake, _ = site
    jt = [s for s in DAY2 if s.site == "japantimes.co.jp"]
    fake.set(page_url(jt[0]), faults=["429", "ok"], retry_after="1")
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    http = PoliteClient(client, HostLimiter(), attempts=2, backoff=0.0, max_retry_after=2.0, sleep=sleep)
    pages = ArticlePages(http, MemoryPageStore(), "Digestbot/0.1", interval=0.0, clock=Clock())
    out = await pages.enrich([article(s) for s in jt], every)
    assert [a.lead_missing for a in out] == ["rate limited (HTTP 429)"] + [
        "not asked: rate limited (HTTP 429) earlier in this build"
    ] * (len(jt) - 1)
    assert len(fake.requests_to("www.japantimes.co.jp", httpx.URL(page_url(jt[0])).path)) == 1
    assert waits == []


async def test_a_redirect_is_followed_with_its_hosts_robots_and_no_further_than_allowed(
    site: tuple[PublishersFake, ServedPublishers], client: httpx.AsyncClient
) -> None:
    fake, _ = site
    cd = [s for s in DAY2 if s.site == "chinadaily.com.cn"]
    loop = next(s for s in DAY2 if s.site == "cgtn.com")
    read = moved(fake, cd[0], "https://www.scmp.com/moved/read")
    barred = moved(fake, cd[1], "https://www.scmp.com/private/barred")
    fake.redirects[page_url(loop)] = page_url(loop)
    fake.robots["www.scmp.com"] = "User-agent: *\nDisallow: /private/\n"
    out = await reader(client).enrich([article(s) for s in [*cd[:2], loop]], every)
    assert out[0].lead == "\n\n".join(cd[0].paragraphs) and out[0].lead_missing is None
    assert out[1].lead_missing == "robots.txt disallows"
    assert out[2].lead_missing == f"over {MAX_HOPS} redirects"
    assert [h.path for h in fake.requests_to("www.scmp.com")] == ["/robots.txt", httpx.URL(read).path]
    assert fake.requests_to("www.scmp.com", httpx.URL(barred).path) == []
    assert len(fake.requests_to(host_of(page_url(loop)), httpx.URL(page_url(loop)).path)) == MAX_HOPS + 1


async def test_a_stalled_page_times_out_within_its_deadline_and_is_retried(
    site: tuple[PublishersFake, ServedPublishers], client: httpx.AsyncClient
) -> None:
    fake, _ = site
    story = DAY2[7]
    fake.set(page_url(story), faults=["stall", "ok"], stall=6.0)
    deadline = 4.0  # a read stalling for 2 s times out, and the retry has 4 s more
    http = PoliteClient(
        client, HostLimiter(), attempts=2, backoff=0.0, deadline=deadline, timeout=read_timeout(deadline)
    )
    pages = ArticlePages(http, MemoryPageStore(), "Digestbot/0.1", interval=0.0, clock=Clock())
    [got] = await pages.enrich([article(story)], every)
    assert got.lead and got.lead_missing is None
    assert len(fake.requests_to(host_of(page_url(story)), httpx.URL(page_url(story)).path)) == 2


async def test_a_failed_page_falls_back_to_the_outlet_feed_description(
    site: tuple[PublishersFake, ServedPublishers], client: httpx.AsyncClient
) -> None:
    fake, _ = site
    story = DAY2[7]
    fake.set(page_url(story), mode="500")
    [got] = await reader(client).enrich([article(story, summary="Beijing listed 20 entities. More follows.")], every)
    assert got.lead == "Beijing listed 20 entities. More follows."
    assert got.lead_missing == "HTTP 500 after 2 attempts; the lead is the outlet feed's description"


class BrokenStore(MemoryPageStore):
    async def put(self, record: PageRecord) -> None:
        raise OSError("disk full")

    async def get_many(self, urls: object) -> dict[str, PageRecord]:
        raise OSError("database gone")


async def test_a_broken_store_costs_no_lead(client: httpx.AsyncClient) -> None:
    story = DAY2[7]
    [got] = await reader(client, BrokenStore()).enrich([article(story)], every)
    assert got.lead == "\n\n".join(story.paragraphs)


async def test_an_unreachable_site_costs_only_the_leads(
    served: ServedPublishers, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "digest_core.fetch.article_pages")
    async with served.client(port=1) as dead:  # nothing listens on port 1
        out = await reader(dead).enrich([article(s) for s in DAY2[:3]], every)
    assert all(a.lead == "" and a.lead_missing and a.lead_missing.startswith("robots.txt unavailable") for a in out)
    # one line for the kind, as a warning (none could be read), with the cause
    [line] = [r for r in caplog.records if r.getMessage().startswith("publisher article pages:")]
    assert line.levelno == logging.WARNING
    host = host_of(page_url(DAY2[0]))
    assert line.getMessage().startswith(
        f"publisher article pages: 3 of 3 failed: robots.txt unavailable (connection refused by {host}"
    )
