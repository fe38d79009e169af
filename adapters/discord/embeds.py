"""A digest as Discord embeds: the post's outline (`digest_core.editorial.outline`), one embed per
section, split so that every Discord limit holds.

Limits (discord.py 2.7, Discord API v10): title 256, description 4096, 25 fields, field name 256,
field value 1024, footer 2048, author 256; per message at most 10 embeds and 6000 characters
across all of them. Sections that do not fit one embed continue in the next; embeds that do not
fit one message continue in the next message, always in order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import replace
from urllib.parse import quote

import discord

from digest_core.editorial.captions import reading_caption, shown_title, translation_note
from digest_core.editorial.opinion import opinion_label
from digest_core.editorial.outline import Line, Outline, post_outline
from digest_core.models import Article, Digest
from digest_core.plural import plural
from digest_core.text import headline, one_line

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
AUTHOR_LIMIT = 256
EMBEDS_PER_MESSAGE = 10
MESSAGE_TOTAL_LIMIT = 6000
THREAD_NAME_LIMIT = 100

# Our own budgets, below Discord's limits so that one embed always fits a message's 6000 characters:
# title 256 + author 256 + description 3500 + footer 1500 < 6000.
DESCRIPTION_BUDGET = 3500
FOOTER_BUDGET = 1500

SOURCE_TITLE_LIMIT = 250
OUTLET_LIMIT = 100
URL_LIMIT = 1000  # longer URLs are shown as plain numbers, not links
CITATIONS_BUDGET = 2000  # characters of citation links per bullet

HIGHLIGHTS_COLOR = discord.Colour(0x2B6CB0)
SOURCES_COLOR = discord.Colour(0x4A5568)
PERSPECTIVE_COLORS = (0xC53030, 0x2F855A, 0xB7791F, 0x6B46C1, 0x00838F, 0xD53F8C)

_MARKDOWN = re.compile(r"([\\*_~|`\[\]()<>#:-])")
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")


def escape_text(text: str) -> str:
    """Untrusted text (headlines, outlet names) made inert for Discord: one line, markup escaped,
    `@everyone`/`@here` broken with a zero-width space (AllowedMentions.none() also applies)."""
    return _MASS_MENTION.sub("@\u200b\\1", _MARKDOWN.sub(r"\\\1", one_line(text)))


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip("\\") + "…"


def escaped(text: str, limit: int) -> str:
    """Escape then fit `limit`, never leaving a dangling backslash."""
    return clip(escape_text(text), limit)


def safe_url(url: str) -> str:
    """A URL that cannot end a masked link early: spaces, brackets and parentheses encoded."""
    return quote(url.strip(), safe=":/?#@!$&'*+,;=%-._~")


def masked_link(text: str, url: str) -> str:
    """`[text](url)` for http(s) URLs that are not absurdly long; the plain text otherwise."""
    target = safe_url(url)
    if not target.lower().startswith(("http://", "https://")) or len(target) > URL_LIMIT:
        return text
    return f"[{text}]({target})"


class LinkBudget:
    """Characters a post may still spend on citation links (a link costs its URL and brackets
    beyond the plain number). A citation that does not fit is its plain number."""

    def __init__(self, chars: int) -> None:
        self.chars = chars

    def cite(self, n: int, digest: Digest) -> str:
        link = masked_link(str(n), digest.article(n).link)
        extra = len(link) - len(str(n))
        if extra > self.chars:
            return str(n)
        self.chars -= extra
        return link


def _citations(citations: tuple[int, ...], digest: Digest, links: LinkBudget) -> str:
    """Numbered citations: links while the line's links stay within `CITATIONS_BUDGET`, then plain."""
    shown: list[str] = []
    used = 0
    for n in citations:
        if 1 <= n <= len(digest.articles):
            shown.append(links.cite(n, digest) if used < CITATIONS_BUDGET else str(n))
            used += len(shown[-1])
    return f" ({', '.join(shown)})" if shown else ""


def outline_line(line: Line, digest: Digest, links: LinkBudget, bullet: str = "• ") -> str:
    """A line of the outline: side in bold, opinion tag in italics, text, citations."""
    side = f"**{escape_text(line.side)}:** " if line.side else ""
    said = f"*{line.tag}:* {escape_text(line.text)}" if line.tag else escape_text(line.text)
    return f"{bullet}{side}{said}{_citations(line.citations, digest, links)}"


def source_line(article: Article, digest: Digest) -> str:
    """`**1.** [Title](publisher link) — Outlet (label) (date) · en-GB · lead read`; opinion tagged."""
    day = article.published.date().isoformat()
    title = masked_link(escaped(headline(shown_title(article)), SOURCE_TITLE_LIMIT), article.link)
    tag = opinion_label(article)
    title = f"*{tag}:* {title}" if tag else title
    reading = escape_text(reading_caption(digest, article))
    note = translation_note(digest, article)
    reading += f" · {escaped(note, SOURCE_TITLE_LIMIT)}" if note else ""
    outlet = escaped(digest.outlet_name(article.outlet), OUTLET_LIMIT)
    return f"**{article.n}.** {title} — {outlet} ({day}) · {reading}"


def digest_heading(digest: Digest) -> str:
    """Topic and date, for the author line of the first embed and forum thread titles."""
    return f"{digest.topic_name} — {digest.date.isoformat()}"


def thread_name(digest: Digest) -> str:
    return clip(_WHITESPACE.sub(" ", digest_heading(digest)).strip(), THREAD_NAME_LIMIT)


def _pack_lines(lines: Iterable[str], limit: int = DESCRIPTION_BUDGET) -> list[str]:
    """Join lines into as few descriptions of at most `limit` characters as possible."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        line = clip(line, limit)
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current or not chunks:
        chunks.append(current)
    return chunks


def section_embeds(title: str, lines: list[str], colour: discord.Colour) -> list[discord.Embed]:
    """One embed per description chunk; continuations say so in their title."""
    chunks = _pack_lines(lines)
    embeds = []
    for i, chunk in enumerate(chunks):
        heading = title if i == 0 else f"{title} (continued)"
        embeds.append(discord.Embed(title=clip(heading, TITLE_LIMIT), description=chunk, colour=colour))
    return embeds


def _footer(digest: Digest) -> str:
    text = f"Summarized by {digest.summarizer}" + (f" ({digest.model})" if digest.model else "")
    if digest.failed_sources:
        failed = ", ".join(one_line(f.outlet) for f in digest.failed_sources)
        text += f" · Not reached: {failed}"
    return clip(text, FOOTER_BUDGET)


def sources_embeds(digest: Digest) -> list[discord.Embed]:
    count = len(digest.articles)
    title = f"Sources ({count} {'article' if count == 1 else 'articles'})"
    return section_embeds(title, [source_line(a, digest) for a in digest.articles] or ["No sources."], SOURCES_COLOR)


def _stories_embeds(outline: Outline, digest: Digest, links: LinkBudget) -> list[discord.Embed]:
    """Top stories (one line per side), then one embed per side for the stories only it covered."""
    embeds: list[discord.Embed] = []
    if outline.top_stories:
        lines = []
        for story in outline.top_stories:
            gap = "\n" if story.number > 1 else ""
            if story.title:
                lines.append(f"{gap}**{story.number}. {escape_text(story.title)}**\n*{escape_text(story.caption)}*")
            else:
                lines.append(f"{gap}**{story.number}.** *{escape_text(story.caption)}*")
            lines += [outline_line(line, digest, links, bullet="") for line in story.told]
        embeds += section_embeds("Top stories", lines, HIGHLIGHTS_COLOR)
    for i, group in enumerate(outline.one_sided):
        count = len(group.stories)
        title = f"Only {escaped(group.name, 80)} outlets ({count} {'story' if count == 1 else 'stories'})"
        lines = [outline_line(replace(s, side=""), digest, links) for s in group.stories]
        colour = discord.Colour(PERSPECTIVE_COLORS[i % len(PERSPECTIVE_COLORS)])
        embeds += section_embeds(title, lines, colour)
    return embeds


def _summary_embeds(outline: Outline, digest: Digest, links: LinkBudget) -> list[discord.Embed]:
    """Highlights, then each side's own bullets (when the topic does not show stories side by side)."""
    highlights = [outline_line(line, digest, links) for line in outline.highlights] or ["No highlights."]
    embeds = section_embeds("Highlights", highlights, HIGHLIGHTS_COLOR)
    for i, section in enumerate(outline.sections):
        lines = [outline_line(line, digest, links) for line in section.lines] or [escape_text(section.empty)]
        colour = discord.Colour(PERSPECTIVE_COLORS[i % len(PERSPECTIVE_COLORS)])
        embeds += section_embeds(f"{escaped(section.name, 80)} ({plural(section.count, 'source')})", lines, colour)
    return embeds


def _post_embeds(digest: Digest, page_url: str | None, links: LinkBudget) -> list[discord.Embed]:
    outline = post_outline(digest)
    body = _stories_embeds if outline.stories_first else _summary_embeds
    embeds = body(outline, digest, links) or section_embeds("Stories", ["No stories."], HIGHLIGHTS_COLOR)
    embeds[0].set_author(name=clip(one_line(digest_heading(digest)), AUTHOR_LIMIT))
    closing = [clip(escape_text(outline.counts_text) + ".", DESCRIPTION_BUDGET - URL_LIMIT - 50)]
    if page_url and page_url.startswith(("https://", "http://")) and len(page_url) < URL_LIMIT:
        closing.append(f"[Full digest and sources]({safe_url(page_url)})")
    last = discord.Embed(description="\n".join(closing), colour=SOURCES_COLOR)
    last.set_footer(text=_footer(digest))
    return [*embeds, last]


def digest_embeds(digest: Digest, page_url: str | None = None) -> list[discord.Embed]:
    """The post as embeds, in order: top stories, one-sided stories by side (or highlights and each
    side's bullets), then counts, link and footer. Citations are links as far as one message's
    6000 characters allow; a post that needs several messages anyway gets about 1000 characters
    of links per message, so that its embeds still pack two or three to a message."""
    plain = sum(len(e) for e in _post_embeds(digest, page_url, LinkBudget(0)))
    room = MESSAGE_TOTAL_LIMIT - plain - 50
    if room < 0:
        room = math.ceil(plain / (MESSAGE_TOTAL_LIMIT - 1000)) * 1000
    return _post_embeds(digest, page_url, LinkBudget(room))


def pack_messages(embeds: list[discord.Embed]) -> list[list[discord.Embed]]:
    """Group embeds in order into messages of at most 10 embeds and 6000 characters."""
    messages: list[list[discord.Embed]] = []
    current: list[discord.Embed] = []
    size = 0
    for embed in embeds:
        n = len(embed)
        if current and (len(current) == EMBEDS_PER_MESSAGE or size + n > MESSAGE_TOTAL_LIMIT):
            messages.append(current)
            current, size = [], 0
        current.append(embed)
        size += n
    if current:
        messages.append(current)
    return messages


def render_digest(digest: Digest, page_url: str | None = None) -> list[list[discord.Embed]]:
    """The post as messages of embeds, ready to send in order; its last embed links to the digest's
    web page when the site's address is known."""
    return pack_messages(digest_embeds(digest, page_url))


def render_sources(digest: Digest) -> list[list[discord.Embed]]:
    """Only the digest's source list (for `/sources`), with topic and date."""
    embeds = sources_embeds(digest)
    embeds[0].set_author(name=clip(_WHITESPACE.sub(" ", digest_heading(digest)), AUTHOR_LIMIT))
    return pack_messages(embeds)
