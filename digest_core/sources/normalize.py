"""Normalizing feed items into `Article`s: clean titles, canonical outlets, UTC times."""

from __future__ import annotations

import calendar
import html
import re
import unicodedata
from datetime import UTC, datetime
from urllib.parse import urlsplit

import feedparser
import ftfy

from digest_core.models import Article
from digest_core.sources.google_news import GOOGLE_NEWS, FeedResult
from digest_core.topics import Outlet, Topic

_SPACES = re.compile(r"\s+")
_TAGS = re.compile(r"<[^>]+>")
_HOSTNAME = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$", re.IGNORECASE)


class FeedParseError(ValueError):
    """A feed body that holds no usable items (HTML, broken XML...)."""


def clean_text(text: str) -> str:
    """Unescape HTML entities (twice-escaped too), repair mojibake, drop tags, collapse whitespace."""
    for _ in range(2):
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    text = ftfy.fix_text(text, uncurl_quotes=False)
    text = _TAGS.sub(" ", text)
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", text).strip()


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().removeprefix("www.")
    except ValueError:
        return ""


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


def _published(entry: feedparser.FeedParserDict) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)


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
    feed = feedparser.parse(result.body, response_headers=headers)
    articles = [a for a in (_article(e, result, topic) for e in feed.entries) if a is not None]
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


def _article(entry: feedparser.FeedParserDict, result: FeedResult, topic: Topic) -> Article | None:
    link = (entry.get("link") or "").strip()
    published = _published(entry)
    raw_title = entry.get("title") or ""
    if not link or not raw_title or published is None or urlsplit(link).scheme not in {"http", "https"}:
        return None
    source = entry.get("source") or {}
    source_name = clean_text(source.get("title", "") or "")
    perspective, outlet = result.perspective, result.outlet
    owner = topic.outlet_for_host(_host(source.get("href", "") or "")) or topic.outlet_for_host(_host(link))
    if owner is not None:
        perspective, outlet = owner
    title = strip_publisher(clean_text(raw_title), outlet, source_name)
    summary = clean_text(entry.get("summary", "") or "")
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
    )
