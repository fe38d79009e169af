"""A story's own text: its neutral title, and the figures the sides give differently (with the
near misses that must not raise a false alarm)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from adapters.console import render_text
from adapters.json_format import render_json
from adapters.markdown_site import render_markdown
from adapters.telegram.render import render_digest as telegram
from digest_core.dates import digest_window
from digest_core.editorial.disagreements import date_mentions, differences, figure_differences, name_mentions
from digest_core.editorial.figures import figures
from digest_core.editorial.select import select_articles
from digest_core.editorial.sentences import copies_headline
from digest_core.editorial.story_titles import clean_headline, neutral_title
from digest_core.models import Article
from digest_core.summarize import ExtractiveSummarizer, SummaryRequest
from digest_core.topics import Topic, load_topics
from tests.digests import fixture_digest
from tests.labels import article_at
from tests.test_lead_summary import DAY, digest_of

TOPIC = load_topics().get("china-japan")


def numbered(*articles: Article) -> list[Article]:
    return [a.model_copy(update={"n": k}) for k, a in enumerate(articles, start=1)]


def test_the_fixture_days_neutral_titles() -> None:
    titles = {d: [s.title for s in fixture_digest(TOPIC, d).stories] for d in ("2026-01-07", "2026-02-25")}
    assert titles["2026-01-07"][0] == "China bans exports of dual-use items"
    assert titles["2026-02-25"][0] == "Export curbs issued against Japanese entities"
    # one article: its headline without the opinion marker
    assert "Takaichi's polished performance can't disguise her ulterior motives" in titles["2026-02-25"]


def test_a_title_leaves_out_a_figure_only_one_outlet_gives_and_one_outlets_own_words() -> None:
    story = numbered(
        article_at("MOFCOM restricts exports to 40 Japanese entities over military ties", "Global Times", "china", 1),
        article_at("China issues dual-use blacklist of 20 Japanese entities", "The Japan Times", "japan", 2),
        article_at("Japan protests Chinese export curbs on defense firms", "Kyodo News", "japan", 3),
    )
    title = neutral_title(story, TOPIC)
    assert "40" not in title and "20" not in title
    assert not copies_headline(title, [a.title for a in story])


@settings(max_examples=80, deadline=None)
@given(
    titles=st.lists(st.text(min_size=1, max_size=120), min_size=2, max_size=4),
)
def test_any_headlines_give_a_non_empty_one_line_title(titles: list[str]) -> None:
    outlets = ["China Daily", "Kyodo News", "Global Times", "The Japan Times"]
    story = numbered(*(article_at(t, outlets[k], "china" if k % 2 == 0 else "japan", k) for k, t in enumerate(titles)))
    title = neutral_title(story, TOPIC)
    assert "\n" not in title and len(title) <= 160
    if any(c.isalnum() for t in titles for c in t):
        assert title.strip()


def test_clean_headline_drops_markers_and_final_stops() -> None:
    assert clean_headline("Takaichi's remarks dangerous: China Daily editorial") == "Takaichi's remarks dangerous"
    assert clean_headline("Opinion | Tokyo must talk.") == "Tokyo must talk"
    assert clean_headline("putin ordered work - reports") == "Putin ordered work"


def test_figures_differ_between_the_sides_of_the_fixture_day() -> None:
    digest = fixture_digest(TOPIC, "2026-02-25")
    story = digest.stories[0]
    assert [b.text for b in story.differences] == [
        "Figures differ: Global Times [2] says 40 Japanese entities; The Japan Times [4] says 20"
    ]
    assert story.differences[0].citations == [2, 4]


def _story(china: str, japan: str) -> list[Article]:
    return numbered(article_at(china, "Global Times", "china", 1), article_at(japan, "Kyodo News", "japan", 2))


def test_near_misses_raise_no_alarm() -> None:
    near_misses = [
        ("China lists 40 Japanese entities", "Japan protests as 20 Japanese ships leave port"),  # another noun
        ("China lists 40 Japanese entities", "China lists 20 to 40 Japanese entities"),  # a range
        ("China lists more than 40 entities", "China lists 20 entities"),  # an approximation
        ("Missiles to Yonaguni by fiscal 2030", "Missiles to Yonaguni by fiscal 2031"),  # years
        ("Ships in waters for 3 days", "Ships in waters for 4 days"),  # spans of time
        ("China lists 40 Japanese entities", "China lists 20 Chinese entities"),  # other modifiers
        ("China lists 40 entities", "China lists 40 entities"),  # the same figure
        ("China lists 40 entities and 20 entities", "China lists 20 entities"),  # one side gives two values
        ("Exports fell 3.5%", "Exports fell 4%"),  # percentages say what changed, not what was counted
    ]
    for china, japan in near_misses:
        assert figure_differences(_story(china, japan), ["china", "japan"]) == [], (china, japan)


def test_the_same_thing_counted_differently_is_named_with_both_citations() -> None:
    found = figure_differences(_story("Beijing blacklists seven firms", "China names 5 firms"), ["china", "japan"])
    assert [b.text for b in found] == ["Figures differ: Global Times [1] says seven firms; Kyodo News [2] says 5"]
    assert found[0].citations == [1, 2]
    assert figure_differences(_story("40 entities", "20 entities"), ["china"]) == []  # one side only


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=200))
def test_figures_of_any_text_are_counts_with_a_noun(text: str) -> None:
    for figure in figures(text):
        assert figure.value >= 0 and figure.noun and figure.said.split()[0]


def _dates(china: str, japan: str) -> list[str]:
    return [b.text for b in differences("Dates", date_mentions, _story(china, japan), ["china", "japan"])]


def _names(china: str, japan: str) -> list[str]:
    return [b.text for b in differences("Names", name_mentions(TOPIC), _story(china, japan), ["china", "japan"])]


def test_dates_differ_when_the_sides_give_the_same_event_two_days() -> None:
    assert _dates("China, Japan to hold talks on Monday", "The talks will take place on Tuesday, officials said") == [
        "Dates differ: Global Times [1] says talks on Monday; Kyodo News [2] says Tuesday"
    ]
    assert _dates("Foreign ministers' summit set for March 3", "Japan confirms the March 4 summit") == [
        "Dates differ: Global Times [1] says summit for March 3; Kyodo News [2] says March 4"
    ]
    assert _dates("Beijing says Monday's talks will go ahead", "Tokyo: talks on Wednesday") == [
        "Dates differ: Global Times [1] says Monday's talks; Kyodo News [2] says Wednesday"
    ]


def test_date_near_misses_raise_no_alarm() -> None:
    near_misses = [
        ("Talks on Monday", "Drills on Tuesday"),  # different events
        ("Trade talks on Monday", "Security talks on Tuesday"),  # other modifiers
        ("BEIJING, March 3 (Xinhua) -- Talks go ahead", "TOKYO, March 4 (Kyodo) -- Talks go ahead"),  # datelines
        ("China said on Monday talks would go ahead", "Japan said on Tuesday talks would go ahead"),  # when said
        ("Drills from Monday to Wednesday", "Drills on Tuesday"),  # a range
        ("Drills on March 3-5", "Drills on March 4"),  # a range
        ("Drills between March 3 and 5", "Drills on March 4"),  # a range
        ("Talks on Monday", "Talks on March 4"),  # a weekday and a date: not compared
        ("Talks on Monday", "Talks on Monday"),  # the same day
        ("Talks on Monday and talks on Friday", "Talks on Tuesday"),  # one side gives two days
        ("Reply by March 3 deadline", "Deadline extended since March 4"),  # not an event's day
    ]
    for china, japan in near_misses:
        assert _dates(china, japan) == [], (china, japan)


def test_names_differ_when_each_side_uses_its_own_name_for_one_thing() -> None:
    assert _names("China Coast Guard patrols Diaoyu Islands", "Chinese ships enter waters off Senkaku Islands") == [
        "Names differ: Global Times [1] says Diaoyu Islands; Kyodo News [2] says Senkaku Islands"
    ]
    assert _names("Japan starts discharging nuclear-contaminated water", "Japan releases treated water") == [
        "Names differ: Global Times [1] says nuclear-contaminated water; Kyodo News [2] says treated water"
    ]


def test_name_near_misses_raise_no_alarm() -> None:
    near_misses = [
        ("Ships near Diaoyu Islands", "Ships near the Senkakus, which China calls Diaoyu"),  # a side gives both
        ("Ships near Diaoyu Islands", "Ships near Diaoyu Islands"),  # the same name
        ("Ships near Diaoyu Islands", "Japan protests ship intrusion"),  # one side names it
        ("Ships near Diaoyu Islands", "Japan releases treated water"),  # two different things
    ]
    for china, japan in near_misses:
        assert _names(china, japan) == [], (china, japan)


def test_side_names_must_be_one_same_as_group_of_known_sides() -> None:
    data = TOPIC.model_dump()
    for entry in ({"china": ["Diaoyu"], "korea": ["Dokdo"]}, {"china": ["Diaoyu"], "japan": ["Takeshima"]}):
        with pytest.raises(ValidationError):
            Topic.model_validate({**data, "side_names": [entry]})


def test_dates_and_names_are_shown_like_figures_in_every_output() -> None:
    leads = {
        "Global Times": "Foreign ministers will hold talks on Monday over the Diaoyu Islands, the ministry said.",
        "Kyodo News": "The talks will take place on Tuesday in Beijing, covering the Senkaku Islands, officials said.",
    }
    articles = [
        a.model_copy(update={"lead": leads[a.outlet]})
        for a in (
            article_at("China, Japan to hold talks on Diaoyu Islands", "Global Times", "china", 2),
            article_at("Japan, China set talks over Senkaku Islands", "Kyodo News", "japan", 3),
        )
    ]
    selection = select_articles(articles, TOPIC, digest_window(TOPIC, DAY))
    request = SummaryRequest(TOPIC, selection.articles, selection.stories)
    digest = digest_of(request, ExtractiveSummarizer().summarize_now(request))
    n = {a.outlet: a.n for a in digest.articles}
    texts = [b.text for s in digest.stories for b in s.differences]
    assert texts == [
        f"Dates differ: Global Times [{n['Global Times']}] says talks on Monday; Kyodo News [{n['Kyodo News']}] says"
        " Tuesday",
        f"Names differ: Global Times [{n['Global Times']}] says Diaoyu Islands; Kyodo News [{n['Kyodo News']}] says"
        " Senkaku Islands",
    ]
    shown = [render_markdown(digest), render_text(digest), render_json(digest), "\n".join(telegram(digest))]
    for output in shown:
        for text in texts:
            assert text.split(": ", 1)[1].split(" [")[0] in output and text.split("; ")[1].split(" [")[0] in output
            assert text.rsplit("says ", 1)[1] in output
        assert "Dates differ" in output and "Names differ" in output, output[:400]
