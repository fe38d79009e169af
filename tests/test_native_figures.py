"""The language code's figures on the labelled set of real headlines (tests/data/native_headlines,
docs/languages.md): relevance precision and recall per language on the dev split (the rules were
tuned on it) and on the holdout split (measured once, after the last rule change), and the share
of non-English articles joined to the right English story.

Issue #30 states no number for these, so each floor is the figure measured on 2026-12-07 (355
rows: 234 dev, 121 holdout; the 97 rows added last were never tuned on) minus a margin of 0.10,
rounded down to a multiple of 0.05: the set is still growing (rows are appended, and the split
puts each new row in one file by its hash), and 0.10 is about three new errors among the 30 or so
rows a language keeps, enough for new hard rows, not for a rule that stops working in one language
(which costs far more: without the CJK names a language's recall is 0)."""

from __future__ import annotations

import pytest

from testkit.native_eval import NATIVE, SETS, joined_right, load_items, relevance_scores

DEV, HOLDOUT = SETS

# language: (precision floor, recall floor), measured figure in the comment
DEV_FLOORS = {
    "en": (0.90, 0.85),  # 1.00 / 0.95
    "ja-JP": (0.75, 0.75),  # 0.87 / 0.88
    "zh-CN": (0.75, 0.70),  # 0.88 / 0.81
    "zh-TW": (0.80, 0.90),  # 0.93 / 1.00
}
HOLDOUT_FLOORS = {
    "en": (0.90, 0.90),  # 1.00 / 1.00 (3 rows)
    "ja-JP": (0.85, 0.90),  # 0.97 / 1.00
    "zh-CN": (0.90, 0.70),  # 1.00 / 0.83
    "zh-TW": (0.75, 0.90),  # 0.86 / 1.00
}
DEV_JOINED = 0.60  # 26 of 35 (0.74) since the CJK news glossary, number keys and the pair scale
# (7 of 21 before, 12 of 35 on today's set): a story told with no shared key is not joined offline


@pytest.mark.parametrize(("path", "floors"), [(DEV, DEV_FLOORS), (HOLDOUT, HOLDOUT_FLOORS)], ids=["dev", "holdout"])
def test_relevance_per_language_holds_its_floor(path, floors) -> None:  # type: ignore[no-untyped-def]
    scores = relevance_scores(load_items(path), NATIVE)
    assert set(scores) == set(floors)
    for language, (precision, recall) in floors.items():
        s = scores[language]
        assert s.items >= 3, s
        assert s.precision >= precision and s.recall >= recall, s


def test_non_english_articles_join_the_right_english_story() -> None:
    joins, missed = joined_right(load_items(DEV), NATIVE)
    assert joins.asked >= 10 and joins.right + len(missed) == joins.asked
    assert joins.share >= DEV_JOINED, [m.title for m in missed]
