"""The editorial rules measured on hand-written days they were not tuned to (tests/data/eval)
and on the fixture days (tests/data/google-news, tests/data/stories.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digest_core.editorial.relevance import RelevanceRule
from digest_core.editorial.stories import group_stories
from digest_core.topics import Topic
from testkit.editorial_metrics import BASELINE, Scores, binary_scores, pair_scores
from tests.eval_set import eval_days, eval_items
from tests.labels import DAYS, labelled

STORY_LABELS = json.loads((Path(__file__).parent / "data" / "stories.json").read_text())

# Issue #14's goal for relevance on days the rules were not tuned to.
RELEVANCE_GOAL = (0.95, 0.90)  # precision, recall
# Margins over the committed baseline (tests/data/eval_baseline.json), in errors, not in ratios:
RELEVANCE_MARGIN = 1  # one article's verdict: about 0.017 of precision or recall on this set
PAIR_MARGIN = 2  # one article leaving (or wrongly joining) a story of three costs two pairs


def within_baseline(scores: Scores, name: str, margin: int) -> bool:
    """No more false positives or negatives than the baseline's, plus `margin` of each."""
    baseline = BASELINE[name]
    return scores.fp <= baseline["fp"] + margin and scores.fn <= baseline["fn"] + margin


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
    assert scores.precision >= RELEVANCE_GOAL[0] and scores.recall >= RELEVANCE_GOAL[1], scores
    assert within_baseline(scores, "relevance_eval_days", RELEVANCE_MARGIN), (scores, BASELINE["relevance_eval_days"])


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
    assert unseen.tp + unseen.fn == 48 and fixtures.tp + fixtures.fn == 47  # the labelled pairs
    assert within_baseline(unseen, "story_pairs_eval_days", PAIR_MARGIN), (unseen, BASELINE["story_pairs_eval_days"])
    assert within_baseline(fixtures, "story_pairs_fixture_days", PAIR_MARGIN), fixtures


def test_the_baseline_margin_sees_a_regression() -> None:
    """The check above can fail: one more wrong pair than the margin allows is caught."""
    baseline = BASELINE["story_pairs_eval_days"]
    worse = Scores(baseline["tp"] - PAIR_MARGIN - 1, baseline["fp"], baseline["fn"] + PAIR_MARGIN + 1)
    assert not within_baseline(worse, "story_pairs_eval_days", PAIR_MARGIN)
    assert within_baseline(Scores(baseline["tp"], baseline["fp"], baseline["fn"]), "story_pairs_eval_days", 0)


def test_both_sides_coverage_of_an_event_forms_one_story(topic: Topic) -> None:
    items = [i for i in eval_items(topic, "2026-03-10") if i.on_topic]
    groups = group_stories([i.article for i in items], topic)
    for story in ("yasukuni-offering", "export-list"):
        members = {k for k, i in enumerate(items) if i.story == story}
        best = max(groups, key=lambda g: len(members & set(g)))
        assert {items[k].article.perspective for k in members & set(best)} == {"china", "japan"}
        assert len(members & set(best)) >= len(members) - 1
