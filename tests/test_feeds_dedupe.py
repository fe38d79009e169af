"""One article from two sources is kept once, preferring the publisher's URL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digest_core.editorial.select import canonical_url, drop_repeats
from digest_core.models import Article

T = datetime(2026, 2, 25, 1, 0, tzinfo=UTC)
GOOGLE = "https://news.google.com/rss/articles/CBMiXYZ?oc=5"


def art(
    title: str, url: str, publisher_url: str | None = None, outlet: str = "China Daily", minutes: int = 0
) -> Article:
    return Article(
        title=title,
        url=url,
        outlet=outlet,
        domain="chinadaily.com.cn",
        perspective="china",
        published=T + timedelta(minutes=minutes),
        publisher_url=publisher_url,
    )


def test_same_outlet_and_headline_keeps_the_feed_item_even_when_google_is_newer() -> None:
    google = art("China curbs dual-use exports to Japan", GOOGLE, minutes=10)
    feed_url = "https://www.chinadaily.com.cn/a/1.html"
    feed = art("China curbs dual-use exports to Japan.", feed_url, publisher_url=feed_url)
    assert drop_repeats([google, feed]) == [feed]
    assert drop_repeats([feed, google]) == [feed]


def test_same_publisher_url_with_other_headlines_is_one_article() -> None:
    resolved = art("Beijing curbs exports", GOOGLE, publisher_url="https://chinadaily.com.cn/a/1.html?utm_source=gn")
    feed = art(
        "Export curbs issued against Japanese entities",
        "http://www.chinadaily.com.cn/a/1.html/",
        publisher_url="http://www.chinadaily.com.cn/a/1.html/",
        minutes=-30,
    )
    kept = drop_repeats([resolved, feed])
    assert len(kept) == 1


def test_different_articles_and_other_outlets_stay() -> None:
    a = art("China curbs dual-use exports to Japan", GOOGLE)
    b = art("China curbs dual-use exports to Japan", "https://news.google.com/rss/articles/OTHER", outlet="CGTN")
    c = art("Japan protests", "https://www.chinadaily.com.cn/a/2.html", "https://www.chinadaily.com.cn/a/2.html")
    assert len(drop_repeats([a, b, c])) == 3


def test_canonical_url_ignores_scheme_www_fragment_tracking_and_trailing_slash() -> None:
    assert canonical_url("https://www.Example.com/a/b/?utm_source=x&id=3#top") == "example.com/a/b?id=3"
    assert canonical_url("http://example.com/a/b?id=3") == "example.com/a/b?id=3"
    assert canonical_url("https://example.com/a/b?id=4") != canonical_url("https://example.com/a/b?id=3")
