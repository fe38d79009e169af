"""Plain-language captions shared by every renderer: a story's label and status, a side's name."""

from __future__ import annotations

from digest_core.models import Digest, Story

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
