"""Side by side by audience: when one side told a story both in the digest's language (its
English-language editions, written for foreign readers) and in its own (its domestic press), its
framing is split in two lines: the summarizer's line on the first, cited to those articles, and the
native-language outlet's own headline, quoted in its original words, on the second. A translation
is never quoted: the source list shows it beside the original.
"""

from __future__ import annotations

from collections.abc import Sequence

from digest_core.editorial.detect_language import is_foreign, language_name
from digest_core.editorial.story_titles import clean_headline
from digest_core.models import Article, Framing, Story


def audience(language: str, domestic: bool) -> str:
    """`in Chinese for domestic readers`, `in English for foreign readers`."""
    return f"in {language_name(language)} for {'domestic' if domestic else 'foreign'} readers"


def _split(framing: Framing, members: Sequence[Article], digest_language: str) -> list[Framing]:
    own = [a for a in members if a.perspective == framing.perspective]
    native = [a for a in own if is_foreign(a.language, digest_language)]
    edition = [a for a in own if a not in native]
    if not native or not edition:
        return [framing]
    kept = [n for n in framing.citations if any(a.n == n for a in edition)] or [a.n for a in edition]
    first = native[0]
    return [
        framing.model_copy(update={"citations": kept, "audience": audience(digest_language, False)}),
        Framing(
            perspective=framing.perspective,
            text=clean_headline(first.title),
            citations=[a.n for a in native],
            quote=True,  # the outlet's own words, in its own language
            audience=audience(first.language or "", True),
        ),
    ]


def by_audience(story: Story, members: Sequence[Article], digest_language: str) -> Story:
    """The story with each side that wrote for both audiences framed once for each."""
    if not any(is_foreign(a.language, digest_language) for a in members):
        return story
    framing = [line for f in story.framing for line in _split(f, members, digest_language)]
    return story.model_copy(update={"framing": framing})
