"""Story grouping compares the leads: one event told under different headlines is one story; two
events that share a word or a name are not."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from digest_core.editorial.headline_words import lead_facts, side_name_words
from digest_core.editorial.stories import group_stories, story_pairs
from digest_core.models import Article
from digest_core.topics import Topic, load_topics
from tests.labels import article_at

TOPIC = load_topics().get("china-japan")


def read(title: str, outlet: str, side: str, hour: float, lead: str) -> Article:
    return article_at(title, outlet, side, hour).model_copy(update={"lead": lead})


LIST = read(
    "Beijing names 40 firms in new measure",
    "China Daily",
    "china",
    1,
    "China's Ministry of Commerce on Tuesday added 40 Japanese entities, including Mitsubishi Heavy "
    "Industries and Kawasaki Heavy Industries, to its export control list, citing military ties. "
    "The measure takes effect on March 1.",
)
PROTEST = read(
    "Tokyo lodges protest with Beijing over defense contractors",
    "Kyodo News",
    "japan",
    2,
    "Japan lodged a protest on Wednesday after China placed 40 Japanese companies, among them Mitsubishi "
    "Heavy Industries and Kawasaki Heavy Industries, under export controls. Chief Cabinet Secretary "
    "Minoru Kihara called the step regrettable.",
)
FISHERIES = read(
    "Japan, China hold fisheries talks in Beijing",
    "The Japan Times",
    "japan",
    3,
    "Officials from Japan and China met in Beijing on Tuesday for annual fisheries talks. The Fisheries "
    "Agency said quotas for mackerel were discussed, and Mitsubishi Corporation's seafood arm attended.",
)
PANDAS = read(
    "Pandas return to Beijing from Wakayama",
    "Global Times",
    "china",
    4,
    "Four giant pandas left Adventure World in Wakayama for Chengdu on Tuesday. The zoo said 2,000 "
    "visitors came to say goodbye at the Shirahama park.",
)


def test_headlines_that_share_little_join_by_their_leads() -> None:
    headlines_only = [a.model_copy(update={"lead": ""}) for a in (LIST, PROTEST)]
    assert group_stories(headlines_only, TOPIC) == [[0], [1]]
    assert group_stories([LIST, PROTEST], TOPIC) == [[0, 1]]


def test_unrelated_leads_with_a_common_word_or_name_stay_apart() -> None:
    groups = group_stories([LIST, PROTEST, FISHERIES, PANDAS], TOPIC)
    assert sorted(groups) == [[0, 1], [2], [3]]
    shared = lead_facts(LIST.lead, TOPIC, side_name_words(TOPIC)) & lead_facts(
        FISHERIES.lead, TOPIC, side_name_words(TOPIC)
    )
    assert shared == {"mitsubishi"}  # a name in common is not an event in common


def test_lead_facts_are_names_numbers_and_same_as_terms(topic: Topic) -> None:
    facts = lead_facts(
        LIST.lead + " MOFCOM said 2,000 jobs and 3.5% of output were at stake.", topic, side_name_words(topic)
    )
    assert {"#40", "#2000", "#3.5%", "mitsubishi", "kawasaki", "=mofcom"} <= facts
    assert not facts & {"china", "japanese", "tuesday", "march", "the", "#1"}


_WORD = st.sampled_from(["Mitsubishi", "Kawasaki", "Osaka", "Harbin", "40", "1,200", "talks", "said", "exports", "the"])


@settings(max_examples=60)
@given(st.lists(st.lists(_WORD, min_size=0, max_size=30).map(" ".join), min_size=2, max_size=6))
def test_pairs_are_symmetric_in_input_order(leads: list[str]) -> None:
    articles = [read(f"Headline {k}", "Kyodo News", "japan", k, lead) for k, lead in enumerate(leads)]
    forward = {(i, j) for i, j, _ in story_pairs(articles, TOPIC)}
    backward = {(len(leads) - 1 - j, len(leads) - 1 - i) for i, j, _ in story_pairs(articles[::-1], TOPIC)}
    assert forward == backward
