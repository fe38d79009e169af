"""The editorial rules measured on hand-written days they were not tuned to (tests/data/eval)
and on the fixture days (tests/data/google-news, tests/data/stories.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digest_core.editorial.relevance import RelevanceRule
from digest_core.editorial.stories import group_stories
from digest_core.topics import Topic
from tests.editorial_metrics import Scores, binary_scores, pair_scores
from tests.eval_set import eval_days, eval_items
from tests.labels import DAYS, labelled

STORY_LABELS = json.loads((Path(__file__).parent / "data" / "stories.json").read_text())


def test_the_labelled_set_is_large_and_varied(topic: Topic) -> None:
    items = eval_items(topic)
    assert len(eval_days()) >= 3
    assert len(items) >= 80
    kinds = {i.kind.split("-")[0] for i in items}
    assert {"implicit", "trap", "explicit", "issue", "description", "festival", "noise"} <= kinds
    stories = {(i.day, i.story) for i in items if i.story}
    cross_side = [s for s in stories if len({i.article.perspective for i in items if (i.day, i.story) == s}) == 2]
    assert len(cross_side) >= 8


def relevance_scores(topic: Topic) -> Scores:
    rule = RelevanceRule(topic)
    items = [i for i in eval_items(topic) if not i.borderline]
    return binary_scores([i.on_topic for i in items], [rule.judge(i.article).on_topic for i in items])


def test_relevance_on_unseen_days_meets_the_issue_thresholds(topic: Topic) -> None:
    scores = relevance_scores(topic)
    assert scores.tp + scores.fn >= 50
    assert scores.precision >= 0.965, scores  # the level before issue #26, kept or bettered
    assert scores.recall >= 0.98, scores


@pytest.mark.parametrize(
    ("kind", "on_topic"),
    [("trap", False), ("festival", False), ("implicit", True), ("description", True)],
)
def test_each_kind_of_case_is_mostly_right(topic: Topic, kind: str, on_topic: bool) -> None:
    rule = RelevanceRule(topic)
    items = [i for i in eval_items(topic) if i.kind == kind]
    right = sum(1 for i in items if rule.judge(i.article).on_topic is on_topic)
    assert items and right / len(items) >= 0.8, [(i.article.title, rule.judge(i.article).reason) for i in items]


def eval_story_scores(topic: Topic) -> Scores:
    total = Scores(0, 0, 0)
    for day in eval_days():
        items = [i for i in eval_items(topic, day) if i.on_topic]
        total += pair_scores([i.story for i in items], group_stories([i.article for i in items], topic))
    return total


def fixture_story_scores(topic: Topic) -> Scores:
    total = Scores(0, 0, 0)
    for day in DAYS:
        rows = [r for r in labelled(topic) if r.day == day and r.on_topic]
        key = {n: k for k, ns in STORY_LABELS[day].items() for n in ns}
        total += pair_scores([key[r.n] for r in rows], group_stories([r.article for r in rows], topic))
    return total


def test_story_grouping_pairs_the_sides_without_merging_events(topic: Topic) -> None:
    unseen, fixtures = eval_story_scores(topic), fixture_story_scores(topic)
    assert unseen.precision >= 0.95 and unseen.recall >= 0.78, unseen
    assert fixtures.precision >= 0.95 and fixtures.recall >= 0.95, fixtures


def test_both_sides_coverage_of_an_event_forms_one_story(topic: Topic) -> None:
    items = [i for i in eval_items(topic, "2026-03-10") if i.on_topic]
    groups = group_stories([i.article for i in items], topic)
    for story in ("yasukuni-offering", "export-list"):
        members = {k for k, i in enumerate(items) if i.story == story}
        best = max(groups, key=lambda g: len(members & set(g)))
        assert {items[k].article.perspective for k in members & set(best)} == {"china", "japan"}
        assert len(members & set(best)) >= len(members) - 1
