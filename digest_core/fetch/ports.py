"""The sources' ports: what a source returns (`FeedResult`) and the protocols the pipeline asks for
(`FeedSource`, `ArticleSource`). Protocols and plain data only; the sources implement them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from digest_core.dates import Window
from digest_core.models import Article, FailedSource
from digest_core.topics import Outlet, Perspective, Topic

GOOGLE_NEWS = "google-news"  # `FeedResult.kind` of a Google News query; an outlet's own feed is "feed"


@dataclass(frozen=True)
class FeedResult:
    """The raw bytes one outlet's query (or feed) returned, or why it failed.

    `kind` is "google-news" or "feed"; `base_url` resolves relative links (the final URL after
    redirects); `not_modified` means the body is the stored one, reused after a 304.
    """

    perspective: Perspective
    outlet: Outlet
    url: str
    body: bytes | None = None
    error: str | None = None
    content_type: str | None = None
    kind: str = GOOGLE_NEWS
    base_url: str | None = None
    status: int | None = None
    latency: float | None = None
    not_modified: bool = False


class FeedSource(Protocol):
    """Anything that returns each of a topic's outlets' raw feeds for a window."""

    async def fetch(self, topic: Topic, window: Window) -> list[FeedResult]: ...


@runtime_checkable
class ArticleSource(Protocol):
    """A source that turns its feeds into articles itself (to record per-source stats, add publisher
    links...). `collect` uses it instead of parsing a plain `FeedSource`'s results."""

    async def collect(self, topic: Topic, window: Window) -> tuple[list[Article], list[FailedSource]]: ...
