"""The digest's outline, free of any platform: what a post or a page says, in order, each thing once.

Every renderer (Telegram, Discord, console, the Markdown page) formats an `Outline`; none decides
what to show. Two outlines exist:

- `post_outline` (Telegram, Discord, console): the top stories each once, one line per covering
  side with its citations; then the one-sided stories, grouped by side; then the counts per side.
  When the topic turns side by side off (or there are no stories): highlights and, per side, what
  the highlights did not already quote.
- `page_outline` (the Markdown page): highlights; per side, what the highlights did not already
  quote; Side by Side with only the stories two or more sides covered; Blindspots naming each
  one-sided story once.

Text already shown above (the same words, or words contained in an earlier line) is never shown
again: its line keeps only its side and citations (`repeat`). Headlines are cut on a word boundary
(`text.HEADLINE_LIMIT`), summarizer text is one line and capped (`text.SUMMARY_LIMIT`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from digest_core.editorial.captions import side_name, story_caption
from digest_core.models import Bullet, Digest, Story
from digest_core.text import HEADLINE_LIMIT, SUMMARY_LIMIT, cut, headline, normalized, one_line

POST_LINE_LIMIT = 150  # a side's line in a post: a day of 20 articles fits one Telegram message
POST_BUDGET = 3000  # characters of stories in a post, about, beyond which top stories lose their titles
_CONTAINED_MIN = 20  # normalized characters a text needs before "contained in an earlier line" counts


@dataclass(frozen=True)
class Line:
    """A line and the source numbers it cites. `side` names the side the line speaks for; when
    `repeat`, the text was already shown above and only the side and citations are shown."""

    text: str
    citations: tuple[int, ...]
    side: str = ""
    repeat: bool = False


@dataclass(frozen=True)
class TopStory:
    """A story two or more sides covered: one line per side. `title` is empty when shown above."""

    number: int
    title: str
    caption: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class SideGroup:
    """The stories only one side covered: one line each (the headline, or `repeat`)."""

    perspective: str
    name: str
    stories: tuple[Line, ...]


@dataclass(frozen=True)
class Section:
    """One side's bullets; `empty` is what to say when there are none to show."""

    perspective: str
    name: str
    count: int
    lines: tuple[Line, ...]
    empty: str


@dataclass(frozen=True)
class Outline:
    heading: str
    stories_first: bool  # the post leads with stories (side by side on and stories known)
    highlights: tuple[Line, ...]
    sections: tuple[Section, ...]
    top_stories: tuple[TopStory, ...]
    one_sided: tuple[SideGroup, ...]
    vanished: tuple[str, ...]
    counts: tuple[tuple[str, int], ...]
    articles: int
    failed: tuple[str, ...]

    @property
    def counts_text(self) -> str:
        """`20 articles: 10 China · 10 Japan`."""
        sides = " · ".join(f"{count} {name}" for name, count in self.counts)
        noun = "article" if self.articles == 1 else "articles"
        return f"{self.articles} {noun}: {sides}" if sides else f"{self.articles} {noun}"


class _Shown:
    """What an outline has shown so far, to tell whether a text would repeat it."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.cited: set[int] = set()

    def seen(self, text: str) -> bool:
        key = normalized(text)
        if not key:
            return False
        return any(key == t or (len(key) >= _CONTAINED_MIN and key in t) for t in self.texts)

    def add(self, text: str, citations: tuple[int, ...] = ()) -> None:
        self.texts.append(normalized(text))
        self.cited.update(citations)


def _cited(digest: Digest, numbers: list[int]) -> tuple[int, ...]:
    return tuple(n for n in dict.fromkeys(numbers) if 1 <= n <= len(digest.articles))


def _line(shown: _Shown, raw: str, citations: tuple[int, ...], limit: int, side: str = "") -> Line:
    """A line of `raw` text, or a `repeat` when `shown` already holds it."""
    text = one_line(raw)
    if shown.seen(text):
        return Line("", citations, side, repeat=True)
    shown.add(text, citations)
    return Line(cut(text, limit), citations, side)


def _highlights(digest: Digest, shown: _Shown, limit: int) -> tuple[Line, ...]:
    lines = [_line(shown, b.text, _cited(digest, b.citations), limit) for b in digest.highlights]
    return tuple(line for line in lines if line.text or line.citations)


def _sections(digest: Digest, shown: _Shown, limit: int) -> tuple[Section, ...]:
    """Per side, its bullets but those the highlights already quoted (and cited)."""
    sections = []
    for p in digest.perspectives:
        bullets: list[Bullet] = digest.perspective_highlights.get(p.id, [])
        lines = []
        quoted: list[int] = []
        for b in bullets:
            citations = _cited(digest, b.citations)
            if shown.seen(one_line(b.text)) and set(citations) <= shown.cited:
                quoted += citations
                continue
            lines.append(_line(shown, b.text, citations, limit))
        lines = [line for line in lines if line.text or line.citations]
        if bullets and not lines:  # say so, citing that side's articles the highlights quoted
            text = f"Everything {one_line(p.name)} outlets reported is in the highlights above."
            lines.append(Line(text, tuple(dict.fromkeys(quoted))))
        empty = f"No {one_line(p.name)} outlet covered this topic in this window."
        sections.append(Section(p.id, p.name, p.count, tuple(lines), empty))
    return tuple(sections)


def _title_adds(story: Story, shown: _Shown) -> bool:
    """Whether a story's title says something its sides' lines and what was shown do not."""
    title = normalized(story.title)
    if not title or shown.seen(one_line(story.title)):
        return False
    return not any(title in normalized(f.text) or normalized(f.text) in title for f in story.framing)


def _top_stories(digest: Digest, shown: _Shown, limit: int, titles: bool) -> tuple[TopStory, ...]:
    """The stories two or more sides covered, each with one line per side (its framing), titled
    (when `titles`) unless the title would repeat a line."""
    top: list[TopStory] = []
    for story in digest.stories:
        if len(digest.sides(story)) < 2:
            continue
        title = ""
        if titles and _title_adds(story, shown):
            title = headline(story.title)
            shown.add(story.title)
        lines = tuple(
            _line(shown, f.text, _cited(digest, f.citations), limit, side_name(digest, f.perspective))
            for f in story.framing
        )
        top.append(TopStory(len(top) + 1, title, story_caption(story), lines))
    return tuple(top)


def _length(top: tuple[TopStory, ...], one_sided: tuple[SideGroup, ...]) -> int:
    """About how many characters the stories take in a post (text, sides, captions, citations)."""
    lines = [*(line for story in top for line in story.lines), *(line for g in one_sided for line in g.stories)]
    size = sum(len(line.text) + len(line.side) + 4 + 5 * len(line.citations) for line in lines)
    return size + sum(len(story.title) + len(story.caption) + 8 for story in top)


def _one_sided(digest: Digest, shown: _Shown) -> tuple[SideGroup, ...]:
    """Stories only one side covered, grouped by side in the topic's order, each named once."""
    by_side: dict[str, list[Story]] = {}
    for story in digest.blindspots:
        by_side.setdefault(digest.sides(story)[0], []).append(story)
    groups = []
    for p in digest.perspectives:
        stories = by_side.get(p.id, [])
        if stories:
            lines = tuple(
                _line(shown, s.title, _cited(digest, s.articles), HEADLINE_LIMIT, p.name) for s in stories
            )
            groups.append(SideGroup(p.id, p.name, lines))
    return tuple(groups)


def _frame(digest: Digest, **parts: Any) -> Outline:
    """The outline's frame (heading, counts, failures) with `parts` filled in."""
    frame = Outline(
        heading=f"{one_line(digest.topic_name)} — {digest.date.isoformat()}",
        stories_first=False,
        highlights=(),
        sections=(),
        top_stories=(),
        one_sided=(),
        vanished=(),
        counts=tuple((one_line(p.name), p.count) for p in digest.perspectives),
        articles=len(digest.articles),
        failed=tuple(one_line(f.outlet) for f in digest.failed_sources),
    )
    return replace(frame, **parts)


def post_outline(digest: Digest) -> Outline:
    """What a post (Telegram, Discord, console) says: stories first when the topic shows stories
    side by side, else the highlights and each side's own bullets."""
    if digest.side_by_side and digest.stories:
        for titles in (True, False):  # titled when the post stays short, else told by the sides' lines
            shown = _Shown()
            top = _top_stories(digest, shown, POST_LINE_LIMIT, titles)
            one_sided = _one_sided(digest, shown)
            if _length(top, one_sided) <= POST_BUDGET:
                break
        return _frame(digest, stories_first=True, top_stories=top, one_sided=one_sided)
    shown = _Shown()
    highlights = _highlights(digest, shown, POST_LINE_LIMIT)
    return _frame(digest, highlights=highlights, sections=_sections(digest, shown, POST_LINE_LIMIT))


def page_outline(digest: Digest) -> Outline:
    """What the page says: highlights, each side's bullets the highlights did not quote, then (side
    by side on) the stories two or more sides covered and the one-sided stories."""
    shown = _Shown()
    highlights = _highlights(digest, shown, SUMMARY_LIMIT)
    sections = _sections(digest, shown, SUMMARY_LIMIT)
    if not (digest.side_by_side and digest.stories):
        return _frame(digest, highlights=highlights, sections=sections)
    top = _top_stories(digest, shown, SUMMARY_LIMIT, titles=True)
    one_sided = _one_sided(digest, shown)
    vanished = tuple(dict.fromkeys(headline(t) for t in digest.vanished if one_line(t)))
    return _frame(
        digest, highlights=highlights, sections=sections, top_stories=top, one_sided=one_sided, vanished=vanished
    )
