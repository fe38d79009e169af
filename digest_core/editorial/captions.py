"""Plain-language captions shared by every renderer: a story's label and status, a side's name,
and what a source list says of each article's page (its language, whether its lead was read)."""

from __future__ import annotations

from digest_core.editorial.detect_language import is_foreign, language_name
from digest_core.models import Article, Digest, Story
from digest_core.text import cut

LABEL_TEXT = {
    "agree": "Sides agree",
    "dispute": "Sides dispute",
    "one-sided": "One side only",
    "covered by both": "Covered by both",
}


COMMENTARY = "Commentary"


def status_text(story: Story) -> str:
    """`new`, `continuing (day 2)`, or "" when there was no previous digest to compare with."""
    if story.status == "continuing":
        return f"continuing (day {story.day})"
    return story.status


def story_caption(story: Story, commentary: bool = False) -> str:
    """`Sides dispute · continuing (day 2)`; `Commentary · new` for a story made only of opinion."""
    label = COMMENTARY if commentary else LABEL_TEXT.get(story.label, story.label or "Unlabelled")
    status = status_text(story)
    return f"{label} · {status}" if status else label


def side_name(digest: Digest, perspective_id: str) -> str:
    return next((p.name for p in digest.perspectives if p.id == perspective_id), perspective_id)


LEAD_READ = "lead read"
PAGE_NOT_READ = "page not read"  # no reader ran for it (reading off, or not a kept candidate)
REASON_LIMIT = 80  # characters of why a lead is missing, in any source list


def lead_state(article: Article) -> str:
    """Whether the article's own words were read: `lead read`, `no lead: paywall`, `page not read`."""
    if article.lead:
        return LEAD_READ
    if article.lead_missing:
        return f"no lead: {cut(article.lead_missing, REASON_LIMIT)}"
    return PAGE_NOT_READ


def language_caption(digest: Digest, article: Article) -> str:
    """The language a source list shows: the page's own (`en-GB`), else the topic's marked as such."""
    if article.language:
        return cut(article.language, 35)
    return f"{digest.language} (topic)"


def reading_caption(digest: Digest, article: Article) -> str:
    """`en-GB · lead read` / `en-US (topic) · no lead: paywall`: what `/sources` says of a page."""
    return f"{language_caption(digest, article)} · {lead_state(article)}"


def shown_title(article: Article) -> str:
    """The headline a source list links: its translation when there is one, else the original."""
    return article.translated_title or article.title


def translation_note(digest: Digest, article: Article) -> str:
    """What a source list says of a headline in another language than the digest's: `translated from
    Japanese; original: 「…」`, or `untranslated, Japanese`; "" for one in the digest's language. A
    translation is never shown as the original's words: the original is given beside it."""
    language = digest.language_of(article)
    if not is_foreign(article.language, digest.language):
        return ""
    name = language_name(language)
    if article.translated_title:
        return f"translated from {name}; original: {article.title}"
    return f"untranslated, {name}"
