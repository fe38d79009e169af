"""Would a scored model beat the hand rules? `python -m bench.relevance_cv`

A logistic regression (plain Python, L2, gradient descent) over interpretable features of an
article's reading (the rules' verdict among them: which sides the headline and the lead's first
sentence name, relation words, third parties, subjects, demands, editorial markers...) against the
rules alone, in a 5-fold cross-validation of the tuning splits of tests/data/real_headlines (`dev`,
`test`, `dev2`). Prints precision and recall of both, headline alone and with
the first sentence as the lead (docs/editorial.md, "Real headlines").
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence

from digest_core.editorial import names as n
from digest_core.editorial.headline_roles import demands_of, score_in
from digest_core.editorial.opinion import title_marker
from digest_core.editorial.relevance import RelevanceRule
from digest_core.topics import load_topics
from testkit.real_set import RealItem, real_items

SPLITS = ("dev", "test", "dev2")
FOLDS = 5


def features(rule: RelevanceRule, own_side: Callable[[str], str], item: RealItem) -> list[float]:
    """The item's features; the first is the bias."""
    article = item.article
    reading, verdict, own = rule.read(article), rule.judge(article), own_side(article.outlet)

    def has(ms: Sequence[n.Mention], kind: str) -> float:
        return float(any(m.role.kind == kind for m in ms))

    head_sides = {m.role.side for m in reading.head if m.role.side}
    sides = {m.role.side for m in reading.counted if m.role.side}
    others = [m.text for m in reading.counted if m.role.side and m.role.side != own]
    return [
        1.0,
        float(verdict.on_topic),
        float(verdict.uncertain),
        float(len(head_sides) >= 2),
        float(len(sides) >= 2),
        float(bool(others)),
        float(own in head_sides),
        has(reading.head, n.RELATION),
        has(reading.first, n.RELATION),
        has(reading.counted, n.CONTESTED),
        has(reading.counted, n.ISSUE),
        float(sum(1 for m in reading.head if m.role.kind == n.THIRD)),
        has(reading.first, n.THIRD),
        float(bool(has(reading.near, n.SPORT) or score_in(article.title))),
        has(reading.near, n.LIFESTYLE_WORD),
        float(demands_of(article.title, others)),
        float(bool(title_marker(article.title))),
        has(reading.counted, n.PERSON),
        has(reading.counted, n.INSTITUTION),
        has(reading.counted, n.NOT_A_SIDE),
        has(reading.backdrop, n.ALIAS),
    ]


def fit(xs: list[list[float]], ys: list[bool], l2: float = 1.0, steps: int = 400, rate: float = 0.3) -> list[float]:
    """Logistic regression weights (the bias is not penalised)."""
    w = [0.0] * len(xs[0])
    for _ in range(steps):
        grad = [0.0] * len(w)
        for x, y in zip(xs, ys, strict=True):
            p = 1 / (1 + math.exp(-sum(a * b for a, b in zip(w, x, strict=True))))
            for j, xj in enumerate(x):
                grad[j] += (p - y) * xj
        for j in range(len(w)):
            w[j] -= rate * (grad[j] + (l2 * w[j] if j else 0.0)) / len(xs)
    return w


def precision_recall(truth: Sequence[bool], said: Sequence[bool]) -> tuple[float, float]:
    tp = sum(1 for t, s in zip(truth, said, strict=True) if t and s)
    fp = sum(1 for t, s in zip(truth, said, strict=True) if s and not t)
    fn = sum(1 for t, s in zip(truth, said, strict=True) if t and not s)
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1)


def main() -> None:
    topic = load_topics().get("china-japan")
    rule = RelevanceRule(topic)
    sides = {o.name: p.id for p, o in topic.all_outlets}
    for lead in (False, True):
        items = [i for split in SPLITS for i in real_items(topic, split, lead)]
        xs = [features(rule, sides.__getitem__, i) for i in items]
        ys = [i.on_topic for i in items]
        order = list(range(len(items)))
        random.Random(26).shuffle(order)
        model = [False] * len(items)
        for fold in range(FOLDS):
            test = [i for k, i in enumerate(order) if k % FOLDS == fold]
            train = [i for k, i in enumerate(order) if k % FOLDS != fold]
            w = fit([xs[i] for i in train], [ys[i] for i in train])
            for i in test:
                model[i] = sum(a * b for a, b in zip(w, xs[i], strict=True)) > 0
        rules = [bool(x[1]) for x in xs]
        text = "headline + first sentence" if lead else "headline"
        print(
            f"{text}: {len(items)} items; rules P/R %.3f / %.3f; logistic regression, {FOLDS}-fold CV, P/R %.3f / %.3f"
            % (*precision_recall(ys, rules), *precision_recall(ys, model))
        )


if __name__ == "__main__":
    main()
