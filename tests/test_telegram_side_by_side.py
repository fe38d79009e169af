"""Stories in a Telegram post: top stories with one line per side, then one-sided stories by side."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from adapters.telegram.render import digest_blocks, render_digest, split_blocks
from digest_core.models import Digest, Framing, Story
from testkit.fakes.google_news import GoogleNewsFake
from testkit.fakes.telegram import HTMLRejected, parse_telegram_html
from testkit.fakes.telegram_harness import core_for_tests
from tests.test_telegram_render import HOSTILE, check_parts, make_digest


def story_digest(
    title: str = "Export ban {k}", framing: str = "{side} line on story {k}", stories: int = 3, n_articles: int = 8
) -> Digest:
    """Stories 1..k-1 covered by both sides (odd articles are China's, even Japan's); the last one-sided."""
    digest = make_digest(n_articles=n_articles)
    items = []
    for k in range(1, stories + 1):
        china, japan = 2 * k - 1, 2 * k
        both = k < stories
        sides = [Framing(perspective="china", text=framing.format(side="China", k=k), citations=[china])]
        if both:
            sides.append(Framing(perspective="japan", text=framing.format(side="Japan", k=k), citations=[japan]))
        items.append(
            Story(
                title=title.format(k=k),
                articles=[china, japan] if both else [china],
                framing=sides,
                label="dispute" if both else "one-sided",
                status="continuing" if k == 1 else "new",
                day=3 if k == 1 else 1,
            )
        )
    return digest.model_copy(update={"stories": items, "vanished": ["Old <story> & gone"]})


def test_top_stories_have_one_line_per_side_then_one_sided_stories_by_side() -> None:
    digest = story_digest()
    (part,) = render_digest(digest)
    parsed = parse_telegram_html(part)
    lines = parsed.text.splitlines()
    by = {n: digest.article(n).outlet for n in range(1, 5)}  # each side's line names its outlets
    assert lines[lines.index("Top stories") :] == [
        "Top stories",
        "1. Export ban 1",
        "Sides dispute · continuing (day 3)",
        f"China: {by[1]}: China line on story 1 [1]",
        f"Japan: {by[2]}: Japan line on story 1 [2]",
        "",
        "2. Export ban 2",
        "Sides dispute · new",
        f"China: {by[3]}: China line on story 2 [3]",
        f"Japan: {by[4]}: Japan line on story 2 [4]",
        "",
        "Only China outlets (1 story)",
        "• Export ban 3 [5]",
        "",
        "8 articles: 3 China · 3 Japan.",
        "Not reached for this digest: Kyodo <News>.",
    ]
    cited = [(href, shown) for href, shown in parsed.links if shown in {"[1]", "[2]"}]
    assert (digest.article(1).link, "[1]") in cited
    assert (digest.article(2).link, "[2]") in cited
    assert parsed.text.count("Export ban 1") == 1  # each story once


def test_a_side_line_that_repeats_the_title_quotes_its_headline_instead() -> None:
    digest = story_digest(title="Export ban {k}", framing="Export ban {k}")
    lines = parse_telegram_html(render_digest(digest)[0]).text.splitlines()
    assert lines[lines.index("Top stories") + 1 :][:4] == [
        "1. Export ban 1",
        "Sides dispute · continuing (day 3)",
        f"China: {digest.article(1).outlet}: “Headline 1” [1]",
        f"Japan: {digest.article(2).outlet}: “Headline 2” [2]",
    ]


def test_the_topic_setting_turns_stories_off() -> None:
    digest = story_digest().model_copy(update={"side_by_side": False})
    parsed = parse_telegram_html("".join(render_digest(digest)))
    assert "Top stories" not in parsed.text
    assert "Highlights" in parsed.text


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_titles_and_framing_are_escaped(hostile: str) -> None:
    digest = story_digest(title=hostile + " {k}", framing=hostile + " {side} {k}")
    parts = render_digest(digest)
    parsed = parse_telegram_html("".join(parts))
    assert f"China: {digest.article(1).outlet}: {hostile} China 1" in parsed.text
    assert f"• {hostile} 3" in parsed.text
    assert "<script>" not in "".join(parts)


def test_many_long_stories_split_into_valid_parts_nothing_lost() -> None:
    long = "A long framing line about rare earths & <export> controls " * 12 + "{side} {k}"
    digest = story_digest(title="Story with a long title " * 5 + "{k}", framing=long, stories=30, n_articles=60)
    parts = render_digest(digest)
    assert len(parts) > 1
    texts = check_parts(parts)
    (whole,) = split_blocks(digest_blocks(digest), max_length=10**9, max_entities=10**9)
    assert " ".join(texts).split() == parse_telegram_html(whole).text.split()
    numbers = [line.split(".")[0] for t in texts for line in t.splitlines() if re.match(r"\d+\. ", line)]
    assert numbers == [str(k) for k in range(1, 30)]


def test_a_framing_of_any_length_is_one_capped_line() -> None:
    digest = story_digest(framing="word & " * 700 + "{side} {k}", stories=2)
    (part,) = render_digest(digest)
    (text,) = check_parts([part])
    china = next(line for line in text.splitlines() if line.startswith("China: "))
    assert china.endswith("… [1]") and len(china) < 200


def test_the_fake_refuses_nested_quotes_and_ignores_other_attributes_like_telegram() -> None:
    with pytest.raises(HTMLRejected):
        parse_telegram_html("<blockquote>a<blockquote>b</blockquote></blockquote>")
    assert parse_telegram_html("<blockquote>plain</blockquote>").quotes == [(False, "plain")]
    assert parse_telegram_html('<blockquote expandable class="x">e</blockquote>').quotes == [(True, "e")]


async def test_fixture_day_export_ban_is_one_top_story_framed_by_both_sides(
    tmp_path: Path, google_news: tuple[GoogleNewsFake, str]
) -> None:
    async with core_for_tests(tmp_path, google_news[1]) as core:
        topic = core.digests.topic("china-japan")
        digest = (await core.digests.get_or_build(topic, date(2026, 1, 7))).digest
    parts = render_digest(digest)
    (text,) = check_parts(parts)
    lines = text.splitlines()
    top = lines.index("Top stories")
    assert lines[top + 1] == f"1. {digest.stories[0].title}"  # a neutral title, never a status line
    assert lines[top + 2] == "Covered by both"  # the first digest: nothing to compare with, no status
    assert [line.split(":")[0] for line in lines[top + 3 : top + 5]] == ["China", "Japan"]
    assert "export" in lines[top + 3].lower()
