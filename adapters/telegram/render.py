"""Digests as Telegram HTML messages: the post's outline (`digest_core.editorial.outline`)
formatted, split into parts that Telegram accepts.

A message is built from blocks (a title, a heading, a bullet, a source line), each a list of
atoms: an escaped word or one whole tag (`<b>...</b>`, `<a href>...</a>`). Parts are packed from
whole blocks; a block too long for one message is split between atoms. So no part is ever cut
inside a tag, a link or an entity, every part is valid HTML on its own, and order is kept.
Lengths count UTF-16 code units of the visible text, as Telegram does.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser

from telegram.constants import MessageLimit

from digest_core.editorial.captions import reading_caption, shown_title, translation_note
from digest_core.editorial.opinion import opinion_label
from digest_core.editorial.outline import Line, Outline, post_outline
from digest_core.models import Article, Digest
from digest_core.plural import plural
from digest_core.text import HEADLINE_LIMIT, cut, headline, one_line

MAX_LENGTH = MessageLimit.MAX_TEXT_LENGTH  # 4096
MAX_ENTITIES = MessageLimit.MESSAGE_ENTITIES  # 100: Telegram shows no more per message
MAX_TITLE = HEADLINE_LIMIT  # visible characters of one link or heading; longer ones are cut with "…"
_WORD_CHUNK = 200
_WORDS = re.compile(r"\S+\s*|\s+")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, limit: int = MAX_TITLE) -> str:
    return cut(text, limit)


@dataclass(frozen=True)
class Atom:
    """Indivisible HTML: its markup, the length of its visible text, and how many entities it holds."""

    html: str
    length: int
    entities: int = 0


NEWLINE = Atom("\n", 1)


@dataclass
class Block:
    """Lines of the message kept together. `gap` blank lines go before it; a heading keeps with
    the next block."""

    atoms: list[Atom] = field(default_factory=list)
    gap: int = 0
    keep_with_next: bool = False

    @property
    def length(self) -> int:
        return sum(a.length for a in self.atoms)

    @property
    def entities(self) -> int:
        return sum(a.entities for a in self.atoms)

    @property
    def html(self) -> str:
        return "".join(a.html for a in self.atoms)


def text(raw: str) -> list[Atom]:
    """Untrusted text as escaped word atoms (overlong words chopped), splittable between words."""
    atoms = []
    for word in _WORDS.findall(raw):
        for i in range(0, len(word), _WORD_CHUNK):
            piece = word[i : i + _WORD_CHUNK]
            atoms.append(Atom(html.escape(piece, quote=False), utf16_len(piece)))
    return atoms


def bold(raw: str) -> Atom:
    shown = _cut(raw)
    return Atom(f"<b>{html.escape(shown, quote=False)}</b>", utf16_len(shown), 1)


def italic(raw: str) -> Atom:
    shown = _cut(raw)
    return Atom(f"<i>{html.escape(shown, quote=False)}</i>", utf16_len(shown), 1)


def link(url: str, raw: str) -> Atom:
    """A link; plain text when the URL is not http(s) (Telegram refuses others, and they are unsafe)."""
    shown = _cut(raw)
    if not url.lower().startswith(("https://", "http://")) or len(url) > 2048:
        return Atom(html.escape(shown, quote=False), utf16_len(shown))
    return Atom(f'<a href="{html.escape(url, quote=True)}">{html.escape(shown, quote=False)}</a>', utf16_len(shown), 1)


def _citations(citations: tuple[int, ...], digest: Digest) -> list[Atom]:
    atoms: list[Atom] = []
    for n in citations:
        if 1 <= n <= len(digest.articles):
            atoms += [Atom(" ", 1), link(digest.article(n).link, f"[{n}]")]
    return atoms


def _line(line: Line, digest: Digest, bullet: str = "• ") -> list[Atom]:
    """A line of the outline: its side in bold when it has one, its opinion tag in italics, its
    text, its citations as links."""
    atoms = [Atom(bullet, utf16_len(bullet))] if bullet else []
    if line.side:
        atoms += [bold(f"{line.side}:"), Atom(" ", 1)]
    if line.tag:
        atoms += [italic(f"{line.tag}:"), Atom(" ", 1)]
    atoms += text(line.text)
    return atoms + _citations(line.citations, digest)


def _source(article: Article, n: int, digest: Digest) -> Block:
    """`1. Title — Outlet (label) · en-GB · lead read`: the link is the publisher's page when known."""
    number = Atom(f"{n}. ", utf16_len(f"{n}. "))
    said = f" — {one_line(digest.outlet_name(article.outlet))} · {reading_caption(digest, article)}"
    note = translation_note(digest, article)
    said += f" · {headline(note)}" if note else ""
    tag = opinion_label(article)
    marker = [italic(f"{tag}:"), Atom(" ", 1)] if tag else []
    return Block([number, *marker, link(article.link, headline(shown_title(article))), *text(said)])


def _heading(raw: str, note: str = "", gap: int = 1) -> Block:
    return Block([bold(raw), *text(note)], gap=gap, keep_with_next=True)


def title_block(digest: Digest) -> Block:
    return Block([bold(f"{one_line(digest.topic_name)} — {digest.date.isoformat()}")])


def sources_blocks(digest: Digest) -> list[Block]:
    """The numbered source list (used by the digest and by `/sources`)."""
    blocks = [_heading("Sources", f" ({plural(len(digest.articles), 'article')})")]
    blocks += [_source(a, i, digest) for i, a in enumerate(digest.articles, start=1)]
    if digest.failed_sources:
        failed = ", ".join(f.outlet for f in digest.failed_sources)
        blocks.append(Block(text(f"Not reached for this digest: {failed}."), gap=1))
    return blocks


def _stories_blocks(outline: Outline, digest: Digest) -> list[Block]:
    """Top stories (one line per side), then the one-sided stories grouped by side."""
    blocks = []
    if outline.top_stories:
        blocks.append(_heading("Top stories"))
        for story in outline.top_stories:
            if story.title:
                atoms = [bold(f"{story.number}. {story.title}"), NEWLINE, italic(story.caption)]
            else:
                atoms = [bold(f"{story.number}."), Atom(" ", 1), italic(story.caption)]
            for line in story.told:
                atoms += [NEWLINE, *_line(line, digest, bullet="")]
            blocks.append(Block(atoms, gap=int(story.number > 1)))
    for group in outline.one_sided:
        count = len(group.stories)
        blocks.append(_heading(f"Only {group.name} outlets", f" ({count} {'story' if count == 1 else 'stories'})"))
        blocks += [Block(_line(_without_side(line), digest)) for line in group.stories]
    return blocks


def _without_side(line: Line) -> Line:
    """The line without its side (its group's heading names it)."""
    return replace(line, side="")


def _summary_blocks(outline: Outline, digest: Digest) -> list[Block]:
    """Highlights, then each side's own bullets (when the topic does not show stories side by side)."""
    blocks = [_heading("Highlights")]
    blocks += [Block(_line(line, digest)) for line in outline.highlights] or [Block(text("No highlights."))]
    for section in outline.sections:
        blocks.append(_heading(section.name, f" ({plural(section.count, 'source')})"))
        blocks += [Block(_line(line, digest)) for line in section.lines] or [Block(text(section.empty))]
    return blocks


def _footer_blocks(outline: Outline) -> list[Block]:
    blocks = [Block(text(outline.counts_text + "."), gap=1)]
    if outline.failed:
        blocks.append(Block(text(f"Not reached for this digest: {', '.join(outline.failed)}.")))
    return blocks


def digest_blocks(digest: Digest) -> list[Block]:
    """The post: its title, the top stories and one-sided stories (or highlights and each side's
    bullets), the counts per side. The source list is `/sources`."""
    outline = post_outline(digest)
    body = _stories_blocks(outline, digest) if outline.stories_first else _summary_blocks(outline, digest)
    return [title_block(digest), *body, *_footer_blocks(outline)]


def _split_block(block: Block, max_length: int, max_entities: int) -> list[Block]:
    """A block too long for one message, as consecutive blocks that fit (between atoms); no piece
    starts or ends with a line break."""
    pieces: list[Block] = [Block(gap=block.gap)]
    for atom in block.atoms:
        current = pieces[-1]
        if current.atoms and (
            current.length + atom.length > max_length or current.entities + atom.entities > max_entities
        ):
            pieces.append(current := Block())
        if atom is NEWLINE and not current.atoms:
            continue
        current.atoms.append(atom)
    for piece in pieces:
        while piece.atoms and piece.atoms[-1] is NEWLINE:
            piece.atoms.pop()
    return [p for p in pieces if p.atoms]


def split_blocks(blocks: list[Block], max_length: int = MAX_LENGTH, max_entities: int = MAX_ENTITIES) -> list[str]:
    """Pack blocks into messages of at most `max_length` visible characters and `max_entities` entities."""
    units: list[Block] = []
    for block in blocks:
        fits = block.length + block.gap <= max_length and block.entities <= max_entities
        units += [block] if fits else _split_block(block, max_length, max_entities)

    parts: list[list[Block]] = [[]]
    length = entities = 0

    def cost(i: int, first: bool) -> tuple[int, int]:
        b = units[i]
        return b.length + (0 if first else 1 + b.gap), b.entities

    for i, block in enumerate(units):
        add_len, add_ent = cost(i, not parts[-1])
        need_len, need_ent = add_len, add_ent
        if block.keep_with_next and i + 1 < len(units):  # never leave a heading last in a part
            nxt_len, nxt_ent = cost(i + 1, False)
            need_len, need_ent = add_len + nxt_len, add_ent + nxt_ent
        if parts[-1] and (length + need_len > max_length or entities + need_ent > max_entities):
            parts.append([])
            length = entities = 0
            add_len, add_ent = cost(i, True)
        parts[-1].append(block)
        length += add_len
        entities += add_ent
    return ["\n".join(("\n" * b.gap if j else "") + b.html for j, b in enumerate(part)) for part in parts if part]


def render_digest(digest: Digest, page_url: str | None = None) -> list[str]:
    """The digest as one or more HTML messages, in order; ending with a link to its web page when
    the site's address is known."""
    blocks = digest_blocks(digest)
    if page_url:
        blocks.append(Block([*text("Full digest and sources:"), Atom(" ", 1), link(page_url, page_url)]))
    return split_blocks(blocks)


def render_sources(digest: Digest) -> list[str]:
    """The full numbered source list of a digest as HTML messages."""
    return split_blocks([title_block(digest), *sources_blocks(digest)])


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


def html_to_text(markup: str) -> str:
    """What a reader sees of an HTML part, as plain text (the fallback when Telegram refuses the HTML)."""
    parser = _TextOnly()
    parser.feed(markup)
    parser.close()
    return "".join(parser.chunks)
