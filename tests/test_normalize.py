"""Normalizing Google News items: titles, outlets, times."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest_core.errors import FeedParseError
from digest_core.fetch.normalize import clean_text, parse_feed, strip_publisher
from digest_core.fetch.ports import FeedResult
from digest_core.topics import Topic
from testkit.fakes.google_news import FIXTURES, fixture_items, rss

MOJIBAKE = ("â€™", "â€œ", "â€", "Ã", "Â")


def parse_site(topic: Topic, site: str, body: bytes | None = None) -> list:
    perspective, outlet = next((p, o) for p, o in topic.all_outlets if site in o.domains)
    body = body if body is not None else rss(fixture_items(site))
    return parse_feed(FeedResult(perspective, outlet, "http://x", body=body), topic)


def item(title: str, source: str, source_url: str, date: str = "Tue, 24 Feb 2026 09:00:00 GMT") -> bytes:
    return (
        f"<item><title>{title}</title><link>https://news.google.com/rss/articles/X{abs(hash(title))}</link>"
        f"<pubDate>{date}</pubDate><description>{title}</description>"
        f'<source url="{source_url}">{source}</source></item>'
    ).encode()


def test_every_fixture_item_is_clean(topic: Topic) -> None:
    articles = [a for site in {p.name for p in FIXTURES.glob("*/*.xml")} for a in parse_site(topic, site[:-4])]
    assert len(articles) == 40
    for a in articles:
        assert not any(m in a.title for m in MOJIBAKE), a.title
        assert "&#" not in a.title
        assert "&amp;" not in a.title
        assert "  " not in a.title
        assert a.outlet in {o.name for _, o in topic.all_outlets}
        assert a.published.tzinfo is UTC


def test_mojibake_is_repaired(topic: Topic) -> None:
    titles = [a.title for a in parse_site(topic, "japantimes.co.jp")]
    assert "U.S. allies offer muted response after Trump’s Venezuela raid" in titles


def test_publisher_suffix_is_stripped_even_when_source_differs(topic: Topic) -> None:
    by_title = {a.title: a for a in parse_site(topic, "chinadaily.com.cn")}
    # Title ends "- China Daily" while <source> says "Global Edition" (global.chinadaily.com.cn).
    article = by_title["Export curbs issued against Japanese entities with military connections"]
    assert article.outlet == "China Daily"
    assert article.domain == "chinadaily.com.cn"
    # An editorial whose headline itself names the outlet keeps that part.
    assert "Takaichi's polished performance can't disguise her ulterior motives: China Daily editorial" in by_title


def test_cgtn_hosts_map_to_canonical_name(topic: Topic) -> None:
    articles = parse_site(topic, "cgtn.com")
    assert {a.outlet for a in articles} == {"CGTN"}
    titles = {a.title for a in articles}
    assert "Colleges cut ties with organizations helping people of color" in titles  # "- newsus.cgtn.com"
    # Only the publisher suffix goes; the headline's own " - reports" stays.
    assert (
        "Putin ordered the strengthening of work in the rear areas of the North-Eastern Military District. - reports"
        in titles
    )


def test_kyodo_display_name_is_not_used(topic: Topic) -> None:
    [article] = [a for a in parse_site(topic, "english.kyodonews.net") if "dual-use" in a.title]
    assert article.outlet == "Kyodo News"
    assert article.title == "China tightens exports of dual-use items to Japan as row escalates"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Tom &amp;amp; Jerry", "Tom & Jerry"),
        ("A&#x27;s  \n  b", "A's b"),
        ("Trumpâ€™s raid", "Trump’s raid"),
        ("<b>bold</b> move", "bold move"),
    ],
)
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_strip_publisher_only_strips_publisher_names(topic: Topic) -> None:
    outlet = topic.perspective("japan").outlets[0]
    assert strip_publisher("Talks end - The Japan Times", outlet, "The Japan Times") == "Talks end"
    assert strip_publisher("Q&A - what next", outlet, "The Japan Times") == "Q&A - what next"
    assert strip_publisher(" - The Japan Times", outlet, "The Japan Times") == " - The Japan Times"


def test_an_item_claiming_another_configured_outlet_is_dropped_not_moved(topic: Topic) -> None:
    """Outlet identity comes from the query or feed: an item in SCMP's results whose `<source>` names
    Kyodo (or Global Times, on SCMP's own side) counts for neither outlet; the feed's other items stay."""
    body = rss(
        [
            item("Japan and China hold talks - Kyodo", "Kyodo", "https://english.kyodonews.net"),
            item("Beijing warns Tokyo - Global Times", "Global Times", "https://www.globaltimes.cn/page/1"),
            item("Kept - South China Morning Post", "South China Morning Post", "https://www.scmp.com"),
        ]
    )
    articles = parse_site(topic, "scmp.com", body)
    assert [(a.title, a.outlet, a.perspective) for a in articles] == [("Kept", "South China Morning Post", "china")]


def test_an_own_feed_item_linking_to_another_configured_outlet_is_dropped(topic: Topic) -> None:
    perspective, outlet = next((p, o) for p, o in topic.all_outlets if o.name == "China Daily")
    body = rss(
        [
            b"<item><title>Tokyo answers</title><link>https://www.japantimes.co.jp/news/1</link>"
            b"<pubDate>Tue, 24 Feb 2026 09:00:00 GMT</pubDate></item>",
            b"<item><title>Beijing answers</title><link>https://global.chinadaily.com.cn/a/2.html</link>"
            b"<pubDate>Tue, 24 Feb 2026 09:00:00 GMT</pubDate></item>",
        ]
    )
    result = FeedResult(perspective, outlet, "https://www.chinadaily.com.cn/rss", body=body, kind="feed")
    assert [(a.title, a.outlet) for a in parse_feed(result, topic)] == [("Beijing answers", "China Daily")]


def test_an_item_naming_an_unconfigured_publisher_stays_with_the_queried_outlet(topic: Topic) -> None:
    body = rss([item("Japan and China hold talks", "Yahoo News", "https://news.yahoo.com")])
    [article] = parse_site(topic, "scmp.com", body)
    assert (article.outlet, article.perspective, article.domain) == ("South China Morning Post", "china", "scmp.com")


def test_items_without_link_or_date_are_skipped(topic: Topic) -> None:
    body = rss(
        [
            b"<item><title>No link</title><pubDate>Tue, 24 Feb 2026 09:00:00 GMT</pubDate></item>",
            b"<item><title>No date</title><link>https://x.example/a</link></item>",
            item("Kept - South China Morning Post", "South China Morning Post", "https://www.scmp.com"),
        ]
    )
    assert [a.title for a in parse_site(topic, "scmp.com", body)] == ["Kept"]
    [kept] = parse_site(topic, "scmp.com", body)
    assert kept.published == datetime(2026, 2, 24, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "body", [b"<rss><channel><item><title>broken", b"<html><body>Sorry, unusual traffic</body></html>", b""]
)
def test_unusable_bodies_raise_a_clear_error(topic: Topic, body: bytes) -> None:
    with pytest.raises(FeedParseError, match="not"):
        parse_site(topic, "scmp.com", body)


def test_fixture_files_exist() -> None:
    assert len(list(Path(FIXTURES).glob("*/*.xml"))) == 14
