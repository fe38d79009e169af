"""What changed since the previous digest: each story `new` or `continuing (day N)`, and the
previous digest's stories that vanished. A story continues one of yesterday's when any headline
of it and any headline of yesterday's story are the same story by `stories.same_story`.

`reannotate` recomputes a stored digest against the archive's previous day, so that building an
earlier day after a later one corrects the later day (the service does so after each save)."""

from __future__ import annotations

from digest_core.editorial.headline_words import THRESHOLD, content_words, same_story, side_name_words
from digest_core.models import Digest, Story
from digest_core.topics import Topic


def _story_words(story: Story, titles: dict[int, str], names: frozenset[str]) -> list[frozenset[str]]:
    return [content_words(titles[n], names) for n in story.articles]


def _match(today: list[frozenset[str]], before: list[frozenset[str]]) -> float:
    return max((same_story(a, b) for a in today for b in before), default=0.0)


def annotate_changes(
    stories: list[Story], titles: dict[int, str], previous: Digest | None, topic: Topic
) -> tuple[list[Story], list[str]]:
    """`stories` with status and day set against `previous` (the topic's digest of the day before),
    and the titles of the previous stories that no story of today continues."""
    if previous is None:
        return stories, []
    names = side_name_words(topic)
    old_titles = {a.n: a.title for a in previous.articles}
    old = [(s, _story_words(s, old_titles, names)) for s in previous.stories]
    continued: set[int] = set()
    out = []
    for story in stories:
        words = _story_words(story, titles, names)
        scores = [(_match(words, old_words), k) for k, (_, old_words) in enumerate(old)]
        best, k = max(scores, default=(0.0, -1))
        if best >= THRESHOLD:
            continued.add(k)
            out.append(story.model_copy(update={"status": "continuing", "day": old[k][0].day + 1}))
        else:
            out.append(story.model_copy(update={"status": "new", "day": 1}))
    vanished = [s.title for k, (s, _) in enumerate(old) if k not in continued]
    return out, vanished


def reannotate(digest: Digest, previous: Digest | None, topic: Topic) -> Digest:
    """`digest` with its stories' status and day, and its vanished stories, recomputed against
    `previous` (the archive's digest of the day before, or None)."""
    titles = {a.n: a.title for a in digest.articles}
    stories, vanished = annotate_changes(digest.stories, titles, previous, topic)
    return digest.model_copy(update={"stories": stories, "vanished": vanished})
