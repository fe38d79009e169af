"""The on-topic rule on real published headlines of the topic's outlets (tests/data/real_headlines): the dev and
test splits of round 1, the dev2 split of round 3, dev3 of round 4, dev4 (round 2's holdout, gathered before
any rule change and measured once after rounds 3 and 4; tuned on since round 5) and dev5 (labelled before any
rule ran on it, measured once with the round-5 rules; tuned on in round 6) and dev6 (rounds 5-6's holdout,
measured once with the round-6 rules; tuned on in round 7), dev7 (round 7's holdout, tuned on in round 8),
dev8 (round 8's holdout, measured once with the round-8 rules; tuned on in round 9), dev9 (round 9's
holdout, tuned on in round 10) and dev10 (round 10's holdout, tuned on in round 11), with the headline alone
and with the article's first sentence as its lead; and the general rules it needs, on headlines written here
(not taken from the set)."""

from __future__ import annotations

import hashlib
import math
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest_core.editorial.relevance import RelevanceRule
from digest_core.editorial.third_parties import LEADERS, REGIONS
from digest_core.models import Article
from digest_core.topics import Topic, load_topics
from testkit.editorial_metrics import Scores, binary_scores
from testkit.real_set import OUTLETS, real_items, real_rows
from tests.labels import article_at

RULE = RelevanceRule(load_topics().get("china-japan"))

# Floors, (split, with lead) -> (precision, recall). Where a figure meets the goal (0.95 / 0.95
# with the lead, 0.93 / 0.93 headline alone), the floor is the goal; where it does not, the floor is the
# figure measured in round 5 (round 6 for dev5; docs/editorial.md) minus a margin of 0.03 (about one on-topic row of the
# smallest split, 1/37), rounded down: a change that loses more than that fails.
GOAL = {False: (0.93, 0.93), True: (0.95, 0.95)}
MARGIN = 0.03
MEASURED = {
    ("dev", False): (0.968, 0.938),  # round 6 (round 5: 0.967 / 0.922)
    ("dev", True): (0.970, 1.0),  # round 6 (round 5: 0.969 / 0.984)
    ("test", False): (1.0, 0.919),
    ("test", True): (1.0, 1.0),
    ("dev2", False): (0.984, 0.969),  # round 5 (round 4: 0.953 / 0.953)
    ("dev2", True): (0.954, 0.969),  # round 4: 0.926 / 0.984
    ("dev3", False): (1.0, 0.975),  # round 5; unseen by the round-3 rules: 0.914 / 0.800
    ("dev3", True): (1.0, 1.0),  # unseen: 0.905 / 0.950
    ("dev4", False): (0.977, 0.913),  # round 5, tuned on; unseen by the round-4 rules: 0.854 / 0.761
    ("dev4", True): (1.0, 0.978),  # tuned on; unseen: 0.872 / 0.891
    ("dev5", False): (0.973, 0.857),  # round 6, tuned on; unseen by the round-5 rules: 0.905 / 0.798
    ("dev5", True): (0.964, 0.952),  # round 6, tuned on; unseen: 0.894 / 0.905
    ("dev6", False): (0.906, 0.853),  # rounds 5-6's holdout, tuned on since round 7; unseen (round 6): 0.906 / 0.853
    ("dev6", True): (0.896, 0.882),  # unseen (round 6): 0.896 / 0.882
    ("dev7", False): (0.804, 0.750),  # round 7's holdout, tuned on since round 8; unseen (round 7): 0.763 / 0.750
    ("dev7", True): (0.779, 0.883),  # unseen (round 7): 0.716 / 0.883
    ("dev8", False): (0.944, 0.654),  # round 8's holdout, tuned on since round 9; unseen (round 8): 0.895 / 0.654
    ("dev8", True): (0.907, 0.942),  # round 9, tuned on; unseen (round 8): 0.891 / 0.942
    ("dev9", False): (0.868, 0.805),  # round 9's holdout, tuned on in round 10; unseen (round 9): 0.861 / 0.756
    ("dev9", True): (0.907, 0.951),  # round 10, tuned on; unseen (round 9): 0.884 / 0.927
    ("dev10", False): (0.889, 0.800),  # round 10's holdout, tuned on in round 11; unseen (round 10): 0.887 / 0.786
    ("dev10", True): (0.880, 0.943),  # round 11, tuned on; unseen (round 10): 0.823 / 0.929
    ("holdout7", False): (0.902, 0.719),  # measured once, round 11 final: only totals are read
    ("holdout7", True): (0.853, 0.906),
}


def floor(measured: float, goal: float) -> float:
    return goal if measured >= goal else math.floor((measured - MARGIN) * 100) / 100


FLOORS = {key: (floor(p, GOAL[key[1]][0]), floor(r, GOAL[key[1]][1])) for key, (p, r) in MEASURED.items()}


def scores(topic: Topic, split: str, lead: bool) -> Scores:
    items = real_items(topic, split, lead)
    return binary_scores([i.on_topic for i in items], [RULE.judge(i.article).on_topic for i in items])


def test_the_set_is_large_varied_and_split_before_tuning() -> None:
    rows = [r for r in real_rows() if r["split"] in ("dev", "test")]
    assert len(rows) >= 300 and len({r["title"] for r in rows}) == len(rows)
    assert {r["outlet"] for r in rows} == OUTLETS
    kinds = Counter(r["kind"] for r in rows)
    hard = {"sports", "third-party", "company-of-third-place", "lifestyle", "editorial", "ministry-statement"}
    assert hard | {"implicit", "economic-other-side"} <= kinds.keys()
    editorial_sides = {r["outlet"] in {"The Japan Times", "Nikkei Asia"} for r in rows if r["kind"] == "editorial"}
    assert editorial_sides == {True, False}  # editorials of each side
    for r in rows:
        assert r["url"].startswith("http") and r["reason"] and isinstance(r["on_topic"], bool)
    # The split is the fixed rule of the README: every third row of each (outlet, label) group.
    groups: dict[tuple[str, bool], list[dict[str, object]]] = {}
    for r in rows:
        groups.setdefault((str(r["outlet"]), bool(r["on_topic"])), []).append(r)
    for group in groups.values():
        group.sort(key=lambda r: hashlib.sha256(("digestbot-26:" + str(r["title"])).encode()).hexdigest())
        assert [r["split"] for r in group] == ["test" if k % 3 == 0 else "dev" for k in range(len(group))]


@pytest.mark.parametrize(("split", "lead"), sorted(FLOORS))
def test_figures_on_real_headlines_do_not_fall(topic: Topic, split: str, lead: bool) -> None:
    measured = scores(topic, split, lead)
    precision, recall = FLOORS[(split, lead)]
    assert measured.precision >= precision and measured.recall >= recall, measured


def read(title: str, lead: str = "", outlet: str = "Kyodo News", side: str = "japan") -> Article:
    return article_at(title, outlet, side, 3).model_copy(update={"lead": lead})


ROUND_1 = [
    # sports fixtures and results between the two countries' teams or players
    ("Japan edge China 2-1 in women's basketball semifinal", "", "Kyodo News", "japan", False),
    ("China sweeps Japan to lift badminton team title", "", "Global Times", "china", False),
    # ... unless something happens between the states
    ("China protests Japan's handling of football fans' detention", "", "CGTN", "china", True),
    # lifestyle without a bilateral act, and with one
    (
        "Osaka's best Sichuan restaurants, ranked",
        "Chinese chefs have transformed the city.",
        "The Japan Times",
        "japan",
        False,
    ),
    ("Chinese tourist numbers to Japan fall after Beijing's travel advisory", "", "Kyodo News", "japan", True),
    # third parties: the other side dealing with a third country, in one side's outlet
    (
        "Xi hosts Lula for trade talks",
        "Brazil's president arrived in Beijing on Monday.",
        "Nikkei Asia",
        "japan",
        False,
    ),
    ("Beijing slams Manila over shoal standoff", "", "The Japan Times", "japan", False),
    (
        "Chinese envoy summoned over remarks",
        "The Foreign Ministry in Tokyo protested on Tuesday.",
        "Kyodo News",
        "japan",
        True,
    ),
    # a headline about third parties, both sides only in the lead
    (
        "Australia and India hold naval drills",
        "The exercise comes as China and Japan watch closely.",
        "Global Times",
        "china",
        False,
    ),
    # implicit: the outlet's side plus the subject of an editorial
    ("Tokyo must face up to its history", "", "China Daily", "china", True),
    ("Japan should retract erroneous claims", "", "Global Times", "china", True),
]


def test_verdicts_reached_by_context_are_uncertain() -> None:
    assert RULE.judge(read("Xi hosts Lula for trade talks", "", "Nikkei Asia")).uncertain
    assert RULE.judge(read("Takaichi's approval rating falls", "", "China Daily", "china")).uncertain
    assert not RULE.judge(read("China bans dual-use exports to Japan", "")).uncertain


PARTIES = st.sampled_from(["Russia", "U.S.", "NATO", "Manila", "South Korean", "Brazil", "the EU", "Australians"])


@given(text=st.text(max_size=200), party=PARTIES, side=st.sampled_from(["china", "japan", None]))
def test_naming_a_third_party_never_makes_a_text_on_topic(text: str, party: str, side: str | None) -> None:
    with_party = RULE.judge_text(f"{text} {party}", side)
    assert not with_party.on_topic or RULE.judge_text(text, side).on_topic, with_party.reason


ROUND_2 = [
    # a leader stands for their country: the other side meeting a third country's leader
    ("Xi and Lula pledge closer trade ties", "", "Kyodo News", "japan", False),
    ("Takaichi holds talks with Modi in New Delhi", "", "CGTN", "china", False),
    # a region is a third party
    ("Xi vows support for Africa's development", "", "Nikkei Asia", "japan", False),
    # one side and a third party in the headline, the other side only in passing ("amid")
    ("Tokyo and Canberra sign supply pact amid Beijing's assertiveness", "", "Global Times", "china", False),
    ("Japan, Vietnam hold talks", "The meeting comes as China expands its navy.", "CGTN", "china", False),
    # ... unless the lead's first sentence relates the two sides
    (
        "Canberra backs Tokyo in defense talks",
        "The talks come as tensions between Japan and China run high.",
        "Kyodo News",
        "japan",
        True,
    ),
    # the other side dealing with a third party over an issue, in one side's outlet
    ("Beijing warns Washington over Taiwan arms sales", "", "Nikkei Asia", "japan", False),
    # ... but one's own side doing so stays on-topic (the issue links it to the other side)
    ("Japanese exporters turn to Vietnam as seafood ban bites", "", "Kyodo News", "japan", True),
    # a demand on the other side, even about a third party
    ("Tokyo should not dance to Washington's tune on Taiwan", "", "Global Times", "china", True),
    ("Japan must stop its provocations", "", "China Daily", "china", True),
    # censure of the other side by one side's outlet
    ("Japan's reckless remarks undermine regional peace", "", "CGTN", "china", True),
    # the other side's home news through its leader is not about the two sides ...
    ("Takaichi's cabinet support slips in new poll", "", "China Daily", "china", False),
    ("Xi tells officials to tighten spending", "", "The Japan Times", "japan", False),
    # ... but its institutions (its military, parties, ministries) are
    ("SDF to deploy new missile unit", "", "Global Times", "china", True),
    # an editorial of one side's outlet on the other side
    ("Japan at a crossroads: China Daily editorial", "", "China Daily", "china", True),
]


def test_leaders_and_regions_are_used_as_their_countries() -> None:
    assert "Putin" in LEADERS["RU"] and "Middle East" in REGIONS
    for name in ("Putin", "Biden", "Middle East"):
        with_party = RULE.judge_text(f"Xi holds call with {name} on trade", "japan")
        assert not with_party.on_topic and name in with_party.reason, with_party.reason
    alone = RULE.judge_text("Xi holds call on trade", "japan")
    assert "home news" in alone.reason and not alone.on_topic


ROUND_3 = [
    # a side's own claim (Taiwan for China) named with that side alone is its own affair ...
    ("Beijing stages drills around Taiwan", "", "Kyodo News", "japan", False),
    ("Mainland eases travel rules for Taiwan residents", "", "China Daily", "china", False),
    # ... named with the other side it links them
    ("Tokyo weighs evacuation plans for Taiwan", "", "Global Times", "china", True),
    # a claimed issue is a party to the other side's outlets: the headline is about it and one side
    ("Taiwan courts Japanese chipmakers amid Beijing's pressure", "", "Nikkei Asia", "japan", False),
    ("Taiwan lawmakers praise Tokyo's stance", "", "CGTN", "china", True),  # no third party to China's outlets
    # a third party acting on one's own side over an issue is that party's act
    ("Manila urges Japan to share wartime records", "", "The Japan Times", "japan", False),
    # travel between the sides is no lifestyle piece; food is
    ("Chinese holidaymakers return to Kyoto", "", "Kyodo News", "japan", True),
    ("Japanese tourists rediscover Xi'an", "", "CGTN", "china", True),
    ("Why Japanese ramen conquered Chinese cities", "", "South China Morning Post", "china", False),
    # a score marks a match
    ("China edge Japan 2-1 after extra time", "", "Global Times", "china", False),
    # a demand on a pair is on neither side alone
    ("Washington and Tokyo must keep talking", "", "Global Times", "china", False),
    # the sides as the headline's subject and object outweigh the third parties after them
    ("Japanese firms shift from China to Vietnam, Thailand", "", "Nikkei Asia", "japan", True),
    # a relation word that belongs to a third party or a trap name is no relation of the side
    ("South China Sea tensions rise as Beijing deploys jets", "", "The Japan Times", "japan", False),
    # both sides named only in the lead, in a list of third parties: a multilateral piece
    (
        "Powers race for new shipping lanes",
        "Russia, China, Norway and Japan eye the routes.",
        "Nikkei Asia",
        "japan",
        False,
    ),
    # a side's companies name it, but are no institution of it
    ("Panasonic expands battery output in China", "", "Kyodo News", "japan", True),
    ("Huawei unveils new phone", "", "Nikkei Asia", "japan", False),
    # trade words in the lead do not make the other side's home economy on-topic; in the headline they do
    ("China's growth beats forecasts", "Exports and retail sales rose in May.", "The Japan Times", "japan", False),
    ("China's exports slow in May", "", "The Japan Times", "japan", True),
]


def test_verdicts_on_a_claim_or_a_pair_are_uncertain() -> None:
    assert RULE.judge(read("Beijing stages drills around Taiwan", "", "Kyodo News", "japan")).uncertain
    assert RULE.judge(read("Washington and Tokyo must keep talking", "", "Global Times", "china")).uncertain


ROUND_4 = [
    # history between the sides, the other side unnamed, in one side's outlet
    ("Lawmakers' shrine visits show militarism is alive", "", "Global Times", "china", True),
    ("Ritual offering sends the wrong signal", "", "China Daily", "china", True),
    # one side's unnamed officials on a dispute: the other side is implied ...
    ("Ministry demands retraction of erroneous remarks", "", "CGTN", "china", True),
    ("Spokesperson lodges protest over coast guard incident", "", "Kyodo News", "japan", True),
    # ... not a statement with no official, nor one on a third party
    ("Protest held over new tax", "", "Kyodo News", "japan", False),
    ("Ministry protests Manila's remarks", "", "CGTN", "china", False),
    # an unnamed official in one side's outlet is that side: both sides are named
    ("Prime minister rejects Beijing's demand", "", "The Japan Times", "japan", True),
    ("Japanese government approves record budget", "", "CGTN", "china", False),  # its own, named
    # a warning to the other side, a censure, its military build-up are relations; a weather warning is not
    ("Tokyo issued a stern warning", "", "Global Times", "china", True),
    ("Beijing hypes maritime threat", "", "Nikkei Asia", "japan", True),
    ("Tokyo's military buildup unsettles the region", "", "China Daily", "china", True),
    ("Heavy rain warning issued for Japan's Kyushu", "", "CGTN", "china", False),
    # a claim that qualifies what was said is no party: the other side reacts to one's own side
    ("Beijing slams Taiwan remarks, demands retraction", "", "Kyodo News", "japan", True),
    ("Beijing slams Taiwan's new leader", "", "Kyodo News", "japan", False),
    # one side paired with a third party as the subject, the other side after them: their relations
    ("Tokyo, Canberra deepen defense ties as Beijing's power grows", "", "Kyodo News", "japan", False),
    ("Japan and India sign pact to counter China's reach", "", "Global Times", "china", False),
    # ... unless they act on the other side, or all three are the subject
    ("Japan, Australia protest China's missile test", "", "Kyodo News", "japan", True),
    ("Japan, South Korea, China ministers meet in Busan", "", "Kyodo News", "japan", True),
    # the other side's leader as the headline's subject is home news, whatever institution the lead names
    (
        "Takaichi's rival launches leadership bid",
        "The race to lead the Liberal Democratic Party opened on Monday.",
        "China Daily",
        "china",
        False,
    ),
    # a sports or lifestyle headline is judged on its own acts, not on a relation word in its lead
    (
        "How Japanese cuisine won over Shanghai",
        "The dish has a long history in China.",
        "South China Morning Post",
        "china",
        False,
    ),
    # a reaction of the other side in the lead's first sentence relates them
    (
        "Japanese destroyer transits Taiwan Strait",
        "The ship sailed through on Tuesday, drawing a swift backlash from China.",
        "Kyodo News",
        "japan",
        True,
    ),
]


def test_implied_verdicts_are_uncertain() -> None:
    assert RULE.judge(read("Ministry demands retraction of erroneous remarks", "", "CGTN", "china")).uncertain
    assert RULE.judge(read("Lawmakers' shrine visits show militarism is alive", "", "Global Times", "china")).uncertain


ROUND_5 = [
    # ties of an unnamed pair and war history, in one side's outlet: the outlet's side and the other ...
    ("Both nations must mend frayed ties", "", "Global Times", "china", True),
    ("Lessons of war history must not fade", "", "China Daily", "china", True),
    # ... not ties with a partner named after them, nor words that are as often no states' ("neighbors",
    # "public relations")
    ("Club cuts ties with its sponsor", "", "China Daily", "china", False),
    ("Neighbors complain about noisy airport", "", "The Japan Times", "japan", False),
    ("Public relations firm names new chief", "", "China Daily", "china", False),
    # a demand or judgment addressed to the other side, after its name or before it; what it merely
    # needs is its home news
    ("Tokyo in need of a reality check", "", "CGTN", "china", True),
    ("Japan needs more nurses", "", "China Daily", "china", False),
    ("Enough of Tokyo's double talk", "", "Global Times", "china", True),
    ("Time for Japan to act on its pledges", "", "China Daily", "china", True),
    # students and films of one side in the other are lifestyle, unless a state acts on them
    ("Chinese students flock to Japanese universities", "", "Kyodo News", "japan", False),
    ("Japanese film breaks records in China", "", "The Japan Times", "japan", False),
    ("China bans Japanese films after envoy row", "", "The Japan Times", "japan", True),
    ("Japanese student attacked in Suzhou", "", "Kyodo News", "japan", True),  # violence against them
    # the other side's travellers in one side's outlet travel to it; at a place of their own they do not,
    # nor does the other side's state acting on tourists
    ("Chinese holidaymakers return in droves", "", "Kyodo News", "japan", True),
    ("Japanese visitors arrive for cherry season", "", "CGTN", "china", True),
    ("Chinese tourists pack Harbin ice festival", "", "Kyodo News", "japan", False),
    ("Japan scraps tax-free shopping for tourists", "", "South China Morning Post", "china", False),
    # the other side as the object of a meeting or visit: someone of the outlet's side goes to it ...
    ("Ex-premier quietly met Xi in Beijing", "", "Kyodo News", "japan", True),
    ("Lawmakers plan China visit", "", "The Japan Times", "japan", True),
    # ... not its own leader visiting its own city
    ("Xi visits Wuhan hospital", "", "Nikkei Asia", "japan", False),
    # the other side's party or parliament in its own politics is home news, in the headline or the lead
    ("What to watch in the LDP's leadership race", "", "Global Times", "china", False),
    ("Communist Party plenum opens", "", "The Japan Times", "japan", False),
    (
        "Tough choice",
        "Shigeru Ishiba won the election for the leadership of Japan's Liberal Democratic Party.",
        "CGTN",
        "china",
        False,
    ),
    # a third party's own ties with each side are not theirs with each other; its urging them is
    ("Putin hails Russia's ties with China, Japan", "", "Kyodo News", "japan", False),
    ("Washington urges Japan, China to ease tensions", "", "Kyodo News", "japan", True),
    # a side's state programmes and the bank it founded name it
    ("Tokyo weighs joining AIIB", "", "Global Times", "china", True),
    ("Japanese firms eye Belt and Road projects", "", "China Daily", "china", True),
    # an accident at a contested place is no act between states, even when the lead names both sides as
    # where it happened; tension there is
    ("Fishing boat capsizes in East China Sea", "", "Kyodo News", "japan", False),
    (
        "Tanker catches fire in East China Sea",
        "The blaze broke out off Japan's Okinawa; the Shanghai-registered ship's crew were rescued.",
        "Kyodo News",
        "japan",
        False,
    ),
    ("Tensions flare in East China Sea", "", "Kyodo News", "japan", True),
    ("Japanese trawler sinks in East China Sea after collision with Chinese ship", "", "Kyodo News", "japan", True),
]


def test_round_5_verdicts_by_context_are_uncertain() -> None:
    for title, outlet, side in [
        ("Both nations must mend frayed ties", "Global Times", "china"),
        ("Chinese holidaymakers return in droves", "Kyodo News", "japan"),
        ("Lawmakers plan China visit", "The Japan Times", "japan"),
        ("Communist Party plenum opens", "The Japan Times", "japan"),
        ("Putin hails Russia's ties with China, Japan", "Kyodo News", "japan"),
        ("Fishing boat capsizes in East China Sea", "Kyodo News", "japan"),
    ]:
        assert RULE.judge(read(title, "", outlet, side)).uncertain, title
    # the other side alone in one side's outlet, with no relation: often commentary the rules cannot see,
    # so dropped offline and left to the model (round 4 dropped it with certainty)
    alone = RULE.judge(read("Tokyo at a turning point", "", "China Daily", "china"))
    assert not alone.on_topic and alone.uncertain, alone.reason


ROUND_6 = [
    # the other side's armed strength growing, in one side's outlet (headline or lead), is a relation ...
    ("Japan's soaring military spending alarms region", "", "China Daily", "china", True),
    ("Japan's military adventurism must be checked", "", "Global Times", "china", True),
    (
        "Tokyo's costly new course",
        "Japan's cabinet approved a record defense budget on Friday.",
        "CGTN",
        "china",
        True,
    ),
    # ... a side's own budget in its own outlet is home news
    ("Government approves record military budget", "", "The Japan Times", "japan", False),
    ("Japan's defense spending to hit 2% of GDP", "", "Kyodo News", "japan", False),
    # matches between the teams named by the game, the cup or the team
    ("Japan ends China's ping-pong reign", "", "China Daily", "china", False),
    ("China rout Japan in Asia Cup opener", "", "China Daily", "china", False),
    ("China's women's team crashes out to Japan", "", "Global Times", "china", False),
    # an accident with one side named only as where it happened is no act between states ...
    ("Chinese cargo ship sinks off Nagasaki; crew missing", "", "The Japan Times", "japan", False),
    ("Chinese fishing boat capsizes off Okinawa, three rescued", "", "Kyodo News", "japan", False),
    # ... a seizure, both sides' ships colliding, or violence is
    ("Chinese vessel seized off Nagasaki for illegal fishing", "", "The Japan Times", "japan", True),
    ("Japanese tanker collides with Chinese freighter off Kobe", "", "Kyodo News", "japan", True),
    ("Japanese student killed in Shenzhen stabbing", "", "Kyodo News", "japan", True),
    # a side and a third party drilling together, with the other side's reaction "from" it: their pact ...
    ("Philippines-Japan drill draws warning from Chinese experts", "", "Global Times", "china", False),
    # ... not the pair's own act on the other side
    ("Japan, Australia protest China's missile tests", "", "Global Times", "china", True),
    # the other side heading a list of peoples is one of many, not the object of the first
    (
        "As Japan ages, Chinese, Vietnamese and Filipinos fill care jobs",
        "",
        "South China Morning Post",
        "china",
        False,
    ),
    ("Japan, South Korea and China leaders to meet in Seoul", "", "China Daily", "china", True),
    # an editorial on the other side's leader at home (an election, a poll) is home politics; on ties it is not
    ("Takaichi's snap election gamble: China Daily editorial", "", "China Daily", "china", False),
    ("Abe's election win bodes ill for ties: editorial", "", "China Daily", "china", True),
    # an act aimed at the other side's people, or holding them, is an act on it ...
    ("Coast guard steps up patrols against Chinese fishing boats", "", "The Japan Times", "japan", True),
    ("Minister defends detaining Chinese captain", "", "The Japan Times", "japan", True),
    # ... not the other side's people acting, nor a match "against" it
    ("Chinese hackers targeting banks, police say", "", "The Japan Times", "japan", False),
    ("Japan wins against China in volleyball final", "", "China Daily", "china", False),
    # a lifestyle or travel headline whose lead opens with a side's state acting (an embassy's caution) ...
    (
        "Japan shrugs off manga quake rumours as hotel bookings fall",
        "The Chinese embassy in Tokyo urged its citizens to take care when travelling to Japan.",
        "South China Morning Post",
        "china",
        True,
    ),
    # ... and without it, or with an association of cooks, a lifestyle piece
    (
        "Japan shrugs off manga quake rumours as hotel bookings fall",
        "Fans of the comic in Tokyo said its prediction had gone viral online.",
        "South China Morning Post",
        "china",
        False,
    ),
    (
        "Chinese chefs bring Sichuan heat to Osaka",
        "Osaka's Sichuan restaurants have doubled in number since 2020, the Chinese Cuisine Association says.",
        "The Japan Times",
        "japan",
        False,
    ),
    # "Comment:" alone opening a headline marks an opinion piece: its statement implies the other side ...
    ("Comment: Cooling the tensions at sea", "", "China Daily", "china", True),
    # ... not a comment on home affairs, nor someone's comment reported
    ("Comment: Why the city needs more parks", "", "China Daily", "china", False),
    ("Mayor's comment: tensions over the budget will ease", "", "China Daily", "china", False),
    # a headline naming no one whose lead opens with a third party acting on one side: that party's dealings
    (
        "Fifty years of grievances",
        "South Korea's president renewed her call for Japan to atone for its wartime history.",
        "The Japan Times",
        "japan",
        False,
    ),
    (
        "A tense anniversary",
        "China's foreign ministry urged Japan to face up to its wartime history.",
        "Kyodo News",
        "japan",
        True,
    ),
]


def test_round_6_marks_the_kinds_still_missed_uncertain() -> None:
    # one side's outlet demanding something of its own side, or naming an unnamed neighbour: often commentary
    # on the other side, dropped offline and left to the model
    for title in ("SDF should utilize the new airport", "An Asian neighbor's view of Japan"):
        verdict = RULE.judge(read(title, "", "The Japan Times", "japan"))
        assert not verdict.on_topic and verdict.uncertain, title
    # the outlet's own side with an issue the other side claims, that side unnamed: kept, for the model to judge
    claim = RULE.judge(read("Japan group visits war graves in Taiwan", "", "Kyodo News", "japan"))
    assert claim.on_topic and claim.uncertain, claim.reason
    # ... but not every headline on the outlet's own side: its home news stays certain
    assert not RULE.judge(read("Japan's economy grows 1%", "", "Kyodo News", "japan")).uncertain
    # the new verdicts off-topic are reached by context, so the model may overturn them
    for title, outlet, side in [
        ("Chinese cargo ship sinks off Nagasaki; crew missing", "The Japan Times", "japan"),
        ("Takaichi's snap election gamble: China Daily editorial", "China Daily", "china"),
        ("China rout Japan in Asia Cup opener", "China Daily", "china"),
    ]:
        assert RULE.judge(read(title, "", outlet, side)).uncertain, title


# Round 7 (dev6's errors read by kind): each first row of a pair is a headline written here that the round-6
# rules get wrong; the rows marked "guard" are home news or third parties that the new words must leave alone.
ROUND_7 = [
    # a side's currency stands for the side whose policy moves it ...
    ("Weak yen squeezes Chinese exporters' margins", "", "Global Times", "china", True),
    ("Yuan's slide: what it means for Japanese carmakers", "", "Nikkei Asia", "japan", True),
    # ... guard: a currency at home, or against a third party's, is no relation
    ("Yen slides as Bank of Japan holds rates", "", "Kyodo News", "japan", False),
    ("Yuan firms against the dollar", "", "China Daily", "china", False),
    ("Yen hits 34-year low against dollar", "", "Global Times", "china", False),
    # "the war" unqualified, in one side's outlet on the other side: the war between them ...
    ("Japan's amnesia about the war", "", "China Daily", "china", True),
    ("Japan's silence on the war speaks volumes", "", "Global Times", "china", True),
    # ... guard: another war named after it, a qualified war, or the outlet's own side
    ("Japan's stance on the war in Ukraine", "", "China Daily", "china", False),
    ("Japan's role in the trade war", "", "Global Times", "china", False),
    ("Veterans recall the war in Burma", "", "Kyodo News", "japan", False),
    # a headline that opens by urging its readers to reject the other side is a demand on it ...
    ("Say no to Tokyo's bullying!", "", "Global Times", "china", True),
    # ... guard: someone else saying no, or no side named
    ("Residents say no to Tokyo casino plan", "", "China Daily", "china", False),
    ("Say no to plastic bags", "", "China Daily", "china", False),
    # a third country's agencies are its state: the other side against them is third-party ...
    ("Chinese spy agency catches up with the CIA", "", "The Japan Times", "japan", False),
    # ... guard: the other side's agency acting on the outlet's side stays on-topic
    ("Chinese spy agency targets Japanese defense firms", "", "The Japan Times", "japan", True),
    # partners named only as like-minded are third parties: one side with them "amid" the other is backdrop ...
    ("Tokyo courts like-minded nations amid Beijing's assertiveness", "", "Kyodo News", "japan", False),
    # ... guard: the side and its partners acting on the other side stays on-topic
    ("Japan, like-minded partners protest Chinese drills", "", "Kyodo News", "japan", True),
    # the outlet's own side and its statement on the war's end: its word to the neighbours it fought ...
    ("Takaichi weighs statement on 81st anniversary of the end of the war", "", "Kyodo News", "japan", True),
    ("Japan's cabinet split over WWII statement", "", "The Japan Times", "japan", True),
    # ... guard: a statement on another anniversary or another war, or with a third party
    ("Kishida issues statement on quake anniversary", "", "Kyodo News", "japan", False),
    ("Japan PM issues statement on the war in Gaza", "", "Kyodo News", "japan", False),
    ("Japan, Australia release joint WWII statement", "", "Nikkei Asia", "japan", False),
    # the closing event and titles of a tour between the sides' players are sports results ...
    ("China's Wang wins singles title at ATP Finals Tokyo", "", "CGTN", "china", False),
    # ... guard: "Finals" is a proper name, and a sporting act of state stays on-topic
    ("China protests Japan's ban on players at WTT Finals", "", "CGTN", "china", True),
]


# Round 8 (dev7's errors read by kind): the rows of each group before its "guard" line are headlines written
# here that the round-7 rules get wrong (nine of them; the ones marked "held" the round-7 rules already get
# right); the guards are bilateral acts that must stay on-topic, or home news and third parties that must
# stay off.
ROUND_8 = [
    # the other side named only by a city or region of its own: protests, bans, harassment there are home news
    ("Riot police clear protest camp in Guangzhou", "", "Kyodo News", "japan", False),
    ("Shenzhen bans e-bikes on main roads after protests", "", "Nikkei Asia", "japan", False),
    (
        "Reporters leave Shanghai",
        "Journalists in Shanghai have faced harassment since the lockdown began.",
        "The Japan Times",
        "japan",
        False,
    ),
    # ... guard: the capital stands for the state, an official of the outlet's side acts (a consul: "consul"
    # and "consulate" joined the officials' words in round 8), or the state is named; a rally at home stays
    # off (held)
    ("Students rally in Osaka over tuition hike", "", "Global Times", "china", False),
    ("Beijing protests over Senkaku patrol", "", "Kyodo News", "japan", True),
    ("Consul lodges protest over Osaka rally", "", "China Daily", "china", True),
    ("Chinese embassy protests at Osaka rally", "", "Kyodo News", "japan", True),
    ("Tokyo bans Chinese seafood imports", "", "Global Times", "china", True),
    # a third party dealing with one side ("with", "in") about the other: the third party's dealings
    ("Manila seeks defense pact with Japan to counter Chinese ships", "", "Kyodo News", "japan", False),
    ("Seoul opens envoy office in Tokyo to track China", "", "Kyodo News", "japan", False),
    # ... guard: the third party acting on both sides, or on one side as one party of the pair; the other
    # side in an "amid" clause stays off (held)
    ("India signs rare earth deal with Japan amid Chinese curbs", "", "Nikkei Asia", "japan", False),
    ("Washington urges Japan, China to ease tensions", "", "Kyodo News", "japan", True),
    ("U.S. pushes Japan to join China chip curbs", "", "Nikkei Asia", "japan", True),
    ("Seoul hosts summit with Japan and China", "", "Kyodo News", "japan", True),
    # ... and the sides dealing with each other stay on-topic
    ("Japan seeks talks with China over detained employee", "", "Kyodo News", "japan", True),
    # the other side's party choosing its leader (a runoff, "elected") is its own politics ...
    ("Japan's ruling LDP heads to runoff", "", "China Daily", "china", False),
    (
        "Restoring calm seen as the task after party vote",
        "Sanae Takaichi was elected head of Japan's ruling Liberal Democratic Party on Saturday.",
        "Global Times",
        "china",
        False,
    ),
    # ... guard: the new leader on the outlet's side, or the other side's ministry acting, stay on-topic
    ("Newly elected LDP chief vows to mend ties with China", "", "Global Times", "china", True),
    ("Japan's Foreign Ministry summons envoy", "", "China Daily", "china", True),
    # ... and so is a purge in its party or army ("purged", "ousted", "toppled")
    ("PLA purges two generals", "", "Kyodo News", "japan", False),
    ("Ousted defense minister was Communist Party's rising star", "", "The Japan Times", "japan", False),
    # ... guard: a purge named with the outlet's side or a contested place stays on-topic
    ("PLA warns Tokyo after purge of generals", "", "Kyodo News", "japan", True),
    ("Purged PLA general had led drills near Senkaku Islands", "", "Kyodo News", "japan", True),
]


# Round 9 (dev8's errors read by kind), as round 8: the cases the round-8 rules get wrong ("held": already
# right), then guards.
ROUND_9 = [
    # a dispute the headline gives a third party ("dispute with Russia") is the side's with it, in either
    # side's outlet
    ("Japan admits islands dispute with Russia remains unsolved", "", "Global Times", "china", False),
    ("Kishida says islands dispute with Russia will take time", "", "Kyodo News", "japan", False),
    ("Tokyo says territorial row with Seoul will take years", "", "CGTN", "china", False),  # held
    # ... guard: the dispute with the other side, or the other side acting, stays on-topic
    ("Kishida says islands dispute with China will take time", "", "Kyodo News", "japan", True),
    ("Japan vows firm stance in islands dispute with China", "", "Global Times", "china", True),
    ("China rejects Japan's stance on island dispute with Russia", "", "Kyodo News", "japan", True),
    ("Beijing urges Tokyo to settle maritime dispute", "", "Kyodo News", "japan", True),
    ("Japan protests Chinese survey ships near disputed islands", "", "Global Times", "china", True),
    # a contested sea named as where one side acts on a place it claims ("near Taiwan in ...") is the place
    # of that act, no dispute between the sides
    ("China stages drills near Taiwan in the East China Sea", "", "Nikkei Asia", "japan", False),
    ("Beijing launches exercises around Taiwan in East China Sea", "", "Global Times", "china", False),
    # ... guard: the sea alone, a contested place as the target, the outlet's own side acting near the claim,
    # or the other side named, stay on-topic
    ("China holds drills in East China Sea", "", "Kyodo News", "japan", True),
    ("China holds drills near Senkaku Islands in East China Sea", "", "Kyodo News", "japan", True),
    ("Japan deploys missiles near Taiwan in East China Sea", "", "Kyodo News", "japan", True),
    ("China stages drills off Taiwan in East China Sea as Japan protests", "", "Nikkei Asia", "japan", True),
    ("Japan Coast Guard tracks Chinese ships near Taiwan in East China Sea", "", "Global Times", "china", True),
]


ROUND_10 = [
    # people-to-people exchange between the sides is a framework of relations, not a lifestyle piece
    ("300 Chinese, Japanese high school students join exchange program", "", "Kyodo News", "japan", True),
    ("Japanese, Chinese youths meet at cultural exchange in Osaka", "", "China Daily", "china", True),
    ("Youth exchange brings Japanese and Chinese students together", "", "Nikkei Asia", "japan", True),
    # ... guard: students or a festival with no exchange between the sides stay lifestyle
    ("Chinese students flock to Japanese universities", "", "Kyodo News", "japan", False),
    ("Japanese film festival opens in Shanghai", "", "Global Times", "china", False),
    # the other side's public broadcaster is one of its institutions (as Xinhua is China's)
    ("Beijing protests NHK documentary on Tibet", "", "Kyodo News", "japan", True),
    ("Scholars slam NHK executive's remarks on wartime sex slaves", "", "Global Times", "china", True),
    # ... guard: a third party's broadcaster is no side
    ("Scholars slam BBC executive's remarks on wartime sex slaves", "", "Global Times", "china", False),
    # "Second World War" is the war between the sides as "World War II" is, in one side's outlet naming the other
    ("Japan urged to face up to its Second World War record", "", "China Daily", "china", True),
    ("Japan marks end of Second World War with solemn ceremony", "", "Global Times", "china", True),
    # ... guard: the war named with a third party only
    ("Britain honours veterans of the Second World War in Burma", "", "South China Morning Post", "china", False),
    # "the West" is a party: one side's quarrel with it is no relation with the other side
    ("China accuses the West of smearing its Xinjiang policy", "", "The Japan Times", "japan", False),
    ("Beijing says the West is trying to rewrite its history", "", "Kyodo News", "japan", False),
    # ... guard: the other side acting with the West on this side stays on-topic
    ("Japan joins the West in condemning China's military drills", "", "Global Times", "china", True),
]


ROUND_11 = [
    # an issue's name inside a company's name ("Taiwan Semiconductor") is the company, not the issue
    ("Japan subsidizes Taiwan Semiconductor's second plant in Kumamoto", "", "Kyodo News", "japan", False),
    (
        "Japan to fund new chip plant",
        "The Japanese government will subsidize Taiwan Semiconductor Manufacturing Co.'s plant in Kumamoto.",
        "Nikkei Asia",
        "japan",
        False,
    ),
    # ... guard: the issue itself stays one
    ("Japan voices concern over Taiwan as Chinese drills continue", "", "Kyodo News", "japan", True),
    ("Taiwan Strait tension worries Japan", "", "Global Times", "china", True),
    # "Chinese characters" are the script (kanji), not the state
    ("Japan picks 'hot' as kanji of the year, in Chinese characters", "", "Kyodo News", "japan", False),
    # ... guard: Chinese people or officials are the state's side
    ("Chinese envoy criticizes Japan's textbook revisions", "", "Kyodo News", "japan", True),
    # "island dispute" is the contested issue as "islands dispute" is
    ("Activists clash with police over island dispute", "", "South China Morning Post", "china", True),
    # ... guard: a dispute the headline gives a third party stays its own (round 9)
    ("Japan says island dispute with Russia will take years", "", "China Daily", "china", False),
    # hatred, animosity, hostility between the peoples are conflict between the sides, not a lifestyle piece
    ("Sino-Japanese hatred flares over viral restaurant sign", "", "South China Morning Post", "china", True),
    ("Anti-Japanese hostility shows no end", "", "South China Morning Post", "china", True),
    # ... guard: a restaurant of one side in the other with no act is lifestyle
    ("Japanese restaurant in Shanghai struggles through pandemic", "", "South China Morning Post", "china", False),
    # rugby sevens and hyphenated rounds ("quarter-finals") are sport
    (
        "Hong Kong fall to Japan again",
        "Japan beat Hong Kong 22-17 in the Cup quarter-finals at the Shanghai Sevens.",
        "South China Morning Post",
        "china",
        False,
    ),
    ("Japan edge Hong Kong in the semi-finals", "", "South China Morning Post", "china", False),
]


@pytest.mark.parametrize(
    ("title", "lead", "outlet", "side", "on_topic"),
    [
        pytest.param(*case, id=f"round{number}-{k}")
        for number, cases in enumerate(
            (ROUND_1, ROUND_2, ROUND_3, ROUND_4, ROUND_5, ROUND_6, ROUND_7, ROUND_8, ROUND_9, ROUND_10, ROUND_11), 1
        )
        for k, case in enumerate(cases)
    ],
)
def test_rules_know_the_kinds(title: str, lead: str, outlet: str, side: str, on_topic: bool) -> None:
    """Headlines written for each round's kinds (each round's list: the cases the rules before it got
    wrong, then guards that must not change)."""
    verdict = RULE.judge(read(title, lead, outlet, side))
    assert verdict.on_topic is on_topic, verdict.reason


# Round 9: an opinion piece (a reader's letter, an editorial) whose text names no side cannot be told from its
# headline ("Government arrogance to blame" on the Senkaku crisis); offline it stays off-topic, as most such
# pieces are, but uncertain, so that with a Gemini key the model judges it. A report naming no side, and an
# opinion piece naming a third party or a side, keep their confident verdicts.
@pytest.mark.parametrize(
    ("title", "url", "uncertain"),
    [
        ("Blame lies with stubborn officials", "https://www.japantimes.co.jp/opinion/2012/10/01/reader-mail/x/", True),
        ("Editorial: Pension reform can wait no longer", "https://www.japantimes.co.jp/news/2012/10/01/x/", True),
        ("Blame lies with stubborn officials", "https://www.japantimes.co.jp/news/2012/10/01/national/x/", False),
        ("Washington's folly", "https://www.japantimes.co.jp/opinion/2012/10/01/editorials/x/", False),
    ],
)
def test_an_opinion_piece_naming_no_side_is_uncertain(title: str, url: str, uncertain: bool) -> None:
    verdict = RULE.judge(read(title, outlet="The Japan Times").model_copy(update={"url": url}))
    assert verdict.on_topic is False and not verdict.sides
    assert verdict.uncertain is uncertain, verdict.reason
    assert ("an opinion piece" in verdict.reason) is uncertain


def test_an_opinion_piece_naming_a_side_keeps_its_verdict() -> None:
    url = "https://www.japantimes.co.jp/opinion/2012/10/01/reader-mail/x/"
    verdict = RULE.judge(
        read("China must stop its coast guard incursions", outlet="The Japan Times").model_copy(update={"url": url})
    )
    assert verdict.on_topic is True and "an opinion piece" not in verdict.reason


def test_an_opinion_piece_whose_lead_names_no_side_stays_confident() -> None:
    url = "https://www.japantimes.co.jp/opinion/2012/10/01/reader-mail/x/"
    lead = "The pension system needs a bolder fix than the one the ministry proposed last week."
    verdict = RULE.judge(
        read("Blame lies with stubborn officials", lead, "The Japan Times").model_copy(update={"url": url})
    )
    assert verdict.on_topic is False and verdict.uncertain is False, verdict.reason
