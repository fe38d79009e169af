"""docs/platforms.md shows a real post per platform: this test renders them from a fixture day and
fails when the doc drifts from the code. `UPDATE_DOCS=1 pytest tests/test_platform_docs.py` rewrites it."""

from __future__ import annotations

import os
import re
from pathlib import Path

from adapters.console import render_text
from adapters.discord.embeds import render_digest as discord_render
from adapters.markdown_site import render_markdown
from adapters.telegram.render import html_to_text, utf16_len
from adapters.telegram.render import render_digest as telegram_render
from digest_core.models import Digest
from digest_core.topics import load_topics
from tests.digests import fixture_digest

DOC = Path(__file__).resolve().parent.parent / "docs" / "platforms.md"
DAY = "2026-02-25"
PAGE_URL = f"https://digest.example.org/china-japan/{DAY}/"
_GOOGLE_LINK = re.compile(r"https://news\.google\.com/rss/articles/[^)\s\"]+")
_BLOCK = re.compile(r"(<!-- example:(\w+) -->\n```text\n)(.*?)(```\n)", re.DOTALL)


def _short(text: str) -> str:
    """Google News links (200-600 characters each) shown as `<link>`."""
    return _GOOGLE_LINK.sub("<link>", text)


def telegram_example(digest: Digest) -> str:
    parts = telegram_render(digest, PAGE_URL)
    shown = "\n---- next message ----\n".join(html_to_text(p) for p in parts)
    return f"{shown}\n\n[{len(parts)} message, {sum(utf16_len(html_to_text(p)) for p in parts)} UTF-16 units]\n"


def discord_example(digest: Digest) -> str:
    lines = []
    messages = discord_render(digest, PAGE_URL)
    for embed in [e for m in messages for e in m]:
        if embed.author and embed.author.name:
            lines.append(f"[author] {embed.author.name}")
        if embed.title:
            lines.append(f"[title] {embed.title}")
        lines.append(embed.description or "")
        if embed.footer and embed.footer.text:
            lines.append(f"[footer] {embed.footer.text}")
        lines.append("")
    size = sum(len(e) for m in messages for e in m)
    embeds = sum(len(m) for m in messages)
    lines.append(f"[{len(messages)} message, {embeds} embeds, {size} characters with the full links]")
    return _short("\n".join(lines)) + "\n"


def console_example(digest: Digest) -> str:
    return render_text(digest, PAGE_URL)


def page_example(digest: Digest) -> str:
    body = render_markdown(digest).split("---\n", 2)[2]
    summary, sources = body.split("## Sources")
    first_sources = "\n".join(sources.strip().splitlines()[:4])
    return _short(f"{summary}## Sources\n\n{first_sources}\n…\n")


def examples() -> dict[str, str]:
    digest = fixture_digest(load_topics().get("china-japan"), DAY)
    return {
        "telegram": telegram_example(digest),
        "discord": discord_example(digest),
        "console": console_example(digest),
        "page": page_example(digest),
    }


def regenerated(doc: str, blocks: dict[str, str]) -> str:
    return _BLOCK.sub(lambda m: m.group(1) + blocks[m.group(2)] + m.group(4), doc)


def test_the_platform_doc_shows_what_the_code_renders() -> None:
    doc = DOC.read_text(encoding="utf-8")
    blocks = examples()
    assert sorted(m.group(2) for m in _BLOCK.finditer(doc)) == sorted(blocks)
    fresh = regenerated(doc, blocks)
    if os.environ.get("UPDATE_DOCS") == "1":
        DOC.write_text(fresh, encoding="utf-8")
    assert fresh == doc, "docs/platforms.md drifted from the renderers: UPDATE_DOCS=1 rewrites it"
