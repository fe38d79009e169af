"""What each outlet feed last answered: validators for conditional GET and the body to reuse on 304."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from digest_core.redaction import display_url
from digest_core.storage.tables import FeedStateRow
from digest_core.storage.upsert import put_row


def url_key(url: str) -> str:
    """A fixed-length key for a URL (URLs can be longer than an index allows)."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class FeedState:
    """A feed's last full answer: its validators and body."""

    url: str
    body: bytes
    fetched_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None


class FeedStateStore(Protocol):
    async def get(self, url: str) -> FeedState | None: ...
    async def put(self, state: FeedState) -> None: ...


class MemoryFeedStateStore:
    """`FeedStateStore` in a dict, for one process (and tests of the fetch logic alone)."""

    def __init__(self) -> None:
        self.states: dict[str, FeedState] = {}

    async def get(self, url: str) -> FeedState | None:
        return self.states.get(url)

    async def put(self, state: FeedState) -> None:
        self.states[state.url] = state


class SqlFeedStateStore:
    """`FeedStateStore` in the database, one row per feed URL; a URL's user name and password are
    neither stored nor hashed into its key (`display_url`)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def get(self, url: str) -> FeedState | None:
        async with self._sessions() as session:
            row = await session.get(FeedStateRow, url_key(display_url(url)))
            if row is None:
                return None
            return FeedState(
                url=row.url,
                body=row.body,
                fetched_at=row.fetched_at,
                etag=row.etag,
                last_modified=row.last_modified,
                content_type=row.content_type,
            )

    async def put(self, state: FeedState) -> None:
        """Store (or replace) a feed's state; a concurrent first insert elsewhere is overwritten."""
        url = display_url(state.url)
        await put_row(
            self._sessions,
            FeedStateRow(
                key=url_key(url),
                url=url,
                etag=state.etag,
                last_modified=state.last_modified,
                content_type=state.content_type,
                body=state.body,
                fetched_at=state.fetched_at,
            ),
        )
