"""The console: digests as plain text on a terminal (platform `console`, destination `stdout`)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import TextIO

from adapters.markdown_site import site_page_url
from digest_core.delivery.ports import Destination
from digest_core.editorial.outline import Line, post_outline
from digest_core.models import Digest
from digest_core.text import cut

MAX_LINE = 2000  # characters of any one line on the terminal


def _line(line: Line, bullet: str = "  - ") -> str:
    side = f"{line.side}: " if line.side else ""
    said = f"{line.tag}: {line.text}" if line.tag else line.text
    cites = f" [{', '.join(map(str, line.citations))}]" if line.citations else ""
    return f"{bullet}{side}{said}{cites}"


def render_text(digest: Digest, page_url: str | None = None) -> str:
    """The post as plain text, in the same structure as on Telegram and Discord: top stories (one
    line per side), one-sided stories by side (or highlights and each side's bullets), counts;
    no untrusted text brings a line break or a control character to the terminal."""
    outline = post_outline(digest)
    lines = [outline.heading]
    if outline.stories_first:
        if outline.top_stories:
            lines += ["", "Top stories"]
        for story in outline.top_stories:
            lines += (
                [f"  {story.number}. {story.title}", f"     {story.caption}"]
                if story.title
                else [f"  {story.number}. {story.caption}"]
            )
            lines += [_line(line, bullet="     ") for line in story.told]
        for group in outline.one_sided:
            count = len(group.stories)
            lines += ["", f"Only {group.name} outlets ({count} {'story' if count == 1 else 'stories'})"]
            lines += [_line(replace(s, side="")) for s in group.stories]
    else:
        lines += ["", "Highlights"]
        lines += [_line(line) for line in outline.highlights] or ["  No highlights."]
        for section in outline.sections:
            lines += ["", f"{section.name} ({section.count} sources)"]
            lines += [_line(line) for line in section.lines] or [f"  {section.empty}"]
    lines += ["", f"{outline.counts_text}."]
    if outline.failed:
        lines.append(f"Not reached for this digest: {', '.join(outline.failed)}.")
    if page_url:
        lines.append(f"Full digest and sources: {page_url}")
    # every line on its own line, without ESC or any other control character (no terminal escapes)
    return "\n".join(_terminal_safe(line) for line in lines) + "\n"


def _terminal_safe(line: str) -> str:
    """The line with its indentation, on one line, without ESC or any other control character."""
    indent = line[: len(line) - len(line.lstrip(" "))]
    return indent + cut(line, MAX_LINE) if line.strip() else ""


class ConsolePublisher:
    """Prints each digest; useful with no platform token, and as the simplest `PartPublisher`."""

    platform = "console"

    def __init__(self, stream: TextIO | None = None, site_base_url: str | None = None) -> None:
        self.stream = stream
        self.count = 0
        self.site_base_url = site_base_url

    def render(self, digest: Digest, destination: Destination) -> Sequence[str]:
        """The post as text, ending with the link to the digest's page when SITE_BASE_URL is set."""
        return [render_text(digest, site_page_url(self.site_base_url, digest))]

    async def send_part(self, destination: Destination, part: str, sent: Sequence[str], key: str) -> str:
        stream = self.stream or sys.stdout
        stream.write(part)
        stream.flush()
        self.count += 1
        return f"console-{self.count}"
