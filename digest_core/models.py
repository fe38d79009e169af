"""Plain data that flows through the pipeline: articles, stories, bullets and the digest."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

from pydantic import BaseModel, Field


class Article(BaseModel):
    """One news article, normalized. `n` is its number in the digest's source list (0 = unnumbered).

    `url` is the link the source gave (for Google News, an opaque redirect); `publisher_url` is
    the article on the outlet's own site when known (its feed, or a resolved Google link).
    """

    title: str
    url: str
    outlet: str
    domain: str
    perspective: str
    published: datetime
    summary: str = ""
    n: int = 0
    publisher_url: str | None = None

    @property
    def link(self) -> str:
        """The link to show readers: the publisher's URL when known, else the source's."""
        return self.publisher_url or self.url

    @property
    def publisher_domain(self) -> str | None:
        """The host of the publisher's URL without `www.`, when known."""
        if not self.publisher_url:
            return None
        host = urlsplit(self.publisher_url).hostname or ""
        return host.lower().removeprefix("www.") or None


class Bullet(BaseModel):
    """One summary sentence and the numbers of the source articles it rests on."""

    text: str
    citations: list[int] = Field(default_factory=list)


class Story(BaseModel):
    """Articles of any side that report the same event, by their source-list numbers."""

    title: str
    articles: list[int]


class FailedSource(BaseModel):
    """An outlet whose feed could not be fetched or parsed for this digest."""

    outlet: str
    error: str


class PerspectiveCount(BaseModel):
    id: str
    name: str
    count: int


class TokenUsage(BaseModel):
    prompt_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0


class Summary(BaseModel):
    """What a summarizer writes: overall highlights and bullets per perspective id."""

    highlights: list[Bullet]
    perspective_highlights: dict[str, list[Bullet]]
    summarizer: str
    model: str | None = None
    usage: TokenUsage | None = None
    note: str | None = None


class Digest(BaseModel):
    """A topic's digest for one date: everything every renderer needs, and nothing platform-specific."""

    topic: str
    topic_name: str
    date: date
    language: str
    window_start: datetime
    window_end: datetime
    generated_at: datetime
    summarizer: str
    model: str | None = None
    usage: TokenUsage | None = None
    summary_note: str | None = None
    perspectives: list[PerspectiveCount]
    highlights: list[Bullet]
    perspective_highlights: dict[str, list[Bullet]]
    articles: list[Article]
    stories: list[Story] = Field(default_factory=list)
    failed_sources: list[FailedSource] = Field(default_factory=list)

    def article(self, n: int) -> Article:
        """The article numbered `n` in the source list."""
        return self.articles[n - 1]

    @property
    def outlets(self) -> list[str]:
        """Distinct outlet names in source-list order."""
        return list(dict.fromkeys(a.outlet for a in self.articles))
