"""Selection: the window, repeats, quotas balanced across outlets, numbering, stories."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from digest_core.dates import digest_window
from digest_core.editorial.select import drop_repeats, select_articles
from digest_core.models import Article
from digest_core.topics import Topic
from tests.labels import day_articles, labelled


def make(title: str, outlet: str, perspective: str, hour: int, url: str | None = None) -> Article:
    return Article(
        title=title,
        url=url or f"https://example.com/{abs(hash((title, outlet, hour)))}",
        outlet=outlet,
        domain="example.com",
        perspective=perspective,
        published=datetime(2026, 2, 24, 4, tzinfo=UTC) + timedelta(hours=hour),
    )


def test_fixture_days_keep_only_on_topic_unique_articles_inside_the_window(topic: Topic) -> None:
    labels = {(r.day, r.article.url): r for r in labelled(topic)}
    for day in ("2026-01-07", "2026-02-25"):
        window = digest_window(topic, date.fromisoformat(day))
        selection = select_articles(day_articles(topic, day), topic, window)
        assert selection.articles
        for article in selection.articles:
            label = labels[(day, article.url)]
            assert label.on_topic or label.borderline, article.title
            assert label.duplicate_of is None, f"repeated headline kept: {article.title}"
            assert article.published in window
        assert [a.n for a in selection.articles] == list(range(1, len(selection.articles) + 1))
        titles = [(a.outlet, a.title) for a in selection.articles]
        assert len(titles) == len(set(titles))


def test_articles_outside_the_window_are_dropped_whatever_the_feed_says(topic: Topic) -> None:
    window = digest_window(topic, date(2026, 2, 25))
    inside = make("China and Japan agree to talks", "CGTN", "china", hour=1)
    before = make("China and Japan agree to talks again", "CGTN", "china", hour=-1)
    at_end = make("China and Japan sign pact", "CGTN", "china", hour=24)
    selection = select_articles([inside, before, at_end], topic, window)
    assert [a.title for a in selection.articles] == [inside.title]
    assert (selection.fetched, selection.in_window) == (3, 1)


def test_same_outlet_repeated_headline_is_kept_once_other_outlets_are_not_repeats() -> None:
    a = make("China curbs dual-use item exports to Japan", "China Daily", "china", 1)
    b = make("China curbs dual-use item exports to Japan.", "China Daily", "china", 5)
    c = make("China curbs dual-use item exports to Japan", "Nikkei Asia", "japan", 2)
    d = make("A different headline", "Global Times", "china", 3, url=b.url)  # same URL
    kept = drop_repeats([a, b, c, d])
    assert sorted((k.outlet, k.published.hour) for k in kept) == [("China Daily", 9), ("Nikkei Asia", 6)]


def test_quota_is_balanced_across_outlets(topic: Topic) -> None:
    window = digest_window(topic, date(2026, 2, 25))
    subjects = [
        "fishing boats",
        "rare earths",
        "envoy",
        "drills",
        "students",
        "airspace",
        "seafood",
        "chips",
        "tourists",
        "yen",
        "coast guard",
        "tariffs",
        "pandas",
        "bonds",
        "students again",
    ]
    articles = [make(f"China warns Japan over {s}", "Global Times", "china", i) for i, s in enumerate(subjects)]
    articles += [make(f"Beijing and Tokyo trade barbs over {s}", "CGTN", "china", 3) for s in subjects[:2]]
    articles += [make(f"Japan protests China's {s} plan", "Kyodo News", "japan", 4) for s in subjects[:3]]
    selection = select_articles(articles, topic, window)
    per_outlet = {
        o: sum(1 for a in selection.articles if a.outlet == o) for o in ("Global Times", "CGTN", "Kyodo News")
    }
    assert per_outlet == {"Global Times": 8, "CGTN": 2, "Kyodo News": 3}  # quota 10 for china, all of japan
    perspectives = [a.perspective for a in selection.articles]
    assert perspectives == sorted(perspectives)  # china block, then japan block (topic order)


def test_stories_group_both_sides_of_one_event(topic: Topic) -> None:
    window = digest_window(topic, date(2026, 1, 7))
    selection = select_articles(day_articles(topic, "2026-01-07"), topic, window)
    by_n = {a.n: a for a in selection.articles}
    biggest = selection.stories[0]
    sides = {by_n[n].perspective for n in biggest.articles}
    assert sides == {"china", "japan"}
    assert all("dual-use" in by_n[n].title or "export" in by_n[n].title for n in biggest.articles)
    numbers = sorted(n for s in selection.stories for n in s.articles)
    assert numbers == sorted(by_n)  # every selected article is in exactly one story
