"""A page's record is built from what the page gave, field for field."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime, timedelta

from digest_core.fetch.article_text import PageText
from digest_core.fetch.page_store import PageRecord

NOW = datetime(2026, 5, 1, 6, tzinfo=UTC)


def test_a_record_carries_every_field_of_the_page_text() -> None:
    page = PageText(
        lead="Talks resumed.",
        canonical_url="https://example.com/a",
        published=date(2026, 4, 30),
        language="en",
        section="World",
        opinion=True,
        problem="paywall",
    )
    record = PageRecord.from_page("https://example.com/a?x", page, NOW, NOW + timedelta(days=7), '"e1"', "Thu")
    for field in fields(page):
        if field.name != "problem":
            assert getattr(record, field.name) == getattr(page, field.name), field.name
    assert (record.url, record.error, record.etag, record.last_modified) == (
        "https://example.com/a?x",
        "paywall",
        '"e1"',
        "Thu",
    )
    assert (record.fetched_at, record.expires_at) == (NOW, NOW + timedelta(days=7))
