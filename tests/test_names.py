"""Finding a topic's names: place data, traps, longest match, outlet context."""

from __future__ import annotations

import pytest

from digest_core.editorial.gazetteer import places
from digest_core.editorial.names import NOT_A_SIDE, PLACE, name_index
from digest_core.editorial.relevance import RelevanceRule
from digest_core.topics import Topic


def test_places_come_from_the_data_packages() -> None:
    japan, china = places("JP"), places("CN")
    assert {"Osaka", "Sapporo", "Hokkaido", "Okinawa", "Nagasaki"} <= japan  # cities and prefectures
    assert {"Harbin", "Shanghai", "Jiangsu", "Guangdong", "Inner Mongolia", "Hong Kong"} <= china
    assert "Taiwan" not in china  # the topics file decides what Taiwan is
    assert all(len(name) >= 4 for name in japan | china)
    assert not japan & china


def test_longest_name_wins_and_traps_name_no_side(topic: Topic) -> None:
    index = name_index(topic)
    found = {(m.text, m.role.kind, m.role.side) for m in index.find("China Coast Guard ships near Japan Airlines jet")}
    assert ("China Coast Guard", "institution", "china") in found
    assert ("Japan Airlines", NOT_A_SIDE, None) in found
    assert not any(side == "japan" for _, _, side in found)
    assert [m.role.kind for m in index.find("Floods in South China Sea islands")] == [NOT_A_SIDE]
    assert (PLACE, "japan") in {(m.role.kind, m.role.side) for m in index.find("Ōsaka’s mayor")}  # diacritics
    # an issue's or a third party's name before a name suffix is a company or a paper, not the issue or party
    assert [(m.text, m.role.kind) for m in index.find("Taiwan Semiconductor shares")] == [
        ("Taiwan Semiconductor", NOT_A_SIDE)
    ]
    assert [(m.text, m.role.kind) for m in index.find("India Post reports")] == [("India Post", NOT_A_SIDE)]
    assert {m.role.kind for m in index.find("India protests")} == {"third-party", "relation"}
    assert [m.role.kind for m in index.find("Chinese characters")] == [NOT_A_SIDE]


@pytest.mark.parametrize(
    ("headline", "outlet_side", "on_topic"),
    [
        ("SDF to deploy new missile unit", "china", True),  # the other side's institution
        ("SDF to deploy new missile unit", "japan", False),  # own side's domestic news
        ("Takaichi's approval rating slides", "china", False),  # the other side's home news, through its leader
        ("Cherry blossoms bloom early in Kyushu", "china", False),  # a place alone
        ("Osaka consulate issues safety advisory", "china", True),  # a place and a relation word
        ("Senkaku intrusions hit record pace", "japan", True),  # a contested issue from an outlet
        ("Senkaku intrusions hit record pace", None, False),  # ... but not without one
        ("Typhoon expected near Okinawa", "japan", False),  # one word is one proof, not side + issue
        ("Bank of China opens a branch in Tokyo", None, False),  # a bank is not China: one side only
    ],
)
def test_outlet_side_as_context(topic: Topic, headline: str, outlet_side: str | None, on_topic: bool) -> None:
    verdict = RelevanceRule(topic).judge_text(headline, outlet_side)
    assert verdict.on_topic is on_topic, verdict.reason
