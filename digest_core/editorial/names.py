"""Finding a topic's names in a text: sides (by alias, person, institution, place), issues,
relation words, and the multi-word names that contain a side's name but are not that side.

Texts are split into words once; names are looked up by word sequences in a dictionary (longest
match first), so the cost does not grow with the number of names. A match of a longer name
hides the shorter ones inside it: "South China Sea" is not "China", "China Coast Guard" is an
institution of China.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from digest_core.editorial.cjk import NativeNames, has_cjk
from digest_core.editorial.cjk_terms import glossary
from digest_core.editorial.gazetteer import places
from digest_core.editorial.subjects import LIFESTYLE, NATIVE_SPORTS, SPORTS, TRAVEL
from digest_core.editorial.third_parties import NATIVE_THIRD_PARTIES, countries, third_party_names
from digest_core.topics import Topic

_HYPHENS = re.compile(r"[-‐‑‒–—/]")
_APOSTROPHES = re.compile(r"[’‘`´]")
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)*'?")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]+")

# Kinds of name; a phrase can have several roles (East China Sea: an issue and not a side).
ALIAS, PERSON, INSTITUTION, PLACE, COMPANY = "alias", "person", "institution", "place", "company"
ISSUE, CONTESTED, RELATION, NOT_A_SIDE, CLAIM = "issue", "contested", "relation", "not-a-side", "claim"
THIRD, SPORT, LIFESTYLE_WORD = "third-party", "sport", "lifestyle"  # no side: see third_parties, subjects


def fold(text: str) -> str:
    """ASCII letters, hyphens and slashes as spaces, plain apostrophes."""
    text = _APOSTROPHES.sub("'", text)
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _HYPHENS.sub(" ", text)


def words(text: str) -> list[str]:
    """The words of `text`, possessives dropped (`Beijing's` -> `Beijing`)."""
    out = []
    for token in _TOKEN.findall(fold(text)):
        token = token.removesuffix("'s").removesuffix("'S").rstrip("'")
        if token:
            out.append(token)
    return out


@dataclass(frozen=True)
class Role:
    kind: str
    side: str | None = None
    party: str | None = None  # a third party's country code (or `bloc`)


@dataclass(frozen=True)
class Mention:
    """A name found in a text: the words as written, what they name, and the word it starts at."""

    text: str
    role: Role
    pos: int = field(default=-1, compare=False)

    @property
    def end(self) -> int:
        """The word after it."""
        return self.pos + len(self.text.split())


def _plural_forms(key: tuple[str, ...]) -> list[tuple[str, ...]]:
    last = key[-1]
    forms = [key]
    if len(last) > 3 and last.endswith("es"):
        forms.append((*key[:-1], last[:-2]))
    if len(last) > 2 and last.endswith("s") and not last.endswith("ss"):
        forms.append((*key[:-1], last[:-1]))
    return forms


class NameIndex:
    """Every name of a topic, by its word sequence: case-sensitive ones as written, the others
    case-folded. All-capital names (PLA) and proper names of people, institutions and places
    match their case; aliases, issues and relation words match any case."""

    def __init__(self) -> None:
        self._exact: dict[tuple[str, ...], set[Role]] = {}
        self._folded: dict[tuple[str, ...], set[Role]] = {}
        self._suffixes: frozenset[str] = frozenset()
        self._prefixes: set[tuple[str, ...]] = set()  # case-folded word prefixes of every name
        self.longest = 1
        self.native = NativeNames()  # Chinese and Japanese forms (`cjk`), looked up in CJK text only

    def add(self, name: str, role: Role, case_sensitive: bool) -> None:
        key = tuple(words(name))
        if not key:
            return
        exact = case_sensitive or (name.isupper() and len(name) > 1)
        table = self._exact if exact else self._folded
        table.setdefault(key if exact else tuple(w.casefold() for w in key), set()).add(role)
        folded = tuple(w.casefold() for w in key)
        for n in range(1, len(folded)):
            self._prefixes.add(folded[:n])
        last = folded[-1]
        self._prefixes.update({folded, (*folded[:-1], last + "s"), (*folded[:-1], last + "es")})  # plurals
        self.longest = max(self.longest, len(key))

    def set_suffixes(self, suffixes: Iterable[str]) -> None:
        self._suffixes = frozenset(suffixes)

    def _roles(self, key: tuple[str, ...], plural_ok: bool) -> set[Role]:
        found = set(self._exact.get(key, ()))
        folded = tuple(w.casefold() for w in key)
        for form in _plural_forms(folded) if plural_ok else [folded]:
            found |= self._folded.get(form, set())
        if plural_ok and len(key[-1]) > 2 and key[-1].endswith("s"):
            found |= self._exact.get((*key[:-1], key[-1][:-1]), set())
        return found

    def find(self, text: str) -> list[Mention]:
        """The names in `text`, longest first at each word; a side's, a third party's or an issue's name
        followed by a name suffix (`Japan Airlines`, `Taiwan Semiconductor`) is `NOT_A_SIDE`."""
        tokens = words(text)
        folded = [t.casefold() for t in tokens]
        out: list[Mention] = []
        i = 0
        while i < len(tokens):
            reach = 0  # how many words from i can still be (the start of) a name
            while i + reach < len(folded) and tuple(folded[i : i + reach + 1]) in self._prefixes:
                reach += 1
            for n in range(reach, 0, -1):
                key = tuple(tokens[i : i + n])
                roles = self._roles(key, plural_ok=True)
                if not roles:
                    continue
                phrase = " ".join(key)
                sided = any(r.side or r.kind in (ISSUE, CLAIM, THIRD) for r in roles)
                after = tokens[i + n] if i + n < len(tokens) else ""
                if sided and after in self._suffixes and not any(r.kind == NOT_A_SIDE for r in roles):
                    out.append(Mention(f"{phrase} {after}", Role(NOT_A_SIDE), i))
                    n += 1
                else:
                    out.extend(Mention(phrase, r, i) for r in sorted(roles, key=lambda r: (r.kind, r.side or "")))
                i += n
                break
            else:
                i += 1
        if has_cjk(text):
            out.extend(Mention(n.form, r) for n in self.native.find(text) for r in n.roles if isinstance(r, Role))
        return out


def english_reading(text: str, topic: Topic) -> str:
    """A Chinese or Japanese text as the English it gives, for comparing it with English headlines:
    the topic's names and the numbers (`cjk.NativeNames.gloss`), the glossary's words
    (`cjk_terms`: 访华 is the name China and the act "visit") and the Latin-script words ("APEC",
    "G20"); any other text as it is."""
    if not has_cjk(text):
        return text
    native = name_index(topic).native
    things = [e for n in glossary().find(text) for e in n.english]
    latin = _LATIN.findall(unicodedata.normalize("NFKC", glossary().masked(native.masked(text))))
    return " ".join([native.gloss(text), *things, *latin])


def name_index(topic: Topic) -> NameIndex:
    """The topic's names, built once per topic configuration (the gazetteer adds a few hundred
    places per side)."""
    return _name_index(topic.model_dump_json())


@cache
def _name_index(config: str) -> NameIndex:
    topic = Topic.model_validate_json(config)
    index = NameIndex()
    index.set_suffixes(topic.name_suffixes)
    ignored = set(topic.not_places)
    for p in topic.perspectives:
        for alias in p.aliases:
            index.add(alias, Role(ALIAS, p.id), case_sensitive=False)
        for person in p.people:
            index.add(person, Role(PERSON, p.id), case_sensitive=True)
        for institution in p.institutions:
            index.add(institution, Role(INSTITUTION, p.id), case_sensitive=True)
        for company in p.companies:
            index.add(company, Role(COMPANY, p.id), case_sensitive=True)
        country_places = places(p.country) if p.country else frozenset()
        for place in (country_places - ignored) | set(p.places):
            index.add(place, Role(PLACE, p.id), case_sensitive=True)
    for issue in topic.issues:
        index.add(issue, Role(ISSUE), case_sensitive=False)
    for issue in topic.contested:
        index.add(issue, Role(CONTESTED), case_sensitive=False)
        index.add(issue, Role(ISSUE), case_sensitive=False)
    for p in topic.perspectives:
        for claim in p.claims:
            index.add(claim, Role(CLAIM, party=p.id), case_sensitive=False)
    for word in topic.relations:
        index.add(word, Role(RELATION), case_sensitive=False)
    for name in topic.not_names:
        index.add(name, Role(NOT_A_SIDE), case_sensitive=False)
    known = _known_countries(topic, index)
    if topic.reads_other_languages:
        _add_native(topic, index, known)
    for name, code in third_party_names(known).items():
        index.add(name, Role(THIRD, party=code), case_sensitive=True)
    for word in SPORTS:
        index.add(word, Role(SPORT), case_sensitive=word.isupper() or word[0].isupper())
    for word in LIFESTYLE + TRAVEL:
        index.add(word, Role(LIFESTYLE_WORD), case_sensitive=False)
    return index


def _add_native(topic: Topic, index: NameIndex, known: frozenset[str]) -> None:
    """The Chinese and Japanese forms of `native_names`, each with the roles its English name has,
    and of the third parties (not the `known` countries) and sports, for a topic that reads other
    languages than its own (an English-only topic matches none: its rules stay as they were, and
    OpenCC is never loaded). Their variants are made now, with the index."""
    for p in topic.perspectives:
        for english, forms in p.native_names.items():
            roles = tuple(m.role for m in index.find(english) if m.role.side in (None, p.id))
            index.native.add(english, forms, roles)
    for english, forms in topic.native_names.items():
        index.native.add(english, forms, tuple(m.role for m in index.find(english)))
    for code, party in NATIVE_THIRD_PARTIES.items():
        if code not in known:
            index.native.add(_english_party(code), party, (Role(THIRD, party=code),))
    index.native.add("sport", NATIVE_SPORTS, (Role(SPORT),))
    index.native.block(topic.native_not_names)
    index.native.prepare()


def _english_party(code: str) -> str:
    """The English name a native third party glosses to: its country's, else `bloc` or `region`."""
    return countries().get(code, (code, ""))[0]


def _known_countries(topic: Topic, index: NameIndex) -> frozenset[str]:
    """The countries that are no third party of `topic`: its sides' own, and those whose name the
    topic already gives a role (a side's place, an issue)."""
    known = {p.country for p in topic.perspectives if p.country}
    for code, (name, _) in countries().items():
        if any(m.role.side or m.role.kind in (ISSUE, CONTESTED) for m in index.find(name)):
            known.add(code)
    return frozenset(known)
