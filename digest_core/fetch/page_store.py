"""What each article page gave when it was last read: its lead and metadata, never the page itself.

One row per publisher URL (table `article_pages`): the lead, language, section, opinion marker,
canonical URL and date, the validators for a conditional GET, when it was read, why the lead is
missing (if it is) and until when the record stands without asking the page again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from digest_core.fetch.article_text import PageText
from digest_core.fetch.feed_state import url_key
from digest_core.redaction import stored_text
from digest_core.storage.rows import rows_by_keys
from digest_core.storage.tables import ArticlePageRow
from digest_core.storage.upsert import put_row


@dataclass(frozen=True)
class PageRecord:
    """One page's outcome. `error` is why there is no lead; the record is reused until `expires_at`."""

    url: str
    fetched_at: datetime
    expires_at: datetime
    lead: str = ""
    canonical_url: str | None = None
    published: date | None = None
    language: str | None = None
    section: str | None = None
    opinion: bool = False
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None

    @classmethod
    def from_page(
        cls,
        url: str,
        page: PageText,
        fetched_at: datetime,
        expires_at: datetime,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> PageRecord:
        """The record of a page just read: every field of its text, its `problem` as `error`."""
        text = {f.name: getattr(page, f.name) for f in fields(page) if f.name != "problem"}
        return cls(url, fetched_at, expires_at, etag=etag, last_modified=last_modified, error=page.problem, **text)


class PageStore(Protocol):
    async def get_many(self, urls: Sequence[str]) -> dict[str, PageRecord]: ...
    async def put(self, record: PageRecord) -> None: ...


class MemoryPageStore:
    """`PageStore` in a dict (tests and benchmarks of the fetching alone)."""

    def __init__(self) -> None:
        self.records: dict[str, PageRecord] = {}

    async def get_many(self, urls: Sequence[str]) -> dict[str, PageRecord]:
        return {u: self.records[u] for u in urls if u in self.records}

    async def put(self, record: PageRecord) -> None:
        self.records[record.url] = record


def _record(row: ArticlePageRow) -> PageRecord:
    """A stored row as a record (the columns bear the record's names)."""
    return PageRecord(**{f.name: getattr(row, f.name) for f in fields(PageRecord)})


def _row(record: PageRecord) -> ArticlePageRow:
    """A record as the row that stores it, its error kept as stored text."""
    columns = {f.name: getattr(record, f.name) for f in fields(PageRecord)}
    columns["error"] = stored_text(record.error) if record.error else None
    return ArticlePageRow(key=url_key(record.url), **columns)


class SqlPageStore:
    """`PageStore` in the database, one row per page URL."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def get_many(self, urls: Sequence[str]) -> dict[str, PageRecord]:
        async with self._sessions() as session:
            rows = await rows_by_keys(session, ArticlePageRow, map(url_key, urls))
        return {row.url: _record(row) for row in rows}

    async def put(self, record: PageRecord) -> None:
        """Store (or replace) a page's record; a concurrent first insert elsewhere is overwritten."""
        await put_row(self._sessions, _row(record))
