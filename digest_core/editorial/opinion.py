"""Opinion pieces: editorials, commentaries, columns, op-eds and letters, told apart from reports.

An article is opinion when its page says so (`Article.opinion`, or a `section` named like one), when
its headline carries the marker as a leading or trailing segment of at most four words
("Editorial: ...", "Opinion | ...", "... | Commentary", "...: China Daily editorial", "Letter: ...", "Comment: ..."),
or when a
path segment of its URL is an opinion section (`/opinion/`, `/op-ed/`, `/commentary/`,
`/editorial/`, `/columns/`...). "Analysis" is not a marker: news analysis is reporting.
The marker word must end (or start) the segment, so "Editorial board resigns" is a report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from digest_core.models import Article

EDITORIAL, OPINION, COMMENTARY = "Editorial", "Opinion", "Commentary"

_EDITORIAL_WORDS = frozenset({"editorial", "editorials"})
_OPINION_WORDS = _EDITORIAL_WORDS | frozenset(
    {
        "opinion",
        "opinions",
        "commentary",
        "op-ed",
        "oped",
        "op-eds",
        "column",
        "columns",
        "columnist",
        "letter",
        "letters",
        "viewpoint",
        "viewpoints",
    }
)
_MARKER = r"(?:editorials?|opinions?|commentary|op-?eds?|columns?|viewpoints?|letters? to the editor)"
_SEGMENT = r"(?:[\w.'’&-]+\s+){0,3}"  # up to three words before the marker (an outlet's name)
_SEPARATOR = r"\s*(?:[:|]|\s[-–—]\s)\s*"
_LEADING = re.compile(
    rf"^\s*(?:{_SEGMENT}(?P<marker>{_MARKER})|(?P<letter>letters?|comment)){_SEPARATOR}\S", re.IGNORECASE
)  # "Letter:" and "Comment:" only alone: "Xi's letter: ..." and "Minister's comment: ..." are reports
_TRAILING = re.compile(rf"\S{_SEPARATOR}{_SEGMENT}(?P<marker>{_MARKER})\s*[.!]?\s*$", re.IGNORECASE)


def _kind(word: str) -> str:
    return EDITORIAL if word.casefold().split()[0] in _EDITORIAL_WORDS else OPINION


def title_marker(title: str) -> str | None:
    """`Editorial` or `Opinion` when the headline carries an opinion marker, else None."""
    match = _LEADING.search(title) or _TRAILING.search(title)
    if match is None:
        return None
    return _kind(match.group("marker") or match.group("letter"))


def _url_marker(url: str | None) -> str | None:
    if not url:
        return None
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    for segment in path.casefold().split("/"):
        if segment in _OPINION_WORDS:
            return _kind(segment)
    return None


def _section_marker(section: str | None) -> str | None:
    if not section:
        return None
    found = [w for w in re.findall(r"[a-z-]+", section.casefold()) if w in _OPINION_WORDS]
    return _kind(found[0]) if found else None


def opinion_label(article: Article) -> str | None:
    """`Editorial` or `Opinion` when the article is opinion (its page, headline or URL says so), else None."""
    for marker in (
        _section_marker(article.section),
        title_marker(article.title),
        _url_marker(article.publisher_url),
        _url_marker(article.url),
    ):
        if marker is not None:
            return marker
    return OPINION if article.opinion else None


def mark_opinion(article: Article) -> Article:
    """The article with `opinion` set when anything marks it as opinion (the one place it is set)."""
    if article.opinion or opinion_label(article) is None:
        return article
    return article.model_copy(update={"opinion": True})


def opinion_tag(articles: Iterable[Article]) -> str:
    """The tag for a text resting on `articles`: `Editorial` or `Opinion` when every one of them is
    opinion (`Editorial` when all are editorials), else "" (a report, or a mix)."""
    labels = [opinion_label(a) for a in articles]
    if not labels or None in labels:
        return ""
    return EDITORIAL if set(labels) == {EDITORIAL} else OPINION
