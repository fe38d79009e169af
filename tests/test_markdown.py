"""Markdown page rendering: escaping untrusted text, citations, failures."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from adapters.markdown_site import escape_markdown, render_markdown, safe_url, write_page
from digest_core.models import Article, Bullet, Digest, FailedSource, PerspectiveCount

WHEN = datetime(2026, 2, 25, 4, 0, 18, 549000, tzinfo=UTC)


def digest(title: str, url: str = "https://example.com/a", failed: list[FailedSource] | None = None) -> Digest:
    article = Article(
        title=title,
        url=url,
        outlet="CGTN",
        domain="cgtn.com",
        perspective="china",
        published=datetime(2026, 2, 24, 23, 59, tzinfo=UTC),
        n=1,
    )
    return Digest(
        topic="china-japan",
        topic_name='China "vs" Japan',
        date=date(2026, 2, 25),
        language="en-US",
        window_start=WHEN,
        window_end=WHEN.replace(second=0, microsecond=0),
        generated_at=WHEN,
        summarizer="extractive",
        perspectives=[
            PerspectiveCount(id="china", name="China", count=1),
            PerspectiveCount(id="japan", name="Japan", count=0),
        ],
        highlights=[Bullet(text="A *bold* claim <img src=x>.", citations=[1])],
        perspective_highlights={"china": [Bullet(text="China says so.", citations=[1])]},
        articles=[article],
        failed_sources=failed or [],
    )


def test_hostile_title_cannot_break_the_page() -> None:
    page = render_markdown(
        digest("Click [here](javascript:alert(1)) <script>x</script> _now_", "https://x.example/a b(c)")
    )
    line = next(line for line in page.splitlines() if line.startswith("1. "))
    assert line == (
        "1. [en-US] [Click \\[here\\](javascript:alert(1)) \\<script\\>x\\</script\\> \\_now\\_]"
        "(https://x.example/a%20b%28c%29) - CGTN (2/24/2026)"
    )
    assert "- A \\*bold\\* claim \\<img src=x\\>. ([1](https://x.example/a%20b%28c%29))" in page
    assert 'title: "China \\"vs\\" Japan News - 2026-02-25"' in page


def test_singular_count_empty_perspective_and_failed_sources() -> None:
    page = render_markdown(digest("Talks", failed=[FailedSource(outlet="Kyodo News", error="timed out")]))
    assert "This summary is based on 1 article from the following sources:" in page
    assert "## Japan Perspective (Japan Sources)\n\n- No Japan outlet covered this topic in this window." in page
    assert page.rstrip().endswith("Not reached for this digest: Kyodo News.")
    assert "date: 2026-02-25T04:00:18.549Z" in page


def test_write_page(tmp_path: Path) -> None:
    path = write_page(tmp_path, digest("Talks"))
    assert path == tmp_path / "china-japan" / "2026-02-25.md"
    assert path.read_text().startswith("---\ntitle:")


def test_helpers() -> None:
    assert escape_markdown("a|b#c") == "a\\|b\\#c"
    assert safe_url("https://e.com/?q=a b") == "https://e.com/?q=a%20b"
