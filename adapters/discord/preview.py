"""Discord embeds as the plain text a reader sees: for previews (the demo) and logs, not for sending."""

from __future__ import annotations

import re

import discord

_MASKED_LINK = re.compile(r"(?<!\\)\[((?:\\.|[^\]\\])*)\]\(<?([^)\s>]*)>?\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\\])\*([^*\n]+)\*(?!\*)")
_ESCAPE = re.compile(r"\\(.)")
_MENTION_BREAK = "@\u200b"


def _link_text(link: re.Match[str]) -> str:
    """A citation link as its number (the sources are listed by number); any other link as its
    text and its address in angle brackets, as plain text writes URLs: the address is what a
    reader of the text needs, e.g. the "Full digest" page."""
    text, url = link.group(1), link.group(2)
    return text if text.isdigit() else f"{text} <{url}>"


def markdown_to_text(markdown: str) -> str:
    """Discord markdown as plain text: citation links show their number, other links their text and
    address; bold markers and escapes vanish."""
    shown = _ITALIC.sub(r"\1", _BOLD.sub(r"\1", _MASKED_LINK.sub(_link_text, markdown)))
    return _ESCAPE.sub(r"\1", shown).replace(_MENTION_BREAK, "@")


def embed_text(embed: discord.Embed) -> str:
    """One embed as text: author, title, description, fields (`name: value`), footer."""
    lines: list[str] = []
    if embed.author and embed.author.name:
        lines.append(embed.author.name)
    if embed.title:
        lines.append(f"## {markdown_to_text(embed.title)}")
    if embed.description:
        lines.append(markdown_to_text(embed.description))
    inline = [f"{markdown_to_text(f.name or '')}: {markdown_to_text(f.value or '')}" for f in embed.fields]
    if inline:
        lines.append(" | ".join(inline))
    if embed.footer and embed.footer.text:
        lines.append(f"-- {embed.footer.text}")
    return "\n".join(lines)


def message_text(embeds: list[discord.Embed]) -> str:
    """A message of embeds as text, embeds separated by a blank line."""
    return "\n\n".join(embed_text(e) for e in embeds)
