"""A benchmark day with the structure of real news: many stories of 1-6 articles told by outlets
of both sides in different words, an outlet's near-identical repeats, and off-topic noise.

Every story has its own distinctive words (a made-up place or name and a number) beside shared
news vocabulary, like real events; half of all items are off-topic, as in a Google News
`site:` feed. Deterministic for a seed.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from digest_core.models import Article
from digest_core.topics import Topic

SIDES = {"china": ["China", "Beijing", "Chinese"], "japan": ["Japan", "Tokyo", "Japanese"]}
VERBS = [
    ("curbs", "bans", "restricts"),
    ("protests", "condemns", "slams"),
    ("deploys", "sends", "moves"),
    ("summons", "rebukes", "warns"),
    ("probes", "investigates", "checks"),
    ("extends", "widens", "expands"),
    ("suspends", "halts", "freezes"),
    ("approves", "backs", "clears"),
    ("detains", "arrests", "holds"),
    ("launches", "opens", "starts"),
]
OBJECTS = [
    "exports",
    "patrols",
    "envoy",
    "missiles",
    "drills",
    "seafood",
    "chips",
    "visas",
    "tariffs",
    "magnets",
    "graphite",
    "gallium",
    "drones",
    "warships",
    "jets",
    "flights",
    "tourists",
    "students",
    "scholars",
    "banks",
    "insurers",
    "carmakers",
    "robots",
    "vaccines",
    "satellites",
    "rockets",
    "cables",
    "ports",
    "shipyards",
    "fishing",
    "boats",
    "lawmakers",
    "consulates",
    "pandas",
    "films",
    "concerts",
    "games",
    "airlines",
    "railways",
    "reactors",
    "solar",
    "batteries",
    "steel",
    "soybeans",
    "beef",
    "rice",
    "whisky",
    "cosmetics",
    "anime",
    "journalists",
    "spies",
    "diplomats",
    "hackers",
    "hospitals",
    "textbooks",
    "museums",
    "monuments",
]
ISSUES = ["Taiwan", "Senkaku", "rare earth", "East China Sea", "Yasukuni", "dual-use", "Yonaguni", "Fukushima"]
NOISE = ["stocks rally on", "storm hits", "club signs", "festival draws crowds in", "shares fall at", "court rules on"]
SYLLABLES = [
    "ka",
    "ro",
    "mi",
    "zen",
    "ta",
    "shu",
    "lin",
    "po",
    "ve",
    "dor",
    "an",
    "qi",
    "ne",
    "hal",
    "su",
    "fei",
    "mo",
    "ri",
    "jun",
    "to",
    "wa",
    "xi",
    "be",
    "gu",
]


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(4)).capitalize()


def story_day(topic: Topic, items: int, day_end: datetime, seed: int = 7) -> list[Article]:
    """About `items` articles in the 24 h before `day_end` (a tenth just outside it)."""
    rng = random.Random(seed)
    outlets = [(p.id, o) for p, o in topic.all_outlets]
    articles: list[Article] = []

    def add(title: str, side: str, outlet_name: str, domain: str) -> None:
        hours = rng.uniform(0, 26) if rng.random() < 0.1 else rng.uniform(0, 24)
        articles.append(
            Article(
                title=title,
                url=f"https://{domain}/{len(articles)}",
                outlet=outlet_name,
                domain=domain,
                perspective=side,
                published=day_end - timedelta(hours=hours, seconds=1),
            )
        )

    while len(articles) < items:
        if rng.random() < 0.5:  # off-topic noise, naming at most one side
            side, outlet = rng.choice(outlets)
            who = rng.choice([*SIDES[side], _name(rng)])
            add(f"{who} {rng.choice(NOISE)} {_name(rng)} {rng.randrange(2, 99)}", side, outlet.name, outlet.domains[0])
            continue
        actor, target = rng.sample(list(SIDES), 2)
        verbs, issue = rng.choice(VERBS), rng.choice(ISSUES)
        obj = " ".join(rng.sample(OBJECTS, 2))
        place, number = _name(rng), rng.randrange(3, 400)
        for side, outlet in rng.sample(outlets, rng.randint(1, 6)):
            subject, other = rng.choice(SIDES[actor]), rng.choice(SIDES[target])
            title = rng.choice(
                [
                    f"{subject} {rng.choice(verbs)} {other} {obj} near {place} over {issue}",
                    f"{place}: {subject} {rng.choice(verbs)} {number} {obj} amid {issue} tensions",
                    f"{other} responds after {subject} {rng.choice(verbs)} {obj} at {place}",
                ]
            )
            add(title, side, outlet.name, outlet.domains[0])
            if rng.random() < 0.15:  # the outlet repeats it, nearly word for word
                add(title.replace(" as ", " while ", 1) + ".", side, outlet.name, outlet.domains[0])
    return articles[:items]
