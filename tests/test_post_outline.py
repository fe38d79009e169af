"""The post and the page read as a digest: real and worst-case digests rendered to every format,
within each platform's limits, each headline and bullet once, headlines cut, summarizer text on one line."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime

import pytest

from adapters.console import render_text
from adapters.discord.embeds import MESSAGE_TOTAL_LIMIT
from adapters.discord.embeds import render_digest as discord_render
from adapters.markdown_site import render_markdown
from adapters.telegram.render import MAX_ENTITIES, MAX_LENGTH, html_to_text, utf16_len
from adapters.telegram.render import render_digest as telegram_render
from digest_core.editorial.captions import story_caption
from digest_core.editorial.outline import POST_TIERS, page_outline, post_outline
from digest_core.editorial.pipeline import build_digest
from digest_core.gemini.summarizer import GeminiSummarizer
from digest_core.models import Digest
from digest_core.summarize import ExtractiveSummarizer, SummaryRequest
from digest_core.text import HEADLINE_LIMIT, SUMMARY_LIMIT, cut, headline, normalized, one_line
from digest_core.topics import Topic
from testkit.fakes.gemini import GeminiFake
from testkit.fakes.telegram import parse_telegram_html
from tests.digests import DAYS, FixtureSource, fixture_digest, worst_case

PAGE_URL = "https://digest.example.org/china-japan/2026-02-25/"
_LINK_TARGET = re.compile(r"\]\((?:https?://|/)[^)\s]*\)")
_CITES = re.compile(r"[\[(](?:\d+(?:, )?)+[\])]|\[\d+\]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def typical_days() -> list[tuple[str, Digest]]:
    """Real and generated days of at most 20 articles."""
    return [
        ("two-sided stories", worst_case()),
        ("titled two-sided stories", worst_case(n_articles=10)),
        ("just over the titles' budget", worst_case(n_articles=12)),
        ("one-sided stories", worst_case(per_story=1)),
        ("three sides", worst_case(sides=3, per_story=3)),
        ("four-article stories", worst_case(per_story=4)),
        ("side by side off", worst_case().model_copy(update={"side_by_side": False})),
    ]


@pytest.fixture(scope="module")
def fixture_days() -> list[tuple[str, Digest]]:
    from digest_core.topics import load_topics

    topic: Topic = load_topics().get("china-japan")
    return [(day, fixture_digest(topic, day)) for day in DAYS]


def telegram_text(digest: Digest) -> list[str]:
    return [html_to_text(part) for part in telegram_render(digest, PAGE_URL)]


def discord_text(digest: Digest) -> str:
    embeds = [e.to_dict() for m in discord_render(digest, PAGE_URL) for e in m]
    return "\n".join(
        "\n".join([e.get("title", ""), e.get("description", "")] + [f["value"] for f in e.get("fields", [])])
        for e in embeds
    )


def page_body(digest: Digest) -> str:
    """The page between its front matter and its Sources list."""
    return render_markdown(digest).split("---\n", 2)[2].split("## Sources")[0]


def repeated(text: str, digest: Digest) -> list[str]:
    """Headlines shown twice, and lines of text (citations and link targets aside) shown twice."""
    text = _LINK_TARGET.sub("]", text)
    flat = normalized(text)
    twice = []
    for a in digest.articles:
        shown = normalized(headline(a.title).removesuffix("…"))
        if len(shown) >= 20 and flat.count(shown) > 1:
            twice.append(a.title)
    captions = {normalized(story_caption(s)) for s in digest.stories}  # a label, not a headline or bullet
    lines = [normalized(_CITES.sub(" ", line)) for line in text.splitlines()]
    counts = Counter(line for line in lines if len(line) >= 20 and line not in captions)
    return twice + [line for line, n in counts.items() if n > 1]


def test_a_typical_day_is_one_telegram_message_and_one_discord_message(
    fixture_days: list[tuple[str, Digest]],
) -> None:
    for name, digest in fixture_days + typical_days():
        assert len(digest.articles) <= 20
        parts = telegram_render(digest, PAGE_URL)
        assert len(parts) == 1, name
        assert utf16_len(html_to_text(parts[0])) <= MAX_LENGTH, name
        parsed = parse_telegram_html(parts[0])  # the fake's parser: valid HTML, within Telegram's rules
        assert parsed.entities <= MAX_ENTITIES
        messages = discord_render(digest, PAGE_URL)
        assert len(messages) == 1, name
        assert len(messages[0]) <= 10, name
        assert sum(len(e) for e in messages[0]) <= MESSAGE_TOTAL_LIMIT, name


def test_the_post_leads_with_top_stories_one_line_per_side_then_one_sided_by_side_then_counts(
    fixture_days: list[tuple[str, Digest]],
) -> None:
    _, digest = fixture_days[1]  # 2026-02-25: a story both sides covered, and one-sided ones on each side
    seen = telegram_text(digest)[0]
    order = [
        "Top stories",
        "1. Export curbs issued against Japanese entities",
        "Covered by both",
        "China: Global Times and China Daily: “MOFCOM restricts exports to 40 Japanese entities",
        "Japan: Kyodo News and The Japan Times: “Japan gov't strongly protests China's export ban",
        "Figures differ: Global Times [2] says 40 Japanese entities; The Japan Times [4] says 20",
        "Only China outlets (1 story)",
        "Only Japan outlets (2 stories)",
        "8 articles: 3 China · 5 Japan.",
        f"Full digest and sources: {PAGE_URL}",
    ]
    positions = [seen.index(s) for s in order]
    assert positions == sorted(positions)
    both = next(s for s in digest.stories if len(digest.sides(s)) == 2)
    for f in both.framing:
        assert seen.count(one_line(f.text)[:60]) == 1
    console = render_text(digest, PAGE_URL)
    assert [line.strip() for line in console.splitlines() if line and not line.startswith(" ")] == [
        "China vs Japan — 2026-02-25",
        "Top stories",
        "Only China outlets (1 story)",
        "Only Japan outlets (2 stories)",
        "8 articles: 3 China · 5 Japan.",
        f"Full digest and sources: {PAGE_URL}",
    ]
    discord = discord_text(digest)
    assert discord.index("Top stories") < discord.index("Only China outlets") < discord.index("8 articles")


def test_no_headline_or_bullet_is_shown_twice_in_a_post_or_a_page(fixture_days: list[tuple[str, Digest]]) -> None:
    for name, digest in fixture_days + typical_days():
        for where, text in [
            ("telegram", "\n".join(telegram_text(digest))),
            ("discord", discord_text(digest)),
            ("console", render_text(digest)),
            ("page", page_body(digest)),
        ]:
            assert repeated(text, digest) == [], (name, where)


def test_the_checker_finds_a_repeat() -> None:
    digest = worst_case()
    title = headline(digest.articles[0].title)
    assert repeated(f"{title}\n{title} (1)", digest) != []
    assert (
        repeated(
            "- a bullet long enough to count ([1](https://x.example/1))\n- a bullet long enough to count [2]", digest
        )
        != []
    )


def test_the_page_keeps_every_citation_the_summary_made(fixture_days: list[tuple[str, Digest]]) -> None:
    """Dropping what the highlights already quoted never drops a citation; offline, every article is cited."""
    for name, digest in fixture_days + typical_days():
        cited = {int(n) for n in re.findall(r"\[(\d+)\]\(", page_body(digest))}
        made = {n for b in digest.highlights for n in b.citations}
        made |= {n for bullets in digest.perspective_highlights.values() for b in bullets for n in b.citations}
        if digest.side_by_side:
            made |= {n for s in digest.stories for n in s.articles}
        assert cited == made, name
        if digest.summarizer == "extractive":
            assert cited == set(range(1, len(digest.articles) + 1)), name


def test_side_by_side_on_the_page_lists_only_stories_several_sides_covered(
    fixture_days: list[tuple[str, Digest]],
) -> None:
    """Side by Side holds only stories several sides covered, each with something not said above
    (a story all of whose lines the page already said is left out, never pointed at)."""
    for name, digest in fixture_days + typical_days()[:6]:
        body = page_body(digest)
        several = [s for s in digest.stories if len(digest.sides(s)) > 1]
        listed = re.findall(r"^### \d+\. .*\n\n(?:\*.*\*\n\n)?((?:- .*\n)*)", body, re.MULTILINE)
        assert len(listed) <= len(several), name
        assert all(lines.strip() for lines in listed), name  # every listed story says something
        if "**Blindspots:** " in body:
            blind = body.split("**Blindspots:** ")[1].split("\n")[0]
            for group in re.findall(r"(\w+) only: ", blind):
                assert group in {p.name for p in digest.perspectives}, name
        assert "quoted above" not in body and "highlights above" not in body, name


def test_no_output_points_at_another_section(fixture_days: list[tuple[str, Digest]]) -> None:
    for name, digest in fixture_days + typical_days():
        for text in ["\n".join(telegram_text(digest)), discord_text(digest), render_text(digest), page_body(digest)]:
            assert "quoted above" not in text.casefold(), name
            assert "above" not in text.replace("Above", ""), name


def test_headlines_are_cut_on_a_word_boundary_in_every_format() -> None:
    digest = worst_case(per_story=1)
    long = one_line(digest.articles[0].title)
    assert len(long) > HEADLINE_LIMIT
    shown = headline(long)
    assert len(shown) <= HEADLINE_LIMIT and shown.endswith("…")
    assert long.startswith(shown[:-1]) and long[len(shown) - 1] == " "  # cut where a word ends
    assert shown in "\n".join(telegram_text(digest))
    assert shown.replace("…", "") in discord_text(digest).replace("\\", "")
    assert shown in render_text(digest)
    page = render_markdown(digest)
    assert f"[{shown}](" in page  # the Sources line too
    assert long not in page and long not in "\n".join(telegram_text(digest))


def test_summarizer_text_is_one_line_without_control_characters_and_capped() -> None:
    digest = worst_case()
    framing = digest.stories[0].framing[0].text
    assert "\n" in framing and "\x1b" in framing and len(framing) > SUMMARY_LIMIT
    for text in ["\n".join(telegram_text(digest)), discord_text(digest), render_text(digest), page_body(digest)]:
        assert not _CONTROL.search(text)
        assert "second line of the model" not in text  # cut before, and never on a line of its own
    page = page_outline(digest)
    post = post_outline(digest)
    lines = [
        *page.highlights,
        *(line for s in page.top_stories for line in s.lines),
        *(line for s in post.top_stories for line in s.lines),
    ]
    assert lines and all(len(line.text) <= SUMMARY_LIMIT and "\n" not in line.text for line in lines)


def test_cut_never_exceeds_the_limit() -> None:
    for text in ["word " * 80, "x" * 500, "a " + "y" * 400, "short", "  spaced \n\t out  "]:
        for limit in (10, 40, 160):
            shown = cut(text, limit)
            assert len(shown) <= limit
            assert shown == one_line(text) or shown.endswith("…")
    assert cut("one two three four five six", 16) == "one two three…"
    assert one_line("a\x00b\u202ec\r\nd") == "abc d"


def test_a_longer_day_still_splits_cleanly_in_order() -> None:
    digest = worst_case(n_articles=45)
    parts = telegram_render(digest, PAGE_URL)
    assert len(parts) > 1
    seen = [html_to_text(p) for p in parts]
    assert all(utf16_len(p) <= MAX_LENGTH for p in seen)
    joined = "\n".join(seen)
    numbers = [int(n) for n in re.findall(r"^(\d+)\. ", joined, re.MULTILINE)]
    assert numbers == list(range(1, len(numbers) + 1))
    messages = discord_render(digest, PAGE_URL)
    assert 1 < len(messages) <= len(parts) + 1  # links are budgeted so that embeds still share messages
    assert all(len(m) <= 10 and sum(len(e) for e in m) <= MESSAGE_TOTAL_LIMIT for m in messages)
    assert repeated(joined, digest) == []


def test_offline_highlights_are_stories_with_the_other_sides_headline_as_contrast(
    fixture_days: list[tuple[str, Digest]],
) -> None:
    for _, digest in fixture_days:
        by_n = {a.n: a for a in digest.articles}
        for bullet, story in zip(digest.highlights, digest.stories, strict=False):
            sides = digest.sides(story)
            assert any(bullet.text.startswith(by_n[n].title.rstrip(".")) for n in story.articles)
            if len(sides) > 1:
                for side in sides:
                    own = {by_n[n].title.rstrip(".") for n in story.articles if by_n[n].perspective == side}
                    assert any(title in bullet.text for title in own), side  # each side's own words
            else:
                assert "report" in bullet.text


async def test_a_gemini_day_reads_the_same_way(gemini: tuple[GeminiFake, str], topic: Topic) -> None:
    """The fixture day summarized by the real Gemini client against the fake (which frames every
    story with the same words per side: the post says those words once)."""
    _, base = gemini
    summarizer = GeminiSummarizer(
        api_key="k", model="gemini-2.5-flash-lite", attempts=1, backoff=0.01, timeout=5.0, base_url=base
    )
    now = datetime(2026, 1, 7, 6, tzinfo=UTC)
    digest = await build_digest(topic, date(2026, 1, 7), FixtureSource("2026-01-07"), summarizer, now)
    assert digest.summarizer == "gemini"
    parts = telegram_render(digest, PAGE_URL)
    assert len(parts) == 1 and utf16_len(html_to_text(parts[0])) <= MAX_LENGTH
    messages = discord_render(digest, PAGE_URL)
    assert len(messages) == 1 and sum(len(e) for e in messages[0]) <= MESSAGE_TOTAL_LIMIT
    for text in ["\n".join(telegram_text(digest)), discord_text(digest), render_text(digest), page_body(digest)]:
        assert repeated(text, digest) == []
    assert html_to_text(parts[0]).count("china outlets stress their side.") == 1


def test_top_stories_are_always_titled_and_lines_get_shorter_to_keep_the_post_short() -> None:
    short, long = post_outline(worst_case(n_articles=10)), post_outline(worst_case(n_articles=12))
    assert all(s.title for s in short.top_stories + long.top_stories)
    assert max(len(s.title) for s in long.top_stories) < max(len(s.title) for s in short.top_stories)
    assert max(len(line.text) for s in long.top_stories for line in s.lines) <= POST_TIERS[1][1]
    first = short.top_stories[0].title
    assert f"1. {first}" in telegram_text(worst_case(n_articles=10))[0]


def test_offline_summaries_quote_headlines_cut(topic: Topic) -> None:
    digest = worst_case(hostile=False)
    request = SummaryRequest(topic, digest.articles, [s.model_copy(update={"framing": []}) for s in digest.stories])
    summary = ExtractiveSummarizer().summarize_now(request)
    texts = [b.text for b in summary.highlights]
    texts += [b.text for bullets in summary.perspective_highlights.values() for b in bullets]
    texts += [f.text for note in summary.stories for f in note.framing]
    assert texts and all("…" in t for t in texts)
    assert not any(a.title in t for a in digest.articles for t in texts)  # never a 300-character headline
    assert max(len(b.text) for b in summary.perspective_highlights["china"]) <= HEADLINE_LIMIT


def test_a_line_of_no_single_side_is_shown_without_a_side_label_in_every_format(
    fixture_days: list[tuple[str, Digest]],
) -> None:
    """A story's figures that differ (and what happened) speak for no one side: every format shows
    them as plain lines, never under an empty side label such as `**:**`."""
    checked = 0
    for name, digest in fixture_days + typical_days():
        renders = {
            "telegram": ("\n".join(telegram_text(digest)), post_outline(digest)),
            "discord": (discord_text(digest), post_outline(digest)),
            "console": (render_text(digest, PAGE_URL), post_outline(digest)),
            "page": (page_body(digest), page_outline(digest)),
        }
        for fmt, (text, outline) in renders.items():
            lines = text.replace("\\", "").splitlines()
            for line in (line for story in outline.top_stories for line in story.told if not line.side):
                start = one_line(line.text)[:16]
                shown = [row for row in lines if start in row]
                assert shown, (name, fmt, start)
                for row in shown:
                    before = row[: row.index(start)]
                    assert ":" not in before and "*" not in before, (name, fmt, row)
                checked += 1
    assert checked >= 4  # 2026-02-25's figures that differ, in each of the four formats
