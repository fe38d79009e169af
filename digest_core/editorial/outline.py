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
again, and no line points at another ("quoted above"): a line whose text was shown gives instead
one of its cited articles' headlines not shown yet, or, when only its citations are new, the
outlets it cites; else it is left out. A side's section whose bullets were all in the highlights
gives that side's headlines not shown yet. Headlines are cut on a word boundary
(`text.HEADLINE_LIMIT`), summarizer text is one line and capped (`text.SUMMARY_LIMIT`).

A line resting only on opinion articles carries the tag `Editorial` or `Opinion`
(`editorial.opinion`); a story made only of opinion is captioned `Commentary`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from digest_core.editorial.captions import side_name, story_caption
from digest_core.editorial.opinion import opinion_tag
from digest_core.models import Bullet, Digest, Framing, Story
from digest_core.plural import plural
from digest_core.text import HEADLINE_LIMIT, SUMMARY_LIMIT, cut, headline, normalized, one_line

POST_LINE_LIMIT = 150  # a side's line in a post: a day of 20 articles fits one Telegram message
POST_BUDGET = 3000  # characters of stories in a post, about, beyond which the post's lines get shorter
# A post's (title, line) limits and whether it says what happened, tried in turn until it fits.
POST_TIERS = ((HEADLINE_LIMIT, POST_LINE_LIMIT, True), (90, 110, True), (70, 90, False))
_CONTAINED_MIN = 20  # normalized characters a text needs before "contained in an earlier line" counts


@dataclass(frozen=True)
class Line:
    """A line and the source numbers it cites. `side` names the side the line speaks for; `tag`
    is `Editorial` or `Opinion` when the line rests only on opinion articles."""

    text: str
    citations: tuple[int, ...]
    side: str = ""
    tag: str = ""


@dataclass(frozen=True)
class TopStory:
    """A story two or more sides covered: its neutral title, what happened (when not shown above),
    one line per side naming its outlets, and the figures the sides give differently."""

    number: int
    title: str
    caption: str
    lines: tuple[Line, ...]
    happened: tuple[Line, ...] = ()
    differences: tuple[Line, ...] = ()

    @property
    def told(self) -> tuple[Line, ...]:
        """Every line under the title, in order: what happened, each side's line, the differences."""
        return (*self.happened, *self.lines, *self.differences)


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
        articles = plural(self.articles, "article")
        return f"{articles}: {sides}" if sides else articles


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


def _tag(digest: Digest, citations: tuple[int, ...]) -> str:
    return opinion_tag(digest.article(n) for n in citations)


def _as_said(text: str, limit: int, by: str, quote: bool) -> str:
    """`text` cut to `limit` with its sources' names before it (`China Daily and Global Times: “...”`)."""
    if not by:
        return cut(text, limit)
    head = f"{by}: "
    room = max(limit - len(head) - (2 if quote else 0), limit // 2)
    said = cut(text.rstrip("."), room) if quote else cut(text, room)
    return head + (f"“{said}”" if quote else said)


def outlet_names(digest: Digest, citations: tuple[int, ...]) -> str:
    """The outlets of `citations` in order: `China Daily`, `China Daily and Global Times`, `A, B and C`."""
    names = list(dict.fromkeys(one_line(digest.article(n).outlet) for n in citations))
    if len(names) <= 1:
        return "".join(names)  # no citation: no name
    return ", ".join(names[:-1]) + " and " + names[-1]


def _line(
    digest: Digest,
    shown: _Shown,
    raw: str,
    citations: tuple[int, ...],
    limit: int,
    side: str = "",
    named: bool = False,
    quote: bool = False,
) -> Line | None:
    """A line of `raw` text (`named`: after its outlets' names, quoted when `quote`); when `shown`
    already holds it, the line's own account instead (a cited headline not shown yet, else the
    outlets of citations not shown yet), or None: nothing new."""
    text = one_line(raw)
    if not text:
        return None
    by = outlet_names(digest, citations) if named else ""
    if not shown.seen(text):
        shown.add(text, citations)
        return Line(_as_said(text, limit, by, quote), citations, side, _tag(digest, citations))
    for n in citations:
        title = one_line(digest.article(n).title)
        if title and not shown.seen(title):
            shown.add(title, citations)
            by = outlet_names(digest, (n, *(c for c in citations if c != n))) if named else ""
            return Line(_as_said(title, limit, by, named), citations, side, _tag(digest, citations))
    new = tuple(n for n in citations if n not in shown.cited)
    if not new:
        return None
    outlets = ", ".join(dict.fromkeys(digest.outlet_name(digest.article(n).outlet) for n in new))
    shown.cited.update(new)
    return Line(cut(f"Also reported by {one_line(outlets)}", limit), new, side, _tag(digest, new))


def _kept(lines: list[Line | None]) -> tuple[Line, ...]:
    return tuple(line for line in lines if line is not None)


def _highlights(digest: Digest, shown: _Shown, limit: int) -> tuple[Line, ...]:
    return _kept([_line(digest, shown, b.text, _cited(digest, b.citations), limit) for b in digest.highlights])


def _own_headlines(digest: Digest, perspective: str, shown: _Shown, limit: int) -> tuple[Line, ...]:
    """A side's headlines not shown yet, in story order (its own account of the day)."""
    numbers = [n for s in digest.stories for n in s.articles] + [a.n for a in digest.articles]
    mine = [n for n in dict.fromkeys(numbers) if 1 <= n <= len(digest.articles)]
    mine = [
        n
        for n in mine
        if digest.article(n).perspective == perspective and not shown.seen(one_line(digest.article(n).title))
    ]
    return _kept([_line(digest, shown, digest.article(n).title, (n,), limit) for n in mine])


def _sections(digest: Digest, shown: _Shown, limit: int) -> tuple[Section, ...]:
    """Per side, its bullets but those the highlights already quoted (and cited); when every one
    was, the side's own headlines not shown yet. A side with nothing left to say is left out."""
    sections = []
    for p in digest.perspectives:
        bullets: list[Bullet] = digest.perspective_highlights.get(p.id, [])
        lines = _kept([_line(digest, shown, b.text, _cited(digest, b.citations), limit) for b in bullets])
        if bullets and not lines:
            lines = _own_headlines(digest, p.id, shown, limit)
            if not lines:
                continue
        empty = f"No {one_line(p.name)} outlet covered this topic in this window."
        sections.append(Section(p.id, p.name, p.count, lines, empty))
    return tuple(sections)


def _framed_side(digest: Digest, framing: Framing) -> str:
    """The side a framing line speaks for, and its audience when it wrote for two."""
    side = side_name(digest, framing.perspective)
    return f"{side} ({framing.audience})" if framing.audience else side


def _top_stories(
    digest: Digest, shown: _Shown, limit: int, title_limit: int = HEADLINE_LIMIT, happened: bool = True
) -> tuple[TopStory, ...]:
    """The stories two or more sides covered, each with its neutral title, what happened (when
    `happened` and not shown above), one line per side naming its outlets, and the figures the
    sides give differently."""
    top: list[TopStory] = []
    for story in digest.stories:
        if len(digest.sides(story)) < 2:
            continue
        title = cut(one_line(story.title), title_limit)
        shown.add(title)  # a line that would repeat the title gives its own account instead
        said = _kept([_line(digest, shown, b.text, _cited(digest, b.citations), limit) for b in story.happened])
        lines = _kept(
            [
                _line(
                    digest, shown, f.text, _cited(digest, f.citations), limit,
                    _framed_side(digest, f),
                    named=True, quote=f.quote,
                )
                for f in story.framing
            ]
        )  # fmt: skip
        differences = _kept(
            [_line(digest, shown, b.text, _cited(digest, b.citations), limit) for b in story.differences]
        )
        commentary = bool(story.articles) and all(digest.article(n).opinion for n in _cited(digest, story.articles))
        caption = story_caption(story, commentary)
        top.append(TopStory(len(top) + 1, title, caption, lines, said if happened else (), differences))
    return tuple(top)


def _length(top: tuple[TopStory, ...], one_sided: tuple[SideGroup, ...]) -> int:
    """About how many characters the stories take in a post (text, sides, captions, citations)."""
    lines = [
        *(line for story in top for line in story.told),
        *(line for g in one_sided for line in g.stories),
    ]
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
            lines = _kept(
                [_line(digest, shown, s.title, _cited(digest, s.articles), HEADLINE_LIMIT, p.name) for s in stories]
            )
            if lines:
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
        for title_limit, line_limit, happened in POST_TIERS:  # shorter lines until the post is short
            shown = _Shown()
            top = _top_stories(digest, shown, line_limit, title_limit, happened)
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
    top = _top_stories(digest, shown, SUMMARY_LIMIT)
    one_sided = _one_sided(digest, shown)
    vanished = tuple(dict.fromkeys(headline(t) for t in digest.vanished if one_line(t)))
    return _frame(
        digest, highlights=highlights, sections=sections, top_stories=top, one_sided=one_sided, vanished=vanished
    )
