"""Grounding a model's sentences in the articles they cite: its names and figures must be there.

Every sentence a model writes (highlights, side bullets, framing lines, story titles and what
happened) is checked against the text (headline and lead, `Article.text`) of the articles it
cites. Its **figures** (numbers in digits, `2,000` = `2000`, `40%` = `40`) must appear there, as
digits or as a number word (`seven`); its **names** (capitalised words inside a sentence, a
sentence's first word when the next one is capitalised too, and all-capital words) must appear
there in any case, possessives aside. The topic's side names (aliases, perspective names) and
its `same_as` spellings stand for one another; the outlets of the cited articles may be named.
A sentence that fails is repaired once (one more model call for all of them, unless the
summarizer already spent its second call on a structural repair), else replaced by the
extractive sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from digest_core.editorial.captions import LABEL_TEXT
from digest_core.editorial.figures import _NUMBER_WORDS
from digest_core.editorial.names import fold, words
from digest_core.editorial.sentences import copies_headline, sentences
from digest_core.models import Article, Bullet, Framing, StoryNote, Summary
from digest_core.summarize.base import SummaryRequest
from digest_core.summarize.extractive import side_bullet
from digest_core.topics import Topic

_FIGURE = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")


@dataclass(frozen=True)
class Sentence:
    """One model-written text, where it sits in the summary (`key`), and what it cites."""

    key: str
    text: str
    citations: tuple[int, ...]


def _figures(text: str) -> set[str]:
    return {m.group(0).replace(",", "").rstrip(".") for m in _FIGURE.finditer(text)}


def _names(text: str) -> list[str]:
    """The names a sentence gives: capitalised words inside it, its first word when the second is
    capitalised too, and all-capital words."""
    found = []
    for sentence in sentences(text):
        tokens = [t for t in words(sentence) if t[:1].isalpha()]
        for k, token in enumerate(tokens):
            if not token[:1].isupper():
                continue
            first = k == 0 and not (len(tokens) > 1 and tokens[1][:1].isupper())
            if first and not (token.isupper() and len(token) > 1):
                continue
            found.append(token)
    return found


def _equivalents(topic: Topic) -> dict[str, frozenset[str]]:
    """Each side name or `same_as` spelling (folded, lower case) and the words that stand for it."""
    groups = [[*p.aliases, p.name] for p in topic.perspectives] + [list(g) for g in topic.same_as]
    out: dict[str, frozenset[str]] = {}
    for group in groups:
        folded = frozenset(w.casefold() for name in group for w in words(name))
        for word in folded:
            out[word] = out.get(word, frozenset()) | folded
    return out


def ungrounded(text: str, cited: Sequence[Article], topic: Topic) -> list[str]:
    """The names and figures of `text` that the `cited` articles' texts do not hold (empty: grounded)."""
    source = "\n".join(a.text for a in cited)
    said = {w.casefold() for w in words(source)}
    figures = _figures(source) | {str(v) for w, v in _NUMBER_WORDS.items() if w in said}
    outlets = {w.casefold() for a in cited for w in words(a.outlet)}
    sides = {w.casefold() for p in topic.perspectives for name in [*p.aliases, p.name] for w in words(name)}
    same = _equivalents(topic)
    missing = [f for f in sorted(_figures(text)) if f not in figures]
    for name in dict.fromkeys(_names(text)):
        key = fold(name).casefold()
        if key in said or key in outlets or key in sides or same.get(key, frozenset()) & said:
            continue
        missing.append(name)
    return missing


def model_sentences(summary: Summary, request: SummaryRequest) -> list[Sentence]:
    """Every sentence a summarizer wrote, keyed by where it sits, with the articles it cites (a
    story's title and what happened cite the story's articles)."""
    out = [Sentence(f"h{k}", b.text, tuple(b.citations)) for k, b in enumerate(summary.highlights)]
    for side, bullets in summary.perspective_highlights.items():
        out += [Sentence(f"p:{side}:{k}", b.text, tuple(b.citations)) for k, b in enumerate(bullets)]
    for note in summary.stories:
        if not 1 <= note.story <= len(request.stories):
            continue
        members = tuple(request.stories[note.story - 1].articles)
        out += [Sentence(f"s{note.story}:f:{k}", f.text, tuple(f.citations)) for k, f in enumerate(note.framing)]
        if note.title:
            out.append(Sentence(f"s{note.story}:title", note.title, members))
        out += [Sentence(f"s{note.story}:w:{k}", b.text, members) for k, b in enumerate(note.happened)]
    return out


def _title_problems(title: str, cited: Sequence[Article]) -> list[str]:
    """Why a model's story title is no title: a status line, or a copy of a headline."""
    if not words(title) or title.strip().casefold().rstrip(".") in {t.casefold() for t in LABEL_TEXT.values()}:
        return ["it is a status line, not a title"]
    if copies_headline(title, [a.title for a in cited]):
        return ["it copies a headline"]
    return []


def failures(summary: Summary, request: SummaryRequest) -> dict[str, list[str]]:
    """Each ungrounded sentence's key and what it names or counts that its articles do not (a
    title also fails as a status line or a headline's copy)."""
    by_n = {a.n: a for a in request.articles}
    out = {}
    for s in model_sentences(summary, request):
        cited = [by_n[n] for n in s.citations if n in by_n]
        missing = ungrounded(s.text, cited, request.topic)
        if s.key.endswith(":title"):
            missing += _title_problems(s.text, cited)
        if missing:
            out[s.key] = missing
    return out


def with_texts(summary: Summary, texts: dict[str, str | None]) -> Summary:
    """`summary` with the sentences at `texts`' keys replaced (None: removed; a story's title or
    what happened removed falls back to the offline one, a line to the extractive sentence)."""

    def bullets(prefix: str, items: list[Bullet]) -> list[Bullet]:
        out = []
        for k, b in enumerate(items):
            key = f"{prefix}{k}"
            if key not in texts:
                out.append(b)
            elif texts[key] is not None:
                out.append(b.model_copy(update={"text": texts[key]}))
        return out

    def framing(note: StoryNote) -> list[Framing]:
        out = []
        for k, f in enumerate(note.framing):
            key = f"s{note.story}:f:{k}"
            out.append(f if texts.get(key) is None else f.model_copy(update={"text": texts[key]}))
        return out

    notes = []
    for note in summary.stories:
        title_key = f"s{note.story}:title"
        title = note.title if title_key not in texts else (texts[title_key] or "")
        notes.append(
            note.model_copy(
                update={
                    "title": title,
                    "framing": framing(note),
                    "happened": bullets(f"s{note.story}:w:", note.happened),
                }
            )
        )
    return summary.model_copy(
        update={
            "highlights": bullets("h", summary.highlights),
            "perspective_highlights": {
                side: bullets(f"p:{side}:", items) for side, items in summary.perspective_highlights.items()
            },
            "stories": notes,
        }
    )


def replaced(summary: Summary, keys: set[str], request: SummaryRequest, offline: Summary) -> Summary:
    """`summary` with the sentences at `keys` replaced by the extractive ones: a highlight or a side's
    bullet by the extractive sentence of the articles it cites, a framing line by the offline
    reading of that story's side, a title or what happened by the offline one."""
    texts: dict[str, str | None] = {}
    for s in model_sentences(summary, request):
        if s.key not in keys:
            continue
        if s.key.startswith(("h", "p:")):
            texts[s.key] = side_bullet(request, list(s.citations)).text
        elif ":title" in s.key or ":w:" in s.key:
            texts[s.key] = None
    out = with_texts(summary, texts)
    offline_notes = {n.story: n for n in offline.stories}
    notes = []
    for note in out.stories:
        keep = []
        for k, f in enumerate(note.framing):
            if f"s{note.story}:f:{k}" in keys and note.story in offline_notes:
                own = [o for o in offline_notes[note.story].framing if o.perspective == f.perspective]
                keep.append(own[0] if own else f)
            else:
                keep.append(f)
        notes.append(note.model_copy(update={"framing": keep}))
    return out.model_copy(update={"stories": notes})
