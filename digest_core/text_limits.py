"""Text a reader sees is one line, free of control characters, and has a length cap."""

from __future__ import annotations

import re

_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")


def cap_text(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else cut at the last space before it, with an ellipsis."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    cut = head.rsplit(" ", 1)[0] if " " in head[limit // 2 :] else head
    return cut.rstrip() + "…"


def one_line(text: str, limit: int) -> str:
    """`text` on one line: control, line-break and bidirectional-override characters become spaces,
    runs of whitespace one space, then capped at `limit` characters."""
    return cap_text(_SPACES.sub(" ", _INVISIBLE.sub(" ", text[: limit * 4])).strip(), limit)
