"""Normalizing feed items into `Article`s: clean titles, canonical outlets, UTC times."""

from __future__ import annotations

import calendar
import html
import logging
import re
import unicodedata
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from digest_core.editorial.detect_language import detect_language
from digest_core.errors import FeedParseError
from digest_core.fetch.char_refs import without_forbidden_references
from digest_core.fetch.ports import GOOGLE_NEWS, FeedResult
from digest_core.models import Article
from digest_core.text import cut, has_hidden, visible
from digest_core.topics import Outlet, Topic

if TYPE_CHECKING:
    from feedparser import FeedParserDict

log = logging.getLogger(__name__)

_SPACES = re.compile(r"\s+")
_TAGS = re.compile(r"<[^>]+>")
_HOSTNAME = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$", re.IGNORECASE)

MAX_TITLE = 300  # characters of a headline kept (longer ones are cut at a word, with an ellipsis)
MAX_SUMMARY = 1000  # characters of an item's description kept
MAX_URL = 2048  # an item whose link is longer is dropped
MAX_RAW_TEXT = 100_000  # characters of a raw field cleaned at all (the rest is cut before cleaning)


def clean_text(text: str, limit: int | None = None) -> str:
    """Unescape HTML entities (twice-escaped too), repair mojibake, drop tags and every invisible
    character (`text.visible`: format and control characters), collapse whitespace; cut to `limit`
    characters if given."""
    text = text[:MAX_RAW_TEXT]
    for _ in range(2):
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    import ftfy  # lazy: FTFY_COST; a service parses in its worker, so its main process never loads it

    text = visible(ftfy.fix_text(text, uncurl_quotes=False))
    text = unicodedata.normalize("NFC", _TAGS.sub(" ", text))
    text = _SPACES.sub(" ", text).strip()
    return cut(text, limit) if limit is not None else text


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().removeprefix("www.")
    except ValueError:
        return ""


def _claims_another_outlet(topic: Topic, outlet: Outlet, source_url: str, link: str) -> bool:
    """Whether the item's `<source url>` or its link is on another configured outlet's domains.

    The outlet is the one whose query or feed this is, never the item's own claim: an item that
    names another configured outlet is dropped as inconsistent. Kept under the queried outlet it
    would count another outlet's words for this outlet's side; moved to the outlet it names, any
    feed could speak for any outlet. The named outlet's own query or feed brings its real items.
    """
    for host in (_host(source_url), _host(link)):
        owner = topic.outlet_for_host(host) if host else None
        if owner is not None and owner[1] != outlet:
            return True
    return False


def _is_publisher_suffix(suffix: str, outlet: Outlet, source_name: str) -> bool:
    s = suffix.strip().casefold()
    if not s:
        return False
    if s in {source_name.casefold(), outlet.name.casefold()}:
        return True
    if _HOSTNAME.match(s):  # "newsus.cgtn.com": Google names some publishers by host
        return True
    return any(s == d or s.endswith("." + d) for d in outlet.domains)


def strip_publisher(title: str, outlet: Outlet, source_name: str) -> str:
    """Remove one trailing ` - Publisher` that Google News appends, when it names the publisher."""
    head, sep, tail = title.rpartition(" - ")
    if sep and head.strip() and _is_publisher_suffix(tail, outlet, source_name):
        return head.strip()
    return title


def _published(entry: FeedParserDict) -> datetime | None:
    """The item's time in UTC; None when absent or out of range (year 0, 9999 plus an offset...)."""
    # dict.get: feedparser's own get() maps a missing `updated_parsed` to `published_parsed`, with a warning
    parsed = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (ValueError, OverflowError, OSError, TypeError):
        return None


def _looks_like_html(body: bytes, content_type: str | None) -> bool:
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return (content_type or "").lower().startswith("text/html") or head.startswith((b"<!doctype html", b"<html"))


def parse_feed(result: FeedResult, topic: Topic) -> list[Article]:
    """Parse one outlet's feed bytes into normalized articles; `FeedParseError` if nothing usable.

    Relative links are resolved against the feed's (final) URL.
    """
    assert result.body is not None
    headers = {"content-location": result.base_url or result.url}
    if result.content_type:
        headers["content-type"] = result.content_type
    import feedparser  # lazy: FEEDPARSER_COST; parsing runs in the service's worker, not its main process

    feed = feedparser.parse(without_forbidden_references(result.body), response_headers=headers)
    articles = [a for a in (_safe_article(e, result, topic) for e in feed.entries) if a is not None]
    if articles:
        return articles  # a feed with a recoverable XML error still gives what it could parse
    if _looks_like_html(result.body, result.content_type) and not feed.get("version"):
        raise FeedParseError("not a valid feed: the server sent an HTML page, not RSS or Atom (check the feed URL)")
    if feed.bozo:
        exc = feed.get("bozo_exception")
        detail = f"{type(exc).__name__}: {str(exc).strip()[:120]}" if exc else "unreadable"
        raise FeedParseError(f"not a valid feed ({detail})")
    if not feed.get("version"):
        raise FeedParseError("not an RSS or Atom feed")
    return []


def _safe_article(entry: FeedParserDict, result: FeedResult, topic: Topic) -> Article | None:
    """The entry's article; None for an entry that is unusable in any way (one bad item, not a bad feed)."""
    try:
        return _article(entry, result, topic)
    except (ValueError, TypeError, AttributeError, KeyError):
        return None


def _article(entry: FeedParserDict, result: FeedResult, topic: Topic) -> Article | None:
    link = (entry.get("link") or "").strip()
    published = _published(entry)
    raw_title = entry.get("title") or ""
    if not link or not raw_title or published is None or len(link) > MAX_URL or has_hidden(link):
        return None
    if urlsplit(link).scheme not in {"http", "https"}:
        return None
    source = entry.get("source") or {}
    source_name = clean_text(source.get("title", "") or "", MAX_TITLE)
    perspective, outlet = result.perspective, result.outlet
    if _claims_another_outlet(topic, outlet, source.get("href", "") or "", link):
        return None
    title = cut(strip_publisher(clean_text(raw_title, MAX_RAW_TEXT), outlet, source_name), MAX_TITLE)
    if not title:
        return None
    summary = clean_text(entry.get("summary", "") or "", MAX_SUMMARY)
    if summary.casefold().startswith(title.casefold()):
        summary = ""  # Google News repeats the title (and publisher) as the description
    return Article(
        title=title,
        url=link,
        outlet=outlet.name,
        domain=outlet.domains[0],
        perspective=perspective.id,
        published=published,
        summary=summary,
        publisher_url=link if result.kind != GOOGLE_NEWS else None,
        language=detect_language(f"{title}\n{summary}"),
    )
