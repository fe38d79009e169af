"""An article's language, detected from its text rather than assumed from its outlet or topic.

Only text with Chinese characters or kana is looked at: a Latin-script headline keeps the tag its
page gave (or the topic's), so English digests are unchanged and never load a detector. Kana are
Japanese only, and so are the Japanese forms of kanji that neither Chinese script writes (脳, 発,
関: OpenCC tells them); a headline of Chinese characters alone (Chinese, or a terse Japanese one) is told by
`lingua` restricted to English, Chinese and Japanese, built once per process on first use (see
docs/languages.md for its load time and memory). Chinese is `zh-TW` when OpenCC's
Traditional-to-Simplified conversion changes it, else `zh-CN`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from digest_core.editorial.cjk import convert, has_cjk, has_kana

CHINESE_SIMPLIFIED, CHINESE_TRADITIONAL, JAPANESE = "zh-CN", "zh-TW", "ja-JP"
NAMES = {"zh": "Chinese", "ja": "Japanese", "en": "English"}


@cache
def _japanese_only(char: str) -> bool:
    """A Japanese form (shinjitai) that is neither Traditional nor Simplified Chinese: 脳, 発, 関."""
    traditional = convert(char, "jp2t")
    return traditional != char and convert(traditional, "t2s") != char


@cache
def _detector() -> Any:
    # lazy: memory: lingua loads on the first text to detect
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.CHINESE, Language.JAPANESE).build()


def detect_language(text: str) -> str | None:
    """`zh-CN`, `zh-TW` or `ja-JP` for a Chinese or Japanese text; None for any other (or English
    with a few Chinese characters)."""
    if not has_cjk(text):
        return None
    if has_kana(text) or any(_japanese_only(c) for c in text if has_cjk(c)):
        return JAPANESE
    # lazy: memory: lingua loads on the first text to detect
    from lingua import Language

    found = _detector().detect_language_of(text)
    if found == Language.JAPANESE:
        return JAPANESE
    if found == Language.CHINESE:
        return CHINESE_TRADITIONAL if convert(text, "t2s") != text else CHINESE_SIMPLIFIED
    return None


def language_name(tag: str) -> str:
    """`ja-JP` -> `Japanese`; the tag itself for a language not named here."""
    return NAMES.get(tag.split("-")[0].lower(), tag)


def is_foreign(tag: str | None, digest_language: str) -> bool:
    """Whether an article's language tag is another language than the digest's."""
    return bool(tag) and tag.split("-")[0].lower() != digest_language.split("-")[0].lower()  # type: ignore[union-attr]
