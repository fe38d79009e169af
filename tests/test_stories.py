"""Story grouping measured against hand labels (tests/data/stories.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digest_core.editorial.stories import group_stories
from digest_core.topics import Topic
from tests.labels import labelled

LABELS = json.loads((Path(__file__).parent / "data" / "stories.json").read_text())


def purity(clusters: list[set[int]], classes: list[set[int]]) -> float:
    """Share of items whose cluster's majority class is their own class."""
    total = sum(len(c) for c in clusters)
    return sum(max(len(c & k) for k in classes) for c in clusters) / total


def grouped(topic: Topic, day: str) -> tuple[list[set[int]], list[set[int]]]:
    rows = [r for r in labelled(topic) if r.day == day and r.on_topic]
    groups = group_stories([r.article for r in rows], topic)
    predicted = [{rows[i].n for i in g} for g in groups]
    truth = [set(ns) for ns in LABELS[day].values()]
    assert sorted(n for k in truth for n in k) == sorted(r.n for r in rows)  # labels cover every article
    return predicted, truth


@pytest.mark.parametrize("day", ["2026-01-07", "2026-02-25"])
def test_purity_and_completeness_against_hand_labels(topic: Topic, day: str) -> None:
    predicted, truth = grouped(topic, day)
    assert purity(predicted, truth) >= 0.9  # stories do not mix events
    assert purity(truth, predicted) >= 0.9  # completeness: an event is not split


def test_the_dual_use_export_ban_is_one_story_covered_by_both_sides(topic: Topic) -> None:
    rows = {r.n: r for r in labelled(topic) if r.day == "2026-01-07" and r.on_topic}
    predicted, _ = grouped(topic, "2026-01-07")
    ban = next(c for c in predicted if 12 in c)  # Kyodo: "China tightens exports of dual-use items to Japan"
    assert {1, 4, 7, 12, 17, 19} <= ban
    assert {rows[n].article.perspective for n in ban} == {"china", "japan"}
    assert not ban & {6, 11}  # the ROK visit and the travel curbs are other events
