"""The on-topic rule: measured on the hand labels, and checked on headlines it has never seen."""

from __future__ import annotations

import pytest

from digest_core.editorial.relevance import RelevanceRule
from digest_core.topics import Topic
from tests.labels import labelled


def test_precision_and_recall_on_the_hand_labels(topic: Topic) -> None:
    rule = RelevanceRule(topic)
    rows = [r for r in labelled(topic) if not r.borderline]
    assert len(rows) == 36
    predicted = {(r.day, r.n): rule.judge(r.article).on_topic for r in rows}
    tp = sum(1 for r in rows if r.on_topic and predicted[(r.day, r.n)])
    fp = sum(1 for r in rows if not r.on_topic and predicted[(r.day, r.n)])
    fn = sum(1 for r in rows if r.on_topic and not predicted[(r.day, r.n)])
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= 0.95, [r.article.title for r in rows if not r.on_topic and predicted[(r.day, r.n)]]
    assert recall >= 0.90, [r.article.title for r in rows if r.on_topic and not predicted[(r.day, r.n)]]


def test_the_old_systems_noise_is_dropped(topic: Topic) -> None:
    rule = RelevanceRule(topic)
    for title in ("Historic blizzard paralyzes northeastern U.S.", "Shoppers go bananas for Ikea orangutan plush"):
        assert not rule.judge_text(title).on_topic


@pytest.mark.parametrize(
    ("headline", "on_topic"),
    [
        ("Tokyo summons Beijing envoy over Senkaku incursions", True),  # capitals of both sides
        ("Sino-Japanese talks resume after two-year pause", True),  # hyphenated compound
        ("PLA drills near Yonaguni alarm residents", True),  # acronym + issue
        ("Japan's rare-earth stockpile grows", True),  # one side + hyphen-folded issue
        ("Japanese carmakers post record profits", False),  # one side, no issue
        ("Xi meets Putin in Moscow", False),  # one side
        ("Taiwan's central bank holds rates", False),  # an issue alone names no side
        ("Pla de Sant Jordi festival draws crowds", False),  # "PLA" is case-sensitive
        ("Chinaware exhibition opens in Paris", False),  # whole words only
        ("Beijing slams Takaichi’s remarks", True),  # curly apostrophe
    ],
)
def test_rule_on_unseen_headlines(topic: Topic, headline: str, on_topic: bool) -> None:
    assert RelevanceRule(topic).judge_text(headline).on_topic is on_topic


def test_rule_works_for_any_configured_topic(topic: Topic) -> None:
    korea = topic.model_copy(
        update={
            "issues": ["Dokdo", "Takeshima"],
            "side_names": [],  # china-japan's own names name no Korean side
            "perspectives": [
                topic.perspectives[1],
                topic.perspectives[0].model_copy(
                    update={"id": "korea", "name": "Korea", "aliases": ["Seoul", "Korean"]}
                ),
            ],
        }
    )
    rule = RelevanceRule(korea)
    assert rule.judge_text("Seoul protests Tokyo's Takeshima Day").on_topic
    assert rule.judge_text("Korean coast guard patrols Dokdo").on_topic
    assert not rule.judge_text("China curbs exports").on_topic


def test_strength_ranks_two_sides_above_one(topic: Topic) -> None:
    rule = RelevanceRule(topic)
    both = rule.judge_text("China and Japan hold talks on Taiwan")
    one = rule.judge_text("Japan to deploy missiles near Taiwan")
    assert both.strength > one.strength > 0
