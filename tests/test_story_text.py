"""A story's own text: its neutral title, and the figures the sides give differently (with the
near misses that must not raise a false alarm)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from digest_core.editorial.disagreements import figure_differences
from digest_core.editorial.figures import figures
from digest_core.editorial.sentences import copies_headline
from digest_core.editorial.story_titles import clean_headline, neutral_title
from digest_core.models import Article
from digest_core.topics import load_topics
from tests.digests import fixture_digest
from tests.labels import article_at

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
