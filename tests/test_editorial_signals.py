"""Source labels, opinion pieces and story importance: checked from the topics file to every output."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.console import render_text
from adapters.discord.embeds import render_sources as discord_sources
from adapters.json_format import render_json
from adapters.markdown_site import render_markdown
from adapters.telegram.render import html_to_text
from adapters.telegram.render import render_sources as telegram_sources
from digest_core.editorial.importance import rank_stories, story_importance
from digest_core.editorial.opinion import EDITORIAL, OPINION, mark_opinion, opinion_label, opinion_tag
from digest_core.editorial.story_titles import clean_headline
from digest_core.errors import TopicsFileError
from digest_core.models import Article, Digest
from digest_core.topics import default_topics_path, load_topics
from tests.digests import fixture_digest

END = datetime(2026, 2, 25, 4, tzinfo=UTC)


def article(
    title: str,
    url: str = "https://example.com/news/1",
    outlet: str = "China Daily",
    side: str = "china",
    hours: float = 2,
    **extra: object,
) -> Article:
    return Article(
        title=title,
        url=url,
        outlet=outlet,
        domain="example.com",
        perspective=side,
        published=END - timedelta(hours=hours),
        **extra,
    )


@pytest.fixture(scope="module")
def day() -> Digest:
    return fixture_digest(load_topics().get("china-japan"), "2026-02-25")


# Source labels


def test_an_unknown_label_is_one_clear_line_naming_the_key(tmp_path: Path) -> None:
    text = default_topics_path().read_text().replace('label = "private"', 'label = "independent"', 1)
    (tmp_path / "t.toml").write_text(text)
    with pytest.raises(TopicsFileError) as caught:
        load_topics(tmp_path / "t.toml")
    message = str(caught.value)
    assert "\n" not in message
    assert "outlets[3].label: unknown label 'independent' (use one of: state-owned," in message


def test_labels_are_optional_for_an_operators_own_outlets(tmp_path: Path) -> None:
    lines = default_topics_path().read_text().splitlines()
    text = "\n".join(line for line in lines if not line.strip().startswith(("label =", "owner =")))
    (tmp_path / "t.toml").write_text(text)
    topic = load_topics(tmp_path / "t.toml").get("china-japan")
    assert all(o.source_label == "" for _, o in topic.all_outlets)


def test_the_shipped_outlets_carry_their_owners() -> None:
    labels = {o.name: o.source_label for _, o in load_topics().get("china-japan").all_outlets}
    assert labels["CGTN"] == "state-owned, China Media Group"
    assert labels["Global Times"] == "party-owned, People's Daily"
    assert labels["Kyodo News"] == "cooperative news agency"


def test_every_source_list_names_the_outlet_with_its_label(day: Digest) -> None:
    assert any(a.outlet == "Kyodo News" for a in day.articles), "the fixture day has a Kyodo article"
    expected = "Kyodo News (cooperative news agency)"
    assert f"- {expected} (" in render_markdown(day)
    assert expected in "".join(html_to_text(p) for p in telegram_sources(day))
    descriptions = "\n".join(e.description or "" for m in discord_sources(day) for e in m)
    assert "Kyodo News \\(cooperative news agency\\)" in descriptions  # Discord markdown escaped
    rows = json.loads(render_json(day))["articles"]
    assert {r["outlet"]: r["source_label"] for r in rows}["Kyodo News"] == "cooperative news agency"


# Opinion


@pytest.mark.parametrize(
    ("title", "url", "expected"),
    [
        ("Editorial: Japan must face its history", "https://example.com/a", EDITORIAL),
        ("GT Editorial: Tokyo's gamble", "https://example.com/a", EDITORIAL),
        ("Opinion | Why the export curbs matter", "https://example.com/a", OPINION),
        ("Why the export curbs matter | Commentary", "https://example.com/a", OPINION),
        ("Takaichi's motives: China Daily editorial", "https://example.com/a", EDITORIAL),
        ("Letter: Okinawa deserves better", "https://example.com/a", OPINION),
        ("Japan to deploy missiles", "https://example.com/opinion/2026/02/x", OPINION),
        ("Japan to deploy missiles", "https://example.com/op-ed/x", OPINION),
        ("Japan to deploy missiles", "https://example.com/editorials/x", EDITORIAL),
        ("Editorial board of Asahi resigns", "https://example.com/news/x", None),
        ("Xi's letter: a call for peace", "https://example.com/a", None),
        ("Analysis: What China's curbs mean", "https://example.com/a", None),
        ("China opinion poll shows support for talks", "https://example.com/a", None),
        ("Japan to deploy missiles", "https://example.com/news/opinionated-x", None),
    ],
)
def test_opinion_from_the_headline_or_the_url(title: str, url: str, expected: str | None) -> None:
    assert opinion_label(article(title, url)) == expected


def test_the_page_marker_and_section_count_too() -> None:
    assert opinion_label(article("Japan must change course", opinion=True)) == OPINION
    assert opinion_label(article("Japan must change course", section="Editorials")) == EDITORIAL
    assert opinion_label(article("Japan must change course", section="World")) is None
    assert mark_opinion(article("Editorial: x")).opinion is True
    assert mark_opinion(article("China bans exports")).opinion is False


def test_a_line_is_tagged_only_when_every_article_it_rests_on_is_opinion() -> None:
    editorial, column, report = article("Editorial: a"), article("Column: b"), article("China bans exports")
    assert opinion_tag([editorial]) == EDITORIAL
    assert opinion_tag([editorial, column]) == OPINION
    assert opinion_tag([editorial, report]) == ""
    assert opinion_tag([]) == ""


@given(st.text(max_size=300), st.text(max_size=100))
def test_any_headline_and_url_give_a_label_or_none(title: str, path: str) -> None:
    assert opinion_label(article(title, "https://example.com/" + path)) in {EDITORIAL, OPINION, None}


def test_the_editorial_is_tagged_in_every_output(day: Digest) -> None:
    editorial = next(a for a in day.articles if "editorial" in a.title)
    assert editorial.opinion
    assert f"Editorial: {clean_headline(editorial.title)} [{editorial.n}]" in render_text(day)  # marker not repeated
    assert f"{editorial.n}. [en-US] *Editorial:* [" in render_markdown(day)
    assert "Editorial:" in "".join(html_to_text(p) for p in telegram_sources(day))
    rows = json.loads(render_json(day))["articles"]
    assert rows[editorial.n - 1]["opinion"] is True
    assert rows[editorial.n - 1]["opinion_label"] == EDITORIAL
    story = next(s for s in json.loads(render_json(day))["stories"] if s["articles"] == [editorial.n])
    assert story["commentary"] is True


# Importance


def test_more_outlets_and_both_sides_rank_first() -> None:
    one_side = [article("a", outlet=o) for o in ("China Daily", "Global Times", "CGTN")]
    both = [article("b"), article("b", outlet="Kyodo News", side="japan"), article("b", outlet="CGTN")]
    single = [article("c")]
    assert rank_stories([single, one_side, both], END) == [2, 1, 0]


def test_follow_ups_and_recency_break_ties_and_opinion_only_ranks_below_reports() -> None:
    early = [article("a", hours=20), article("a", outlet="Kyodo News", side="japan", hours=20)]
    late = [article("b", hours=1), article("b", outlet="Kyodo News", side="japan", hours=1)]
    followed = [*late, article("b again", hours=1)]
    assert rank_stories([early, late], END) == [1, 0]
    assert rank_stories([late, followed], END) == [1, 0]
    opinion = [article("Editorial: x", opinion=True), article("Column: y", outlet="CGTN", opinion=True)]
    report = [article("z")]
    assert rank_stories([opinion, report], END) == [1, 0]
    reason = story_importance(followed, END).reason
    assert reason.startswith("score ") and "2 outlets, 2 sides, 1 follow-up" in reason


def test_the_fixture_day_leads_with_the_story_both_sides_report(day: Digest) -> None:
    first = day.stories[0]
    assert len(day.sides(first)) == 2
    scores = [story_importance([day.article(n) for n in s.articles], day.window_end).score for s in day.stories]
    assert scores == sorted(scores, reverse=True)


async def test_explain_gives_each_kept_articles_story_its_score() -> None:
    from datetime import date

    from digest_core.editorial.pipeline import explain_day
    from tests.digests import FixtureSource

    topic = load_topics().get("china-japan")
    verdicts = await explain_day(topic, date(2026, 2, 25), FixtureSource("2026-02-25"))
    kept = [v for v in verdicts if v.kept]
    assert kept and all(v.reason.startswith("story ") and " (score " in v.reason for v in kept)
    first = next(v for v in kept if v.reason.startswith("story 1 "))
    assert "2 sides" in first.reason
