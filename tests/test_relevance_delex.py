"""The delexicalised scorer experiment (`bench/relevance_delex.py`, issue #26): its features carry
roles relative to the outlet and no side's names, and its fit is deterministic and optimal."""

from __future__ import annotations

import re

import numpy as np
import pytest

from bench.relevance_delex import (
    FEATURE_SETS,
    TUNING,
    Featurizer,
    delexicalised,
    fit,
    probabilities,
    select,
)
from digest_core.editorial.relevance import RelevanceRule
from digest_core.topics import Topic, load_topics
from testkit.real_set import real_items


@pytest.fixture(scope="module")
def topic() -> Topic:
    return load_topics().get("china-japan")


def test_names_become_roles_relative_to_the_outlet(topic: Topic) -> None:
    rule = RelevanceRule(topic)
    title = "Japan protests Chinese drills near Senkakus"
    japanese, _ = delexicalised(title, rule.judge_text(title, "japan").mentions, "japan")
    chinese, fine = delexicalised(title, rule.judge_text(title, "china").mentions, "china")
    assert japanese[:4] == ["<OWN>", "protests", "<OTHER>", "drills"]
    assert chinese[:4] == ["<OTHER>", "protests", "<OWN>", "drills"]
    assert "<OTHER.alias>" in fine and "<OWN.alias>" in fine
    assert not {"japan", "chinese", "senkakus"} & set(japanese + chinese)


def test_no_side_name_survives_in_the_text_features(topic: Topic) -> None:
    featurize = Featurizer(RelevanceRule(topic), topic)
    side_words = re.compile(r"\b(china|japan|chinese|japanese|beijing|tokyo|xi|takaichi)\b")
    items = real_items(topic, "dev", lead=True)
    seen = [k for item in items for k in featurize(item) if k.startswith("T:")]
    assert len(seen) > 1000
    assert [k for k in seen if side_words.search(k)] == []


def test_feature_sets_keep_only_their_kinds(topic: Topic) -> None:
    featurize = Featurizer(RelevanceRule(topic), topic)
    feats = featurize(real_items(topic, TUNING[0], lead=True)[0])
    assert {k[:2] for k in select(feats, "rule21")} <= {"R:"}
    assert {k[:2] for k in select(feats, "delex")} == {"T:"}
    assert set(select(feats, "delex+rules")) == set(feats)
    assert "rule21+reason" in FEATURE_SETS


@pytest.mark.parametrize(("rows", "cols"), [(60, 8), (12, 40)])  # direct Newton, and the Woodbury form
def test_fit_reaches_the_penalised_optimum_deterministically(rows: int, cols: int) -> None:
    rng = np.random.default_rng(26)
    x = np.hstack([np.ones((rows, 1)), rng.integers(0, 2, (rows, cols - 1)).astype(float)])
    y = (x[:, 1] + x[:, 2] + rng.normal(0, 0.5, rows) > 1).astype(float)
    w = fit(x, y, penalty=1.0)
    lam = np.full(cols, 1.0)
    lam[0] = 1e-3
    gradient = x.T @ (probabilities(x, w) - y) + lam * w
    assert float(np.max(np.abs(gradient))) < 1e-8
    assert np.array_equal(w, fit(x, y, penalty=1.0))
    assert w[1] > 0 and w[2] > 0  # the two columns the labels follow
