"""What changed since the previous digest, by event: each story `new` or `continuing (day N)`, and
at most `MAX_VANISHED` of the previous digest's most important stories that no story continues.

A story's event is what its articles' texts (headline and lead, `Article.text`) name: the topic's
people, institutions, places and issues (`names.name_index`, the `same_as` names folded into one),
other proper names written inside a sentence-case text, and numbers (10 or more, years aside).
A name or number found in more than a quarter of the stories of the two days (at least 3) is
common ground, not an event. Today's story continues one of the previous digest's when they share

- two event names or numbers, or
- one, and two more content words (`headline_words.content_words`, names aside), or
- three content words that are at least half of the smaller story's words,

so two headlines that share one word are never the same event. Without a previous digest no
story has a status at all (`status` is "": nothing to compare with, so nothing is "new").

`reannotate` recomputes a stored digest against the archive's previous day, so that building an
earlier day after a later one corrects the later day (the service does so after each save)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from digest_core.editorial.headline_words import canonical_terms, content_words, side_name_words
from digest_core.editorial.importance import story_importance
from digest_core.editorial.names import CONTESTED, INSTITUTION, ISSUE, PERSON, PLACE, name_index, words
from digest_core.models import Article, Digest, Story
from digest_core.topics import Topic

MAX_VANISHED = 3
COMMON_SHARE = 0.25  # a key in more than this share of both days' stories is common ground
COMMON_MIN = 2  # ... and in more than this many
MIN_NUMBER = 10
_EVENT_KINDS = frozenset({PERSON, INSTITUTION, PLACE, ISSUE, CONTESTED})
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w])")
_YEAR = re.compile(r"^(19|20)\d\d$")
_FUNCTION_TEXT = "and the for but nor yet off out via per over into from with amid"
_FUNCTION_WORDS = frozenset(_FUNCTION_TEXT.split())
# Capitalised words that are titles or parts of office names, not names of their own.
_TITLES_TEXT = """prime minister president premier governor mayor chief cabinet secretary foreign defense defence
    ministry minister spokesperson spokesman spokeswoman ambassador embassy general vice deputy state
    national government party parliament monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december"""
_TITLES = frozenset(_TITLES_TEXT.split())


@dataclass(frozen=True)
class Event:
    """What a story's texts name (`keys`) and its other content words (`words`)."""

    keys: frozenset[str]
    words: frozenset[str]


def _title_case(tokens: list[str]) -> bool:
    """Whether a text is in Title Case (every word of three letters or more capitalised, short
    function words aside): then its capitals say nothing about names."""
    long = [t for t in tokens if len(t) >= 3 and t.casefold() not in _FUNCTION_WORDS]
    return len(long) >= 3 and all(t[:1].isupper() or t[:1].isdigit() for t in long)


def _proper_names(text: str, ignore: frozenset[str] | set[str]) -> set[str]:
    """Capitalised words inside the sentences of a sentence-case text (not a sentence's first word),
    but the words in `ignore` (the sides' names, names already found) and titles."""
    found: set[str] = set()
    for line in text.splitlines():
        if _title_case(words(line)):
            continue
        for sentence in re.split(r"(?<=[.!?:;])\s+", line):
            for token in words(sentence)[1:]:
                key = token.casefold()
                if token[:1].isupper() and len(token) > 2 and key not in ignore and key not in _TITLES:
                    found.add(f"name:{key}")
    return found


def _person(mention: str, topic: Topic) -> str:
    """A person's key: the longest configured name that holds the mention's words (Takaichi and
    Sanae Takaichi are one person)."""
    said = words(mention)
    names = [words(name) for p in topic.perspectives for name in p.people]
    holding = [n for n in names if all(w in n for w in said)]
    longest = max(holding, key=lambda n: len(n), default=said)
    return "name:" + " ".join(longest).casefold()


def article_keys(article: Article, topic: Topic, side_words: frozenset[str]) -> set[str]:
    """The names and numbers an article's text gives its event."""
    text = article.text
    keys: set[str] = set()
    mentions = name_index(topic).find(text)
    for mention in mentions:
        if mention.role.kind == PERSON:
            keys.add(_person(mention.text, topic))
        elif mention.role.kind in _EVENT_KINDS:
            _, canon = canonical_terms(mention.text, topic)
            keys.update(canon or {f"name:{' '.join(words(mention.text)).casefold()}"})
    keys |= _proper_names(text, side_words | {w.casefold() for m in mentions for w in words(m.text)})
    for raw in _NUMBER.findall(text):
        digits = raw.replace(",", "")
        if int(digits) >= MIN_NUMBER and not _YEAR.match(digits):
            keys.add(f"number:{digits}")
    return keys


def story_event(articles: Sequence[Article], topic: Topic) -> Event:
    """The event a story's articles tell: their names and numbers, and their other content words."""
    side_words = side_name_words(topic)
    keys: set[str] = set()
    content: set[str] = set()
    for article in articles:
        keys |= article_keys(article, topic, side_words)
        rest, canon = canonical_terms(article.title, topic)
        content |= content_words(rest, side_words) | canon
    named = {k.split(":", 1)[-1] for k in keys} | {w for k in keys if k.startswith("name:") for w in k[5:].split()[-1:]}
    return Event(frozenset(keys), frozenset(w for w in content if w not in named and w not in keys))


def same_event(a: Event, b: Event, common: frozenset[str]) -> float:
    """How strongly `a` and `b` are the same event (0 when they are not): 2 per shared event name or
    number (common ones aside), 1 per shared content word."""
    shared_keys = len((a.keys & b.keys) - common)
    shared_words = len(a.words & b.words)
    smaller = min(len(a.words), len(b.words)) or 1
    if (
        shared_keys >= 2
        or (shared_keys == 1 and shared_words >= 2)
        or (shared_words >= 3 and shared_words / smaller >= 0.5)
    ):
        return 2.0 * shared_keys + shared_words
    return 0.0


def _common(events: Sequence[Event]) -> frozenset[str]:
    counts = Counter(k for e in events for k in e.keys)
    limit = max(COMMON_MIN, COMMON_SHARE * len(events))
    return frozenset(k for k, n in counts.items() if n > limit)


def _events(stories: Sequence[Story], articles: dict[int, Article], topic: Topic) -> list[Event]:
    return [story_event([articles[n] for n in s.articles if n in articles], topic) for s in stories]


def annotate_changes(
    stories: list[Story], articles: Sequence[Article], previous: Digest | None, topic: Topic
) -> tuple[list[Story], list[str]]:
    """`stories` (of `articles`) with status and day set against `previous` (the topic's digest of
    the day before), and the titles of at most `MAX_VANISHED` of its most important stories (two
    outlets or more) that no story of today continues. Without `previous`, no status and nothing gone."""
    if previous is None:
        return [s.model_copy(update={"status": "", "day": 1}) for s in stories], []
    today = _events(stories, {a.n: a for a in articles}, topic)
    old_articles = {a.n: a for a in previous.articles}
    before = _events(previous.stories, old_articles, topic)
    common = _common(today + before)
    continued: set[int] = set()
    out = []
    for story, event in zip(stories, today, strict=True):
        best, k = max(((same_event(event, old, common), k) for k, old in enumerate(before)), default=(0.0, -1))
        if best > 0:
            continued.add(k)
            out.append(story.model_copy(update={"status": "continuing", "day": previous.stories[k].day + 1}))
        else:
            out.append(story.model_copy(update={"status": "new", "day": 1}))
    gone = []
    for k, story in enumerate(previous.stories):
        told = [old_articles[n] for n in story.articles if n in old_articles]
        if k not in continued and len({a.outlet for a in told}) >= 2:
            gone.append((story_importance(told, previous.window_end).score, -k, story.title))
    vanished = [title for _, _, title in sorted(gone, reverse=True)[:MAX_VANISHED]]
    return out, vanished


def reannotate(digest: Digest, previous: Digest | None, topic: Topic) -> Digest:
    """`digest` with its stories' status and day, and its vanished stories, recomputed against
    `previous` (the archive's digest of the day before, or None)."""
    stories, vanished = annotate_changes(digest.stories, digest.articles, previous, topic)
    return digest.model_copy(update={"stories": stories, "vanished": vanished})
