"""Relevance judges the headline with the lead: a side the lead names counts, a side named only
once deep in the lead does not; sentences are split without losing words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest_core.editorial.relevance import RelevanceRule
from digest_core.editorial.sentences import lead_parts, sentences
from digest_core.models import Article
from digest_core.topics import Topic, load_topics
from tests.labels import article_at

STOCKS = "Tokyo stocks close higher on chip rally"
RULE = RelevanceRule(load_topics().get("china-japan"))


def read(title: str, lead: str, outlet: str = "Kyodo News", side: str = "japan") -> Article:
    return article_at(title, outlet, side, 3).model_copy(update={"lead": lead})


@pytest.mark.parametrize(
    ("lead", "on_topic"),
    [
        ("", False),  # the headline names Japan only
        ("The Nikkei rose 2% after Beijing announced export curbs on Japanese firms. Chipmakers led.", True),
        ("The Nikkei rose 2% on Tuesday. Chipmakers led gains. Traders also watched data from China.", False),
        ("The Nikkei rose 2% on Tuesday. Chipmakers gained after China curbed exports. Beijing named 40 firms.", True),
    ],
    ids=["headline-only", "first-sentence", "once-deep", "twice-deep"],
)
def test_a_headline_naming_one_side_and_a_lead_naming_the_other(lead: str, on_topic: bool) -> None:
    verdict = RULE.judge(read(STOCKS, lead))
    assert verdict.on_topic is on_topic, verdict.reason
    assert ("china" in verdict.sides) is on_topic


def test_the_lead_is_read_instead_of_the_feed_description(topic: Topic) -> None:
    described = article_at("Takaichi vows firm response", "Kyodo News", "japan", 3, summary="Weather was mild.")
    assert not RelevanceRule(topic).judge(described).on_topic
    lead = "Prime Minister Sanae Takaichi said Tokyo would answer Chinese coast guard ships near the Senkakus."
    verdict = RelevanceRule(topic).judge(described.model_copy(update={"lead": lead}))
    assert verdict.on_topic and verdict.sides == {"china", "japan"}, verdict.reason


@pytest.mark.parametrize(
    ("lead", "on_topic"),
    [
        ("Ships sailed near the Senkaku Islands on Monday, the coast guard said. Fishing was calm.", True),
        ("Fishing boats returned to port. The catch was good. One crew sailed near the Senkakus.", False),
    ],
)
def test_a_contested_name_counts_half_deep_in_the_lead(topic: Topic, lead: str, on_topic: bool) -> None:
    verdict = RelevanceRule(topic).judge(read("Okinawa fishing season opens", lead))
    assert verdict.on_topic is on_topic, verdict.reason


def test_sentences_respect_abbreviations_initials_and_quotes() -> None:
    text = 'Gen. Nakatani met U.S. envoy J. Smith on Jan. 5. He said "Talks went well." Shares rose 3.5%! Why?'
    assert sentences(text) == [
        "Gen. Nakatani met U.S. envoy J. Smith on Jan. 5.",
        'He said "Talks went well."',
        "Shares rose 3.5%!",
        "Why?",
    ]
    first, rest = lead_parts(read("Title", text))
    assert first == "Gen. Nakatani met U.S. envoy J. Smith on Jan. 5."
    assert rest.startswith("He said") and rest.endswith("Why?")


@given(st.text(max_size=400))
def test_splitting_keeps_every_word_in_order(text: str) -> None:
    assert " ".join(sentences(text)).split() == text.split()


@given(title=st.text(min_size=1, max_size=120), lead=st.text(max_size=600))
def test_a_lead_only_adds_names(title: str, lead: str) -> None:
    alone = RULE.judge(read(title, ""))
    with_lead = RULE.judge(read(title, lead))
    assert alone.sides <= with_lead.sides
    assert {m.text for m in alone.mentions} <= {m.text for m in with_lead.mentions}
