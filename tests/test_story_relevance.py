"""Story-level relevance: an article the rules drop on its own is kept with its story's on-topic
article; an article alone is judged on its own; `--explain` says which."""

from __future__ import annotations

from datetime import date

from digest_core.dates import digest_window
from digest_core.editorial.relevance import RelevanceRule
from digest_core.editorial.select import select_articles
from digest_core.editorial.story_relevance import story_companions
from digest_core.topics import Topic
from tests.labels import article_at

ANCHOR = "China sanctions 20 Japanese chip firms over Taiwan remarks"
JOINER = "Beijing names 20 chip firms under new sanctions"  # a China-side outlet naming only China
ALONE = "Beijing opens new subway line to airport"
MATCH = "China beats Japan in volleyball final sponsored by chip firms"  # a sports piece


def test_an_article_of_a_kept_story_is_kept_with_it_and_one_alone_is_judged_alone(topic: Topic) -> None:
    articles = [
        article_at(ANCHOR, "Kyodo News", "japan", 2),
        article_at(JOINER, "Global Times", "china", 3),
        article_at(ALONE, "Global Times", "china", 4),
        article_at(MATCH, "CGTN", "china", 5),
    ]
    rule = RelevanceRule(topic)
    assert not rule.judge(articles[1]).on_topic  # on its own, the rules drop it
    selection = select_articles(articles, topic, digest_window(topic, date(2026, 2, 25)))
    verdicts = {v.title: v for v in selection.verdicts}
    joined = verdicts[JOINER]
    assert joined.kept and "kept with its story (Kyodo News's 'China sanctions 20" in joined.reason
    assert "on its own: a China-side outlet" not in joined.reason and "on its own: names only China" in joined.reason
    assert verdicts[ANCHOR].kept and "names both sides" in verdicts[ANCHOR].reason
    assert not verdicts[ALONE].kept and "(on its own: no kept story reports it)" in verdicts[ALONE].reason
    assert not verdicts[MATCH].kept and "sports piece" in verdicts[MATCH].reason
    story = next(s for s in selection.stories if len(s.articles) == 2)
    assert {a.title for a in selection.articles if a.n in story.articles} == {ANCHOR, JOINER}


def test_only_a_certain_verdict_anchors_a_story(topic: Topic) -> None:
    # Kept by context alone (a China-side outlet naming Japan's ruling party): not an anchor.
    uncertain = article_at("LDP lists 20 firms under chip subsidy review", "China Daily", "china", 2)
    joiner = article_at("Tokyo lists 20 firms under chip subsidy review", "The Japan Times", "japan", 3)
    rule = RelevanceRule(topic)
    judged = {id(a): rule.judge(a) for a in (uncertain, joiner)}
    assert judged[id(uncertain)].on_topic and judged[id(uncertain)].uncertain
    assert story_companions([uncertain, joiner], judged, topic) == {}
