"""Every table of the database, on the one `Base`: the digest archive, the delivery ledger and
subscriptions, and what the sources remember (feed states, article pages, publisher links, fetch
statistics). The stores that query them live with their use (delivery/, sources/, storage/digests)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from digest_core.storage.db import Base
from digest_core.storage.utc_datetime import UtcDateTime

# --- the digest archive ------------------------------------------------------------------------


class DigestRow(Base):
    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("topic", "date", name="uq_digest_topic_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), index=True)
    date: Mapped[date] = mapped_column(Date)
    generated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    summarizer: Mapped[str] = mapped_column(String(40))
    model: Mapped[str | None] = mapped_column(String(80))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    articles: Mapped[list[ArticleRow]] = relationship(cascade="all, delete-orphan")
    failures: Mapped[list[FailureRow]] = relationship(cascade="all, delete-orphan")


class ArticleRow(Base):
    __tablename__ = "digest_articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"), index=True)
    n: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    outlet: Mapped[str] = mapped_column(String(120))
    domain: Mapped[str] = mapped_column(String(253))
    perspective: Mapped[str] = mapped_column(String(40))
    published: Mapped[datetime] = mapped_column(UtcDateTime)


class FailureRow(Base):
    __tablename__ = "digest_failed_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"), index=True)
    outlet: Mapped[str] = mapped_column(String(120))
    error: Mapped[str] = mapped_column(Text)


# --- subscriptions and the delivery ledger -----------------------------------------------------


class SubscriptionRow(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("platform", "destination", "thread_id", "topic", name="uq_subscription"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    destination: Mapped[str] = mapped_column(String(64))
    thread_id: Mapped[str] = mapped_column(String(64), default="")  # "" = none, so the unique key works
    topic: Mapped[str] = mapped_column(String(40), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The shard (bot) that posts here: the one the destination subscribed through ("" the primary).
    shard: Mapped[str] = mapped_column(String(40), server_default="", default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deactivated_reason: Mapped[str | None] = mapped_column(Text)


class PublicationRow(Base):
    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("topic", "date", name="uq_publication"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16))  # building | done | failed
    claimed_by: Mapped[str] = mapped_column(String(80))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    error: Mapped[str | None] = mapped_column(Text)


class DeliveryRow(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "topic", "date", name="uq_delivery"),
        Index("ix_deliveries_claim", "platform", "shard", "state", "id"),  # fits the claim: one sender's due rows by id
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(20), server_default="")  # the subscription's, copied for claims
    shard: Mapped[str] = mapped_column(String(40), server_default="", default="")  # the subscription's bot, likewise
    topic: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The part handed to the platform and not yet acknowledged (None: none is), written before it
    # leaves: a part whose announcement cannot be written is not sent.
    sending_part: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- what the sources remember -----------------------------------------------------------------


class FeedStateRow(Base):
    __tablename__ = "feed_states"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(Text)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ArticlePageRow(Base):
    __tablename__ = "article_pages"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    canonical_url: Mapped[str | None] = mapped_column(Text)
    lead: Mapped[str] = mapped_column(Text)
    published: Mapped[date | None] = mapped_column(Date)
    language: Mapped[str | None] = mapped_column(String(35))
    section: Mapped[str | None] = mapped_column(String(120))
    opinion: Mapped[bool] = mapped_column(Boolean)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PublisherLinkRow(Base):
    __tablename__ = "publisher_links"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    publisher_url: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SourceFetchRow(Base):
    __tablename__ = "source_fetches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), index=True)
    outlet: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(Text)
    http_status: Mapped[int | None] = mapped_column(Integer)
    items: Mapped[int] = mapped_column(Integer, default=0)
    on_topic: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
