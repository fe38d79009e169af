"""Rendering digests as Telegram HTML: escaping, links, and splitting into valid parts in order."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from adapters.telegram.render import (
    MAX_ENTITIES,
    MAX_LENGTH,
    Block,
    bold,
    html_to_text,
    render_digest,
    render_sources,
    split_blocks,
    text,
)
from digest_core.models import Article, Bullet, Digest, FailedSource, PerspectiveCount
from testkit.fakes.google_news import GoogleNewsFake
from testkit.fakes.telegram import HTMLRejected, parse_telegram_html
from testkit.fakes.telegram_harness import core_for_tests

HOSTILE = ["<script>alert(1)</script>", "Tom & Jerry &amp; co", "@everyone look", '"quoted" <b>bold</b>']


def make_digest(
    n_articles: int = 6,
    title: str = "Headline {n}",
    bullets: int = 2,
    bullet_text: str = "Point {i}",
    url: str = "https://example.com/a/{n}?x=1&y=2",
) -> Digest:
    moment = datetime(2026, 2, 25, 3, tzinfo=UTC)
    articles = [
        Article(
            title=title.format(n=n),
            url=url.format(n=n),
            outlet=f"Outlet <{n % 3}> & Co",
            domain="example.com",
            perspective="china" if n % 2 else "japan",
            published=moment,
            n=n,
        )
        for n in range(1, n_articles + 1)
    ]

    def some(offset: int) -> list[Bullet]:
        return [
            Bullet(text=bullet_text.format(i=i), citations=[(i + offset) % n_articles + 1, 1]) for i in range(bullets)
        ]

    return Digest(
        topic="china-japan",
        topic_name="China vs Japan",
        date=date(2026, 2, 25),
        language="en",
        window_start=moment,
        window_end=moment,
        generated_at=moment,
        summarizer="extractive",
        perspectives=[
            PerspectiveCount(id="china", name="China", count=3),
            PerspectiveCount(id="japan", name="Japan", count=3),
        ],
        highlights=some(0),
        perspective_highlights={"china": some(1), "japan": some(2)},
        articles=articles,
        failed_sources=[FailedSource(outlet="Kyodo <News>", error="503")],
    )


def check_parts(parts: list[str]) -> list[str]:
    """Every part valid Telegram HTML within the limits; returns their visible texts."""
    texts = []
    for part in parts:
        parsed = parse_telegram_html(part)
        assert 0 < parsed.length <= MAX_LENGTH
        assert parsed.entities <= MAX_ENTITIES
        assert not part.rstrip().endswith("</b>") or "\n" not in part, "a heading was left last in a part"
        texts.append(parsed.text)
    return texts


def test_small_digest_is_one_message_with_sections_in_order() -> None:
    parts = render_digest(make_digest())
    assert len(parts) == 1
    seen = parse_telegram_html(parts[0]).text
    order = [
        "China vs Japan — 2026-02-25",
        "Highlights",
        "China (3 sources)",
        "Japan (3 sources)",
        "6 articles: 3 China · 3 Japan.",
        "Not reached for this digest: Kyodo <News>.",
    ]
    positions = [seen.index(heading) for heading in order]
    assert positions == sorted(positions)
    assert "Sources" not in seen  # the source list is `/sources` and the page


def test_citations_are_numbered_links_to_the_articles() -> None:
    digest = make_digest()
    links = parse_telegram_html(render_digest(digest)[0]).links
    citations = [(href, shown) for href, shown in links if shown.startswith("[")]
    assert (digest.article(2).url, "[2]") in citations
    assert all(href == digest.article(int(shown[1:-1])).url for href, shown in citations)
    sources = [(href, shown) for p in render_sources(digest) for href, shown in parse_telegram_html(p).links]
    assert sources == [(a.url, a.title) for a in digest.articles]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_titles_outlets_and_bullets_are_escaped(hostile: str) -> None:
    digest = make_digest(title=hostile + " {n}", bullet_text=hostile + " {i}")
    parts = render_digest(digest) + render_sources(digest)
    parsed = parse_telegram_html("".join(parts))  # raises if anything became markup
    assert f"{hostile} 1" in parsed.text
    assert (digest.article(1).url, f"{hostile} 1") in parsed.links
    assert "Outlet <1> & Co" in parsed.text
    assert "<script>" not in "".join(parts)


def test_unsafe_urls_are_not_links_and_quotes_cannot_break_out() -> None:
    digest = make_digest(url='javascript:alert("{n}")')
    parsed = parse_telegram_html(render_digest(digest)[0] + render_sources(digest)[0])
    assert parsed.links == []
    digest = make_digest(url='https://x.test/"><script>{n}')
    parsed = parse_telegram_html(render_digest(digest)[0] + render_sources(digest)[0])
    assert ('https://x.test/"><script>1', "[1]") in parsed.links
    assert ('https://x.test/"><script>1', "Headline 1") in parsed.links


def test_worst_case_digest_splits_into_valid_parts_in_order_losing_nothing() -> None:
    long_title = "Very long headline about rare earths, Taiwan & the Senkakus " * 30  # cut to 160
    digest = make_digest(
        n_articles=40,
        title=long_title + "#{n}",
        bullets=25,
        bullet_text="{i} A long bullet about trade & security <b>claims</b> " * 8,
    )
    parts = render_digest(digest)
    assert len(parts) > 1
    texts = check_parts(parts)
    whole = split_blocks_whole_text(digest)
    assert " ".join(texts).split() == whole.split()  # same words, same order
    assert "…" in whole  # bullets were cut to a readable length
    sources = check_parts(render_sources(digest))
    assert "#40" not in "".join(sources)  # titles were cut to a readable length
    for n in range(1, 41):
        lines = [line for t in sources for line in t.splitlines()]
        assert sum(line.startswith(f"{n}. Very long headline") for line in lines) == 1


def split_blocks_whole_text(digest: Digest) -> str:
    from adapters.telegram.render import digest_blocks

    (one,) = split_blocks(digest_blocks(digest), max_length=10**9, max_entities=10**9)
    return parse_telegram_html(one).text


def test_many_links_split_by_entity_count() -> None:
    digest = make_digest(n_articles=150, bullets=0)
    parts = render_sources(digest)
    assert len(parts) >= 2
    check_parts(parts)
    assert sum(len(parse_telegram_html(p).links) for p in parts) == 150


def test_a_bullet_of_any_length_is_one_capped_line() -> None:
    digest = make_digest(bullets=1, bullet_text="word & " * 1500 + "X" * 9000 + " end {i}")
    parts = render_digest(digest)
    texts = check_parts(parts)
    assert len(parts) == 1
    assert texts[-1].rstrip().endswith("Not reached for this digest: Kyodo <News>.")
    assert "X" not in "".join(texts) and "word & word & word" in texts[0]
    assert max(len(line) for line in texts[0].splitlines()) < 200


def test_split_counts_utf16_units() -> None:
    emoji = "🇯🇵" * 700  # 4 UTF-16 units each: 2800 units per block
    blocks = [Block(text(emoji)), Block(text(emoji))]
    parts = split_blocks(blocks)
    assert len(parts) == 2
    check_parts(parts)


def test_heading_is_kept_with_the_next_block() -> None:
    filler = Block(text("x" * 4080))  # room for the heading, not for heading and bullet
    heading = Block([bold("Heading")], gap=1, keep_with_next=True)
    parts = split_blocks([filler, heading, Block(text("first bullet"))])
    assert len(parts) == 2
    assert parts[1].startswith("<b>Heading</b>")


def test_the_parser_used_by_the_tests_rejects_bad_html() -> None:
    for bad in ["<script>x</script>", "a < b", "a & b", "<b>open", "<b><i>x</b></i>"]:
        with pytest.raises(HTMLRejected):
            parse_telegram_html(bad)
    assert html_to_text("<b>a &amp; b</b> <a href='u'>[1]</a>") == "a & b [1]"


async def test_real_digest_from_fixture_day_renders_valid_parts(
    tmp_path: Path, google_news: tuple[GoogleNewsFake, str]
) -> None:
    async with core_for_tests(tmp_path, google_news[1]) as core:
        topic = core.digests.topic("china-japan")
        digest = (await core.digests.get_or_build(topic, date(2026, 2, 25))).digest
    parts = render_digest(digest)
    texts = check_parts(parts)
    joined = "\n".join(texts)
    assert "China vs Japan — 2026-02-25" in texts[0]
    assert "Top stories" in joined
    links = [link for p in parts for link in parse_telegram_html(p).links]
    assert {href for href, _ in links} >= {a.link for a in digest.articles}  # publisher links, decoded
