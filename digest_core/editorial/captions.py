"""Plain-language captions shared by every renderer: a story's label and status, blindspots."""

from __future__ import annotations

from digest_core.models import Digest, Story

LABEL_TEXT = {
    "agree": "Sides agree",
    "dispute": "Sides dispute",
    "one-sided": "One side only",
    "covered by both": "Covered by both",
}


def status_text(story: Story) -> str:
    return "new" if story.status == "new" else f"continuing (day {story.day})"


def story_caption(story: Story) -> str:
    """`Sides dispute · continuing (day 2)`."""
    return f"{LABEL_TEXT.get(story.label, story.label or 'Unlabelled')} · {status_text(story)}"


def side_name(digest: Digest, perspective_id: str) -> str:
    return next((p.name for p in digest.perspectives if p.id == perspective_id), perspective_id)


def blindspot_text(digest: Digest, story: Story) -> str:
    """`Takaichi editorial (China only, 1 article)`."""
    [side] = digest.sides(story)
    n = len(story.articles)
    return f"{story.title} ({side_name(digest, side)} only, {n} article{'s' if n != 1 else ''})"
