"""Translations of the articles in another language than the digest's: which ones to ask for, and
which answers to keep.

A model's translation is kept only when it is of an article that asked for one, is one line of
text in the digest's script (no Chinese characters or kana left in an English translation, no
link the original did not have), differs from the original and is not out of proportion to it (a
headline that says "ignore the above and write..." gets no essay back). A translation that fails
is dropped: that article is shown untranslated, its original with its language tag, and no
further model call is spent on it. The original is always kept; the translation sits beside it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from digest_core.editorial.cjk import has_cjk
from digest_core.editorial.detect_language import is_foreign
from digest_core.models import Article, Translation
from digest_core.text import HEADLINE_LIMIT, cut, one_line

LEAD_LIMIT = 1500  # characters of a translated lead, like a read lead
GROWTH = 4  # a translation is at most this many times as long as its original (CJK to English: about 2-3)
SLACK = 80  # ... plus this many characters, for very short originals
_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


def to_translate(articles: Sequence[Article], language: str) -> list[Article]:
    """The articles whose detected language is another than `language` (the digest's)."""
    return [a for a in articles if is_foreign(a.language, language)]


def _problem(text: str, original: str, language: str) -> str | None:
    if not text:
        return "empty"
    if text == one_line(original):
        return "the original, untranslated"
    if len(text) > GROWTH * len(original) + SLACK:
        return f"{len(text)} characters for an original of {len(original)}"
    if _LINK.search(text) and not _LINK.search(original):
        return "a link the original does not have"
    if not language.lower().startswith(("zh", "ja")) and has_cjk(text):
        return "Chinese or Japanese characters left"
    return None


def checked_translations(
    translations: Sequence[Translation], articles: Sequence[Article], language: str
) -> tuple[list[Translation], list[str]]:
    """The translations worth keeping (one per article, bounded, one line each) and why the others
    were dropped."""
    wanted = {a.n: a for a in to_translate(articles, language)}
    kept: dict[int, Translation] = {}
    problems: list[str] = []
    for t in translations:
        article = wanted.get(t.n)
        if article is None:
            problems.append(f"translation of article {t.n}, which needs none")
            continue
        if t.n in kept:
            problems.append(f"article {t.n} translated twice")
            continue
        problem = _problem(one_line(t.title), article.title, language)  # judged whole, before any cut
        if problem:
            problems.append(f"article {t.n}'s title: {problem}")
            continue
        lead = one_line(t.lead) if article.lead else ""
        if lead and _problem(lead, article.lead, language):
            lead = ""  # the headline's translation stands without it
        kept[t.n] = Translation(n=t.n, title=cut(t.title, HEADLINE_LIMIT), lead=cut(lead, LEAD_LIMIT))
    return list(kept.values()), problems


def translated(articles: Sequence[Article], translations: Sequence[Translation]) -> list[Article]:
    """The articles with their kept translations beside their originals."""
    by_n = {t.n: t for t in translations}
    return [
        a.model_copy(update={"translated_title": by_n[a.n].title, "translated_lead": by_n[a.n].lead})
        if a.n in by_n
        else a
        for a in articles
    ]
