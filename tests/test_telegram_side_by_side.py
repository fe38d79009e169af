"""The Side by Side part of a Telegram digest: an expandable blockquote per story, blindspots, what vanished."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from adapters.telegram.render import digest_blocks, render_digest, split_blocks
from digest_core.models import Digest, Framing, Story
from tests.fakes.google_news import GoogleNewsFake
from tests.fakes.telegram import HTMLRejected, parse_telegram_html
from tests.fakes.telegram_harness import core_for_tests
from tests.test_telegram_render import HOSTILE, check_parts, make_digest


def story_digest(title: str = "Export ban {k}", framing: str = "{side} line on story {k}", stories: int = 3,
                 n_articles: int = 8) -> Digest:
    """Stories 1..k-1 covered by both sides (odd articles are China's, even Japan's); the last one-sided."""
    digest = make_digest(n_articles=n_articles)
    items = []
    for k in range(1, stories + 1):
        china, japan = 2 * k - 1, 2 * k
        both = k < stories
        sides = [Framing(perspective="china", text=framing.format(side="China", k=k), citations=[china])]
        if both:
            sides.append(Framing(perspective="japan", text=framing.format(side="Japan", k=k), citations=[japan]))
        items.append(Story(
            title=title.format(k=k), articles=[china, japan] if both else [china], framing=sides,
            label="dispute" if both else "one-sided", status="continuing" if k == 1 else "new", day=3 if k == 1 else 1,
        ))
    return digest.model_copy(update={"stories": items, "vanished": ["Old <story> & gone"]})


def test_each_story_is_an_expandable_quote_with_caption_framing_and_citations() -> None:
    digest = story_digest()
    (part,) = render_digest(digest)
    parsed = parse_telegram_html(part)
    assert [expandable for expandable, _ in parsed.quotes] == [True, True, True]
    first = parsed.quotes[0][1].splitlines()
    assert first == ["1. Export ban 1", "Sides dispute · continuing (day 3)",
                     "China: China line on story 1 [1]", "Japan: Japan line on story 1 [2]"]
    assert parsed.quotes[2][1].splitlines()[1] == "One side only · new"
    cited = [(href, shown) for href, shown in parsed.links if shown in {"[1]", "[2]"}]
    assert (digest.article(1).link, "[1]") in cited
    assert (digest.article(2).link, "[2]") in cited
    seen = parsed.text
    order = ["Japan Perspective", "Side by Side (3 stories)", "1. Export ban 1", "3. Export ban 3",
             "Blindspots: Export ban 3 (China only, 1 article).", "No longer in the news: Old <story> & gone.",
             "Sources (8 articles)"]
    positions = [seen.index(s) for s in order]
    assert positions == sorted(positions)


def test_the_topic_setting_turns_the_part_off() -> None:
    digest = story_digest().model_copy(update={"side_by_side": False})
    parsed = parse_telegram_html("".join(render_digest(digest)))
    assert parsed.quotes == []
    assert "Side by Side" not in parsed.text
    assert "Blindspots" not in parsed.text


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_titles_and_framing_are_escaped(hostile: str) -> None:
    digest = story_digest(title=hostile + " {k}", framing=hostile + " {side} {k}")
    parts = render_digest(digest)
    parsed = parse_telegram_html("".join(parts))
    assert f"1. {hostile} 1" in parsed.quotes[0][1]
    assert f"China: {hostile} China 1" in parsed.quotes[0][1]
    assert len(parsed.quotes) == 3
    assert "<script>" not in "".join(parts)


def test_many_long_stories_split_into_valid_parts_every_quote_expandable_nothing_lost() -> None:
    long = "A long framing line about rare earths & <export> controls " * 12 + "{side} {k}"
    digest = story_digest(title="Story with a long title " * 5 + "{k}", framing=long, stories=20, n_articles=40)
    parts = render_digest(digest)
    assert len(parts) > 2
    texts = check_parts(parts)
    (whole,) = split_blocks(digest_blocks(digest), max_length=10**9, max_entities=10**9)
    assert " ".join(texts).split() == parse_telegram_html(whole).text.split()
    quotes = [q for p in parts for q in parse_telegram_html(p).quotes]
    assert len(quotes) == 20
    assert all(expandable for expandable, _ in quotes)
    assert [q.splitlines()[0].split()[-1] for _, q in quotes] == [str(k) for k in range(1, 21)]


def test_a_story_longer_than_a_message_continues_in_another_quote() -> None:
    digest = story_digest(framing="word & " * 700 + "{side} {k}", stories=2)
    parts = render_digest(digest)
    check_parts(parts)
    quotes = [q for p in parts for q in parse_telegram_html(p).quotes]
    assert len(quotes) > 2  # story 1 (two sides of about 4,900 characters) did not fit one message
    assert all(expandable for expandable, _ in quotes)
    assert all(not q.startswith("\n") and not q.endswith("\n") for _, q in quotes)
    joined = "".join(q for _, q in quotes)
    assert joined.count("word &") == 700 * 3


def test_the_fake_refuses_nested_quotes_and_ignores_other_attributes_like_telegram() -> None:
    with pytest.raises(HTMLRejected):
        parse_telegram_html("<blockquote>a<blockquote>b</blockquote></blockquote>")
    assert parse_telegram_html("<blockquote>plain</blockquote>").quotes == [(False, "plain")]
    assert parse_telegram_html('<blockquote expandable class="x">e</blockquote>').quotes == [(True, "e")]


async def test_fixture_day_export_ban_is_one_quote_framed_by_both_sides(
    tmp_path: Path, google_news: tuple[GoogleNewsFake, str]
) -> None:
    async with core_for_tests(tmp_path, google_news[1]) as core:
        topic = core.digests.topic("china-japan")
        digest = (await core.digests.get_or_build(topic, date(2026, 1, 7))).digest
    parts = render_digest(digest)
    check_parts(parts)
    quotes = [q for p in parts for q in parse_telegram_html(p).quotes]
    assert len(quotes) == len(digest.stories) > 1
    ban = next(q for _, q in quotes if "export" in q.splitlines()[0].lower())
    sides = [line.split(":")[0] for line in ban.splitlines()[2:]]
    assert sides == ["China", "Japan"]
    assert "Covered by both" in ban.splitlines()[1]
