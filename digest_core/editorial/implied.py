"""What a headline implies about the other side when it does not name it, read from its wording:
one side's outlet on history between the sides ("Shrine visits reflect militarism"), or its own
unnamed officials on a dispute ("Ministry demands retraction of erroneous remarks"), is about the
other side; a warning, a censure or the other side's military build-up in one side's outlet is a
relation ("Travel warning issued for Japan"), a weather warning is not; so are ties between an
unnamed pair ("Neighbors share willingness to improve ties"): the outlet's side and the other.
Plain English words, the same for every topic; each list is matched as whole words in the folded,
lower-case text.
"""

from __future__ import annotations

import re

from digest_core.editorial.names import fold, words

# History between two states, as one side's press names it without naming the other.
HISTORY = (
    "shrine visit",
    "shrine visits",
    "controversial shrine",
    "ritual offering",
    "war criminals",
    "war crimes",
    "militarism",
    "militarist",
    "wartime atrocities",
    "war of aggression",
    "war of resistance",
    "historical revisionism",
    "comfort women",
    "war history",
    "wartime history",
    "history of aggression",
)

# Relations between two states, named without naming them ("Ties may take a turn for the better"): in
# one side's outlet, with no party named, the pair is its own side and the other.
# Only words of states' relations: not "relations" (public, labor), "neighbors" (next door) or
# "reconciliation" (national, accounts) alone.
PAIR = (
    "ties",
    "bilateral",
    "bilateral relations",
    "neighboring countries",
    "neighbouring countries",
    "two neighbors",
    "two neighbours",
    "both countries",
    "two countries",
    "both nations",
    "two nations",
    "rapprochement",
    "detente",
)

# The subjects of a statement on another state: a dispute, a demand, a protest, a censure.
STATEMENT = (
    "retract",
    "retraction",
    "retracts",
    "protest",
    "protests",
    "representations",
    "demarche",
    "demarches",
    "countermeasures",
    "sanctions",
    "erroneous remarks",
    "provocation",
    "provocations",
    "provocative",
    "tension",
    "tensions",
    "bilateral ties",
    "neighbors",
    "neighbours",
)

# One side's officials, unnamed: in that side's own outlet they are that side.
OFFICIALS = (
    "ministry",
    "foreign ministry",
    "defense ministry",
    "commerce ministry",
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "premier",
    "prime minister",
    "pm",
    "foreign minister",
    "top diplomat",
    "embassy",
    "consulate",
    "envoy",
    "ambassador",
    "consul general",
    "consul",
    "chief cabinet secretary",
    "government",
)

# A warning (the noun: "warning to Japan"; "X warns of" is as often its home news), a censure, the
# other side's armed strength: words of relations in one side's outlet.
CENSURE = (
    "warning",
    "warnings",
    "hype",
    "hypes",
    "hyped",
    "hyping",
    "smear",
    "smears",
    "slander",
    "fallacy",
    "fallacies",
    "distort",
    "distorts",
    "distorted",
    "distortion",
    "hyperbole",
    "meddling",
    "interference",
    "backlash",
    "military build up",
    "military buildup",
    "arms build up",
    "arms buildup",
    "defense paper",
    "defense white paper",
    "defence paper",
    "defence white paper",
    "aircraft carrier",
)

# The other side's armed strength growing, as one side's press names it ("Japan's militarization", "soaring
# military spending"): a relation in that side's outlet when it names the other side (not in its own: a
# headline naming no side there is its home budget).
ARMED = (
    "militarization",
    "militarisation",
    "remilitarization",
    "remilitarisation",
    "military expansion",
    "military spending",
    "military budget",
    "military costs",
    "defense spending",
    "defence spending",
    "defense budget",
    "defence budget",
    "military adventure",
    "military adventurism",
)

# What a warning can be about that is no act of a state: nature and accidents.
_NATURE = (
    "rain|tsunami|typhoon|heat|heatstroke|storm|snow|snowstorm|flood|flooding|weather|quake|earthquake|"
    "volcano|volcanic|eruption|landslide|avalanche|wind|cold|fire|evacuation|health|virus|flu|"
    "profit|profits|earnings|recession|inflation|deflation|debt|default|bubble"
)
_NATURE_WARNING = re.compile(rf"\b(?:{_NATURE})\s+(?:warning|warnings|alert|alerts)\b")

# A party's or state's own politics: its conventions, leadership contests, elections and polls. The
# other side's ruling party in such a piece is its home news, not an act on anyone.
HOME_POLITICS = (
    "convention",
    "congress",
    "plenum",
    "plenary session",
    "leadership election",
    "leadership race",
    "leadership vote",
    "leadership contest",
    "leadership bid",
    "election",
    "elections",
    "by election",
    "approval rating",
    "approval ratings",
    "reshuffle",
    "runoff",
    "run off",
    "elected",
    "elects",
    "purge",
    "purges",
    "purged",
    "toppled",
    "ousted",
)

# Violence against people: of one side's people in the other's country, a matter between the states
# (a lifestyle subject, students or tourists, does not make it lifestyle).
VIOLENCE = (
    "attack",
    "attacked",
    "attacks",
    "stabbed",
    "stabbing",
    "assault",
    "assaulted",
    "beaten",
    "murder",
    "murdered",
    "killed",
    "kidnapped",
    "harassed",
)

# Accidents and crimes: what happens at a place without any state acting there.
ACCIDENT = (
    "sinks",
    "sank",
    "sunk",
    "capsizes",
    "capsized",
    "collides",
    "collided",
    "collision",
    "crash",
    "crashes",
    "crashed",
    "fire",
    "blaze",
    "dead",
    "killed",
    "missing",
    "rescued",
    "rescue",
    "vandalized",
    "vandalised",
    "vandalism",
    "graffiti",
    "theft",
    "stolen",
    "drowned",
)

# Meeting or visiting someone (the name follows), and a visit or trip to a country (the name precedes).
_MEETS = r"(?:meet|meets|met|meeting|meeting with|visit|visits|visited|trip to|talks with|call with|arrives? in)"
_VISIT = r"(?:visit|trip|tour)"

# Words a claimed issue can qualify: then it is what was said, not a party ("Taiwan remarks").
SPEECH = ("remarks", "comments", "comment", "stance", "question", "issue", "policy")


def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = sorted((re.escape(fold(p).casefold()) for p in phrases), key=len, reverse=True)
    return re.compile(rf"\b(?:{'|'.join(alternatives)})\b")


_HISTORY, _STATEMENT, _OFFICIALS, _CENSURE, _PAIR = map(_pattern, (HISTORY, STATEMENT, OFFICIALS, CENSURE, PAIR))
_SPEECH, _HOME_POLITICS, _ACCIDENT = _pattern(SPEECH), _pattern(HOME_POLITICS), _pattern(ACCIDENT)
_VIOLENCE, _ARMED = _pattern(VIOLENCE), _pattern(ARMED)


def _text(text: str) -> str:
    return " ".join(w.casefold() for w in words(text))


def history(text: str) -> list[str]:
    """The words of history between states in `text`."""
    return _HISTORY.findall(_text(text))


# "The war" with nothing after it to say which ("Japan's attitude toward the war"): in one side's outlet on
# the other side, the war between them; not "the war in Ukraine", "the war on drugs", "the trade war".
_THE_WAR = re.compile(r"\bthe war\b(?! (?:in|on|against|with|over|between|of|for|to|at|zone)\b)")


def the_war(text: str) -> list[str]:
    """The phrase "the war" unqualified in `text` (a name or a place after it makes it another war)."""
    return _THE_WAR.findall(_text(text))


# A side's own statement on the war's end ("PM not to make WWII statement on 80th anniv."): the side's word to
# the neighbours it fought, not a statement on a quake's or a company's anniversary.
_WAR = r"(?:wwii|world war ii|world war two|war end|end of war|war anniversary|postwar|war)"
_WAR_STATEMENT = re.compile(
    rf"\b{_WAR}\s+(?:anniversary\s+)?statement\b"
    r"|\bstatement\s+on\s+(?:the\s+)?(?:\d+\w*\s+)?(?:anniversary\s+of\s+)?(?:the\s+)?(?:end\s+of\s+)?"
    r"(?:the\s+)?(?:wwii|world war ii|war)\b(?!\s+(?:in|on|against|with|over|between)\b)"
)


def war_statement(text: str) -> list[str]:
    """A side's statement on the end of the war in `text` (empty when none)."""
    return [m[0] for m in _WAR_STATEMENT.finditer(_text(text))]


def statement(text: str) -> list[str]:
    """The words of a statement on another state (a demand, a protest, a dispute) in `text`."""
    return _STATEMENT.findall(_text(text))


def officials(text: str) -> list[str]:
    """The unnamed officials `text` names (a ministry, a spokesperson, the prime minister)."""
    return _OFFICIALS.findall(_text(text))


def censure(text: str) -> list[str]:
    """The warnings, censures and words of armed strength in `text`, weather warnings aside."""
    folded = _NATURE_WARNING.sub(" ", _text(text))
    return _CENSURE.findall(folded)


def pair(text: str) -> list[str]:
    """The words of relations between two states (ties, neighbors, reconciliation) in `text`, not those
    with a partner named after them ("Colleges cut ties with groups": the colleges' ties)."""
    folded = _text(text)
    return [m[0] for m in _PAIR.finditer(folded) if not folded[m.end() :].startswith(" with ")]


def implied_other_side(title: str) -> list[str]:
    """Why a headline that names no side, in one side's outlet, is about the other side: history
    between them, relations of an unnamed pair, or one side's unnamed officials making a statement
    (empty when none)."""
    if found := history(title) or pair(title):
        return found
    said = statement(title) + censure(title)
    return officials(title) + said if said and officials(title) else []


# A neighbouring state, unnamed ("an Asian neighbor's view of Japan"): not a neighbour next door.
_NEIGHBOR = re.compile(
    r"\b(?:asian|regional|neighboring|neighbouring)\s+(?:neighbor|neighbors|neighbour|neighbours|country|countries)\b"
)


def neighbor(text: str) -> list[str]:
    """The words naming a neighbouring state without naming it in `text`."""
    return _NEIGHBOR.findall(_text(text))


def armed(text: str) -> list[str]:
    """The words of a state's growing armed strength in `text` (militarization, its defense budget)."""
    return _ARMED.findall(_text(text))


def mishap(text: str) -> list[str]:
    """The words of an accident in `text` that no violence explains ("ship sinks", "bus crash"), none when
    it also reports violence ("killed in a stabbing"): what happens with no one acting on anyone."""
    brutal = [w for w in violence(text) if w not in ACCIDENT]
    return [] if brutal else [w for w in accident(text) if w not in VIOLENCE]


def violence(text: str) -> list[str]:
    """The words of violence against people in `text`."""
    return _VIOLENCE.findall(_text(text))


def accident(text: str) -> list[str]:
    """The words of an accident or a crime in `text` (a ship sinks, a pillar is vandalized)."""
    return _ACCIDENT.findall(_text(text))


def home_politics(text: str, names: list[str]) -> list[str]:
    """The words of a party's or state's own politics in `text`, outside the `names` found in it (the
    "Congress" of "National People's Congress" is a name, not a congress held)."""
    folded = _text(text)
    for name in sorted(names, key=len, reverse=True):
        folded = re.sub(rf"\b{re.escape(_text(name))}\b", " ", folded)
    return _HOME_POLITICS.findall(folded)


def met_or_visited(title: str, people: list[str], places: list[str]) -> list[str]:
    """The names in `title` that are the object of a meeting or visit ("Fukuda may have met Xi",
    "secret China visit"): someone, unnamed by the headline, goes to them. `people` as written may
    only follow the verb ("Xi's visit" is his own trip); `places` (a country, a city) may also precede
    "visit" or "trip"."""
    text = _text(title)
    found = []
    for name in dict.fromkeys(people + places):
        folded = re.escape(_text(name))
        after = rf"\b{_MEETS}\s+(?:\w+\s+)?{folded}\b"
        before = rf"\b{folded}\s+{_VISIT}\b"
        if re.search(after, text) or (name in places and re.search(before, text)):
            found.append(name)
    return found


def speech_topic(title: str, name: str) -> bool:
    """Whether `name` (as written in the headline) qualifies what was said ("Taiwan remarks", "the Taiwan
    question"): the subject of the speech, not a party to it."""
    text = _text(title)
    start = text.find(_text(name))
    if start < 0:
        return False
    after = text[start + len(_text(name)) :].split()
    return bool(after) and bool(_SPEECH.fullmatch(after[0]))
