"""Plain-language captions shared by every renderer: a story's label and status, a side's name."""

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
