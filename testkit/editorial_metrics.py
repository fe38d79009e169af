"""Figures for the editorial evaluation: relevance precision/recall and pairwise story scores."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

# Measured error counts the evaluation tests allow a stated margin over (tests/data/eval_baseline.json).
BASELINE = json.loads((Path(__file__).resolve().parent.parent / "tests" / "data" / "eval_baseline.json").read_text())


@dataclass(frozen=True)
class Scores:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def __add__(self, other: Scores) -> Scores:
        return Scores(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)


def binary_scores(truth: Sequence[bool], predicted: Sequence[bool]) -> Scores:
    pairs = list(zip(truth, predicted, strict=True))
    return Scores(
        sum(1 for t, p in pairs if t and p),
        sum(1 for t, p in pairs if p and not t),
        sum(1 for t, p in pairs if t and not p),
    )


def pair_scores(truth: Sequence[str | None], groups: Sequence[Sequence[int]]) -> Scores:
    """Pairwise story scores: a pair of articles is positive when both are in the same story.
    `truth[i]`: article i's story key (None: a story of its own); `groups`: predicted indices."""
    group_of = {i: k for k, g in enumerate(groups) for i in g}
    tp = fp = fn = 0
    for a, b in combinations(range(len(truth)), 2):
        same = truth[a] is not None and truth[a] == truth[b]
        together = group_of[a] == group_of[b]
        tp += same and together
        fp += together and not same
        fn += same and not together
    return Scores(tp, fp, fn)
