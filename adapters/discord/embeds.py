"""A digest as Discord embeds: one embed per section, split so that every Discord limit holds.

Limits (discord.py 2.7, Discord API v10): title 256, description 4096, 25 fields, field name 256,
field value 1024, footer 2048, author 256; per message at most 10 embeds and 6000 characters
across all of them. Sections that do not fit one embed continue in the next; embeds that do not
fit one message continue in the next message, always in order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote

import discord

from digest_core.editorial.captions import blindspot_text, side_name, story_caption
from digest_core.models import Article, Bullet, Digest, Framing, Story

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
# title 256 + author 256 + description 3500 + 25 fields of at most 40+20 + footer 1500 < 6000.
DESCRIPTION_BUDGET = 3500
FIELD_NAME_BUDGET = 40
FOOTER_BUDGET = 1500

BULLET_TEXT_LIMIT = 1000  # one summary sentence, before its citations
SOURCE_TITLE_LIMIT = 250
OUTLET_LIMIT = 100
URL_LIMIT = 1000  # longer URLs are shown as plain numbers, not links
CITATIONS_BUDGET = 2000  # characters of citation links per bullet

HIGHLIGHTS_COLOR = discord.Colour(0x2B6CB0)
SOURCES_COLOR = discord.Colour(0x4A5568)
PERSPECTIVE_COLORS = (0xC53030, 0x2F855A, 0xB7791F, 0x6B46C1, 0x00838F, 0xD53F8C)
STORY_COLORS = {"dispute": 0xC05621, "agree": 0x2F855A, "one-sided": 0x718096, "covered by both": 0x2B6CB0}
STORY_FIELDS_BUDGET = 5000  # names and values of one story's fields: with title 256 and caption, < 6000
STORY_TITLE_LIMIT = 200

_MARKDOWN = re.compile(r"([\\*_~|`\[\]()<>#:-])")
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")


def escape_text(text: str) -> str:
    """Untrusted text (headlines, outlet names) made inert for Discord: one line, markup escaped,
    `@everyone`/`@here` broken with a zero-width space (AllowedMentions.none() also applies)."""
    one_line = _WHITESPACE.sub(" ", text).strip()
    return _MASS_MENTION.sub("@\u200b\\1", _MARKDOWN.sub(r"\\\1", one_line))


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


def _citations(bullet: Bullet, digest: Digest) -> str:
    """Numbered masked links to the cited articles, as many as fit `CITATIONS_BUDGET` characters."""
    shown = [n for n in bullet.citations if 1 <= n <= len(digest.articles)]
    links: list[str] = []
    used = 0
    for n in shown:
        link = masked_link(str(n), digest.article(n).link)
        if used + len(link) + 2 > CITATIONS_BUDGET:
            break
        links.append(link)
        used += len(link) + 2
    if len(links) < len(shown):
        links.append(f"+{len(shown) - len(links)}")
    return f" ({', '.join(links)})" if links else ""


def bullet_line(bullet: Bullet, digest: Digest) -> str:
    return f"• {escaped(bullet.text, BULLET_TEXT_LIMIT)}{_citations(bullet, digest)}"


def source_line(article: Article) -> str:
    day = article.published.date().isoformat()
    title = masked_link(escaped(article.title, SOURCE_TITLE_LIMIT), article.link)
    return f"**{article.n}.** {title} — {escaped(article.outlet, OUTLET_LIMIT)} ({day})"


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


def _bullets(bullets: list[Bullet], digest: Digest, empty: str) -> list[str]:
    return [bullet_line(b, digest) for b in bullets] or [empty]


def _count_fields(embed: discord.Embed, digest: Digest) -> None:
    """Perspective counts as inline fields on the first embed (within the 25-field limit)."""
    perspectives = digest.perspectives
    shown = perspectives if len(perspectives) < FIELD_LIMIT else perspectives[: FIELD_LIMIT - 2]
    for p in shown:
        noun = "source" if p.count == 1 else "sources"
        embed.add_field(name=escaped(p.name, FIELD_NAME_BUDGET), value=f"{p.count} {noun}", inline=True)
    if len(shown) < len(perspectives):
        rest = sum(p.count for p in perspectives[len(shown) :])
        embed.add_field(name=f"{len(perspectives) - len(shown)} more perspectives", value=f"{rest} sources")
    embed.add_field(name="Articles", value=str(len(digest.articles)), inline=True)


def _footer(digest: Digest) -> str:
    text = f"Summarized by {digest.summarizer}" + (f" ({digest.model})" if digest.model else "")
    if digest.failed_sources:
        failed = ", ".join(_WHITESPACE.sub(" ", f.outlet) for f in digest.failed_sources)
        text += f" · Not reached: {failed}"
    return clip(text, FOOTER_BUDGET)


def sources_embeds(digest: Digest) -> list[discord.Embed]:
    count = len(digest.articles)
    title = f"Sources ({count} {'article' if count == 1 else 'articles'})"
    return section_embeds(title, [source_line(a) for a in digest.articles] or ["No sources."], SOURCES_COLOR)


def _framing_value(framing: Framing, digest: Digest, budget: int) -> str:
    """A side's framing line and its citations as numbered links, in at most `budget` characters.
    A link that does not fit is shown as its plain number; what still does not fit as `+N`."""
    shown = [n for n in framing.citations if 1 <= n <= len(digest.articles)]
    # the line gets what it needs up to half the budget; the citations the rest, with room for "+N"
    room = budget - min(len(escape_text(framing.text)), budget // 2) - 10
    cites: list[str] = []
    used = 0
    for i, n in enumerate(shown):
        link = masked_link(str(n), digest.article(n).link)
        piece = link if used + len(link) + 2 <= room else str(n)
        if used + len(piece) + 2 > room:
            cites.append(f"+{len(shown) - i}")
            break
        cites.append(piece)
        used += len(piece) + 2
    tail = f" ({', '.join(cites)})" if cites else ""
    line = escaped(framing.text, budget - len(tail))
    return f"{line}{tail}" if line.strip() or tail else "—"


def story_embed(digest: Digest, k: int, story: Story) -> discord.Embed:
    """One story: its caption as the description, a field per side with its framing and citations."""
    embed = discord.Embed(
        title=f"{k}. {escaped(story.title, STORY_TITLE_LIMIT)}",
        description=f"*{escape_text(story_caption(story))}*",
        colour=discord.Colour(STORY_COLORS.get(story.label, HIGHLIGHTS_COLOR.value)),
    )
    framing = story.framing if len(story.framing) <= FIELD_LIMIT else story.framing[: FIELD_LIMIT - 1]
    budget = min(FIELD_VALUE_LIMIT, STORY_FIELDS_BUDGET // max(1, len(framing) + 1) - FIELD_NAME_BUDGET)
    for f in framing:
        name = escaped(side_name(digest, f.perspective), FIELD_NAME_BUDGET)
        embed.add_field(name=name, value=_framing_value(f, digest, budget), inline=False)
    if len(framing) < len(story.framing):
        embed.add_field(name="More sides", value=f"{len(story.framing) - len(framing)} more", inline=False)
    return embed


def side_by_side_embeds(digest: Digest) -> list[discord.Embed]:
    """An embed per story, then blindspots and stories gone since the previous digest in a final
    one. Empty when the topic turns the part off or there are no stories."""
    if not digest.side_by_side or not digest.stories:
        return []
    embeds = [story_embed(digest, k, s) for k, s in enumerate(digest.stories, start=1)]
    count = len(digest.stories)
    embeds[0].set_author(name=f"Side by Side ({count} {'story' if count == 1 else 'stories'})")
    lines = []
    if digest.blindspots:
        spots = "; ".join(escape_text(blindspot_text(digest, s)) for s in digest.blindspots)
        lines.append(f"**Blindspots:** {spots}.")
    if digest.vanished:
        lines.append(f"**No longer in the news:** {'; '.join(escape_text(t) for t in digest.vanished)}.")
    if lines:
        embeds += section_embeds("Blindspots and changes", lines, SOURCES_COLOR)
    return embeds


def digest_embeds(digest: Digest) -> list[discord.Embed]:
    """Every section of the digest, in order: Overall Highlights, each perspective, Side by Side, Sources."""
    highlights = _bullets(digest.highlights, digest, "No highlights.")
    embeds = section_embeds("Overall Highlights", highlights, HIGHLIGHTS_COLOR)
    first = embeds[0]
    first.set_author(name=clip(_WHITESPACE.sub(" ", digest_heading(digest)), AUTHOR_LIMIT))
    _count_fields(first, digest)
    for i, p in enumerate(digest.perspectives):
        name = escaped(p.name, 80)
        noun = "source" if p.count == 1 else "sources"
        colour = discord.Colour(PERSPECTIVE_COLORS[i % len(PERSPECTIVE_COLORS)])
        bullets = digest.perspective_highlights.get(p.id, [])
        lines = _bullets(bullets, digest, f"No {name} outlet covered this topic in this window.")
        embeds += section_embeds(f"{name} Perspective ({p.count} {noun})", lines, colour)
    embeds += side_by_side_embeds(digest)
    embeds += sources_embeds(digest)
    embeds[-1].set_footer(text=_footer(digest))
    return embeds


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
    """The digest as messages of embeds, ready to send in order; ending with a link to its web page
    when the site's address is known."""
    embeds = digest_embeds(digest)
    if page_url and page_url.startswith(("https://", "http://")) and len(page_url) < 1000:
        embeds.append(discord.Embed(description=f"[Read the full digest on the web]({page_url})", url=page_url))
    return pack_messages(embeds)


def render_sources(digest: Digest) -> list[list[discord.Embed]]:
    """Only the digest's source list (for `/sources`), with topic and date."""
    embeds = sources_embeds(digest)
    embeds[0].set_author(name=clip(_WHITESPACE.sub(" ", digest_heading(digest)), AUTHOR_LIMIT))
    return pack_messages(embeds)
