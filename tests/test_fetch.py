"""Fetching from the fake Google News: queries, concurrency, retries and failures per outlet."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from digest_core.dates import digest_window
from digest_core.errors import SourcesUnreachable
from digest_core.fetch.feed_parsing import collect
from digest_core.fetch.google_news import GoogleNewsSource, google_news_query, google_news_url
from digest_core.topics import Outlet, Topic
from testkit.fakes.google_news import GoogleNewsFake

DAY = date(2026, 2, 25)


def source(client: httpx.AsyncClient, base: str, attempts: int = 3) -> GoogleNewsSource:
    return GoogleNewsSource(client, base, attempts=attempts, backoff=0.01)


def test_query_names_every_domain_and_covers_the_window(topic: Topic) -> None:
    window = digest_window(topic, DAY)
    outlet = Outlet(name="Xinhua", domains=["news.cn", "english.news.cn"])
    assert (
        google_news_query(outlet, window) == "(site:news.cn OR site:english.news.cn) after:2026-02-23 before:2026-02-26"
    )
    url = google_news_url("https://news.google.com/", topic, outlet, window)
    parts = urlsplit(url)
    assert parts.path == "/rss/search"
    query = parse_qs(parts.query)
    assert query["q"] == ["(site:news.cn OR site:english.news.cn) after:2026-02-23 before:2026-02-26"]
    assert (query["hl"], query["gl"], query["ceid"]) == (["en-US"], ["US"], ["US:en"])


async def test_one_request_per_outlet_with_user_agent(topic: Topic, google_news: tuple[GoogleNewsFake, str]) -> None:
    fake, base = google_news
    async with httpx.AsyncClient(headers={"User-Agent": "Digestbot-test/1"}) as client:
        results = await source(client, base).fetch(topic, digest_window(topic, DAY))
    assert len(results) == 7
    assert all(r.body for r in results)
    asked = sorted(q["q"].split()[0] for q in fake.requests)
    assert asked == sorted(f"site:{o.domains[0]}" for _, o in topic.all_outlets)
    assert {q["user_agent"] for q in fake.requests} == {"Digestbot-test/1"}


async def test_503_then_success_is_retried(topic: Topic, google_news: tuple[GoogleNewsFake, str]) -> None:
    fake, base = google_news
    fake.faults["scmp.com"] = ["503", "ok"]
    async with httpx.AsyncClient() as client:
        articles, failed = await collect(topic, source(client, base), DAY)
    assert failed == []
    assert fake.hits["scmp.com"] == 2
    assert any(a.outlet == "South China Morning Post" for a in articles)


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("500", "HTTP 500 after 3 attempts"),
        ("404", "HTTP 404"),
        ("malformed", "not a valid feed"),
        ("html", "not a valid feed"),
        ("timeout", "timed out after 0.2 s (127.0.0.1:{port}) after 3 attempts"),
    ],
)
async def test_a_failing_outlet_is_recorded_and_the_rest_still_arrive(
    topic: Topic, google_news: tuple[GoogleNewsFake, str], mode: str, error: str
) -> None:
    fake, base = google_news
    fake.faults["english.kyodonews.net"] = [mode]
    fake.timeout_sleep = 1.0
    async with httpx.AsyncClient(timeout=0.2) as client:
        articles, failed = await collect(topic, source(client, base), DAY)
    assert [f.outlet for f in failed] == ["Kyodo News"]
    assert error.format(port=base.rsplit(":", 1)[1]) in failed[0].error
    assert {a.outlet for a in articles} == {o.name for _, o in topic.all_outlets} - {"Kyodo News"}
    expected_hits = 1 if mode in {"404", "malformed", "html"} else 3
    assert fake.hits["english.kyodonews.net"] == expected_hits


async def test_unreachable_server_fails_every_outlet_without_raising(topic: Topic) -> None:
    async with httpx.AsyncClient(timeout=0.5) as client:
        results = await source(client, "http://127.0.0.1:9", attempts=2).fetch(topic, digest_window(topic, DAY))
        with pytest.raises(SourcesUnreachable) as unreachable:
            await collect(topic, source(client, "http://127.0.0.1:9", attempts=1), DAY)
    assert unreachable.value.detail.startswith("none of the 7 sources answered: check the network")
    assert len(results) == 7
    assert all(r.body is None and r.error == "connection refused by 127.0.0.1:9 after 2 attempts" for r in results)


async def test_every_outlet_is_queried_at_once(topic: Topic, google_news: tuple[GoogleNewsFake, str]) -> None:
    fake, base = google_news
    fake.latency = 0.3
    async with httpx.AsyncClient() as client:
        await source(client, base).fetch(topic, digest_window(topic, DAY))
    assert fake.max_in_flight == 7  # one request's latency in all, not the sum of seven
