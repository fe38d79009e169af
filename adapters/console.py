"""The console: digests as plain text on a terminal (platform `console`, destination `stdout`)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from digest_core.delivery.ports import Destination
from digest_core.models import Bullet, Digest
from digest_core.text_limits import one_line

MAX_LINE = 2000  # characters of any one untrusted text on the terminal


def plain(text: str) -> str:
    """Untrusted text made safe for a terminal: one line, no ESC or other control character."""
    return one_line(text, MAX_LINE)


def _bullets(bullets: list[Bullet]) -> list[str]:
    return [f"  - {plain(b.text)} [{', '.join(map(str, b.citations))}]" for b in bullets]


def render_text(digest: Digest) -> str:
    """The digest as plain text: highlights, each perspective, numbered sources; every untrusted
    text on one line without control characters (no terminal escape sequence gets through)."""
    counts = ", ".join(f"{p.count} {plain(p.name)}" for p in digest.perspectives)
    lines = [f"{plain(digest.topic_name)} - {digest.date.isoformat()} ({counts})", "", "Overall Highlights"]
    lines += _bullets(digest.highlights)
    for p in digest.perspectives:
        lines += ["", f"{plain(p.name)} Perspective"]
        lines += _bullets(digest.perspective_highlights.get(p.id, []))
    lines += ["", "Sources"]
    lines += [f"  {a.n}. {plain(a.title)} - {plain(a.outlet)} <{plain(a.url)}>" for a in digest.articles]
    return "\n".join(lines) + "\n"


class ConsolePublisher:
    """Prints each digest; useful with no platform token, and as the simplest `PartPublisher`."""

    platform = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream
        self.count = 0

    def render(self, digest: Digest, destination: Destination) -> Sequence[str]:
        return [render_text(digest)]

    async def send_part(self, destination: Destination, part: str, sent: Sequence[str], key: str) -> str:
        stream = self.stream or sys.stdout
        stream.write(part)
        stream.flush()
        self.count += 1
        return f"console-{self.count}"
