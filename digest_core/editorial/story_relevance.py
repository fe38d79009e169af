"""Story-level relevance: an article the rules drop on its own is kept when it reports the same
event as an article they keep with certainty (its story, by `group_stories`); an article alone is
judged on its own. Only articles that name a side or an issue can join a story: a story is about
the sides, and a sports or lifestyle piece stays out (`subjects`)."""

from __future__ import annotations

from collections.abc import Sequence

from digest_core.editorial.relevance import Relevance
from digest_core.editorial.stories import group_stories
from digest_core.models import Article
from digest_core.topics import Topic


def story_companions(articles: Sequence[Article], judged: dict[int, Relevance], topic: Topic) -> dict[int, Article]:
    """For each article (by `id()`) the rules judge off-topic that belongs to the story of an
    article they judge on-topic with certainty: that article."""
    candidates = [a for a in articles if _may_join(judged[id(a)]) or _anchors(judged[id(a)])]
    if not any(not judged[id(a)].on_topic for a in candidates):
        return {}
    companions: dict[int, Article] = {}
    for group in group_stories(candidates, topic):
        anchors = [candidates[i] for i in group if _anchors(judged[id(candidates[i])])]
        for i in group if anchors else ():
            if _may_join(judged[id(candidates[i])]):
                companions[id(candidates[i])] = anchors[0]
    return companions


def _anchors(verdict: Relevance) -> bool:
    return verdict.on_topic and not verdict.uncertain


def _may_join(verdict: Relevance) -> bool:
    return not verdict.on_topic and bool(verdict.sides or verdict.issue) and verdict.subject is None
