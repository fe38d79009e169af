"""Chinese and Japanese names in a text, and their English equivalents.

The topics file gives each name's Chinese and Japanese forms by the English name they stand for
(`native_names`): a form found in a text has the roles that English name has (an alias of a side,
a person, an issue, a relation word...), so the on-topic rules and story grouping read a Chinese or
Japanese headline as they read an English one. Simplified, Traditional and Japanese (shinjitai)
variants of each form are made with OpenCC, so the file lists one of them.

Matching is by substring, longest form first at each position, with no segmenter: CJK text has no
spaces for `\\b` to hold on, and a segmenter (jieba, fugashi) costs far more memory and start-up
time than the few dozen names we look for, while splitting names it does not know (see
docs/languages.md for the figures). A one-character form is refused by the topics file (中, 日
are in too many words); of two names that overlap, the leftmost is kept unless the other is longer
(leftmost-longest, as a dictionary segmenter does: "日中国交" is 日中 + 国交, not 中国). The known
miss: "今日中国" ("today, China") reads 日中 (Japan-China).

OpenCC is imported only for a topic that reads Chinese or Japanese outlets (`languages`), when its
name index is built: a process that reads only English never loads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

# Kana, Bopomofo, CJK strokes, enclosed and compatibility forms, ideographs (U+3040-U+9FFF) and
# compatibility ideographs: none belongs in an English translation.
_CJK = re.compile(r"[\u3040-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_NUMBER = re.compile(r"\d[\d,.]*\d%?|\d%?")


def has_cjk(text: str) -> bool:
    """Whether `text` has Chinese characters or Japanese kana."""
    return _CJK.search(text) is not None


def has_kana(text: str) -> bool:
    """Whether `text` has hiragana or katakana (only Japanese does)."""
    return _KANA.search(text) is not None


@cache
def _converter(config: str):  # type: ignore[no-untyped-def]
    import opencc  # lazy: C++ conversion tables: a few MB, loaded once on the first CJK text

    return opencc.OpenCC(config)


def convert(text: str, config: str) -> str:
    """`text` through one OpenCC conversion (`s2t`, `t2s`, `t2jp`, `jp2t`)."""
    return str(_converter(config).convert(text))


def variants(form: str) -> set[str]:
    """A name's Simplified, Traditional and Japanese spellings (OpenCC), the form itself included."""
    traditional = convert(convert(form, "jp2t"), "s2t")
    return {form, convert(form, "t2s"), traditional, convert(traditional, "t2s"), convert(traditional, "t2jp")}


def in_script(form: str, language: str) -> str:
    """A name as written in `language` (BCP 47): Simplified for zh-CN/zh-SG/zh-Hans, Traditional for
    other Chinese, Japanese shinjitai for ja; unchanged for any other language."""
    tag = language.lower()
    if tag.startswith("ja"):
        return convert(convert(form, "s2t"), "t2jp")
    if tag.startswith("zh"):
        simplified = tag in {"zh", "zh-cn", "zh-sg", "zh-my"} or "hans" in tag
        return convert(form, "t2s" if simplified else "s2t")
    return form


@dataclass(frozen=True)
class NativeName:
    """A Chinese or Japanese form, the English names it stands for (中日: China and Japan), their roles."""

    form: str
    english: tuple[str, ...]
    roles: tuple[object, ...]


@dataclass
class NativeNames:
    """A topic's Chinese and Japanese names (every OpenCC variant), found by substring."""

    roles: dict[str, tuple[object, ...]] = field(default_factory=dict)  # English name -> its roles
    _given: list[tuple[str, str]] = field(default_factory=list)  # (form as the file gives it, English name)
    _entries: dict[str, list[str]] = field(default_factory=dict)  # every variant -> its English names
    _pattern: re.Pattern[str] | None = None

    def add(self, english: str, forms: Iterable[str], roles: tuple[object, ...]) -> None:
        """Add the forms of one English name (with its roles, as the English name index gives them)."""
        self.roles[english] = tuple(dict.fromkeys((*self.roles.get(english, ()), *roles)))
        self._given.extend((form.strip(), english) for form in forms)
        self._pattern = None

    def block(self, forms: Iterable[str]) -> None:
        """Words that contain a name but denote something else (高市场, "a higher market"): found as
        words, so the name inside them is not."""
        self._given.extend((form.strip(), "") for form in forms)
        self._pattern = None

    def prepare(self) -> None:
        """Make every variant and the pattern now (OpenCC is loaded), not on the first CJK text."""
        self._regex()

    def _regex(self) -> re.Pattern[str] | None:
        """The pattern of every variant (OpenCC is loaded then)."""
        if self._pattern is None and self._given:
            for form, english in self._given:
                for v in variants(form):
                    names = self._entries.setdefault(v, [])
                    if english and english not in names:
                        names.append(english)
            forms = sorted(self._entries, key=len, reverse=True)
            self._pattern = re.compile("(?=(" + "|".join(re.escape(f) for f in forms) + "))")
        return self._pattern

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """Where the forms are in `text` (start, end, form), blocked words included, left to right,
        none overlapping: at each position the longest form; of two overlapping forms the
        leftmost, unless the other is longer."""
        pattern = self._regex()
        if pattern is None or not has_cjk(text):
            return []
        spans = [(m.start(), m.start() + len(m.group(1)), m.group(1)) for m in pattern.finditer(text)]
        chosen: list[tuple[int, int, str]] = []
        for start, end, form in spans:
            if chosen and start < chosen[-1][1]:  # overlaps the last one chosen
                last = chosen[-1]
                if end - start > last[1] - last[0]:
                    chosen[-1] = (start, end, form)
                continue
            chosen.append((start, end, form))
        return chosen

    def masked(self, text: str) -> str:
        """`text` with every form found (blocked words too) blanked out, for a second index."""
        for start, end, _ in reversed(self.spans(text)):
            text = text[:start] + " " + text[end:]
        return text

    def find(self, text: str) -> list[NativeName]:
        """The names in `text`, left to right, none overlapping (`spans`), blocked words left out."""
        out = []
        for _, _, form in self.spans(text):
            if not self._entries[form]:
                continue  # a blocked word
            english = tuple(self._entries[form])
            roles = tuple(dict.fromkeys(r for e in english for r in self.roles.get(e, ())))
            out.append(NativeName(form, english, roles))
        return out

    def gloss(self, text: str) -> str:
        """The English names and the numbers of a CJK text, in its order: what story grouping
        compares with English headlines ("高市早苗涉台言论" -> "Sanae Takaichi Taiwan remarks")."""
        found = [e for n in self.find(text) for e in n.english]
        numbers = _NUMBER.findall(text)
        return " ".join([*found, *numbers])
