"""Untrusted text on the website: Hugo shortcodes and template syntax are never run, bare URLs and
e-mail addresses never become links, model text with line breaks cannot start a block. Checked in
the HTML Hugo builds from a page written by the real renderer."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from adapters.markdown_site import render_markdown, write_page
from adapters.site_builder import build_site
from adapters.site_text import inert_site_text
from digest_core.models import Article, Bullet, Digest, PerspectiveCount
from tests.test_site import Elements, copy_site, require

SHORTCODES = '{{% nope %}} {{< nope >}} {{% param "title" %}} {{< param "title" >}} {{ .Site.Title }}'
LINKS = "see https://evil.example/a and www.evil.example/b or ftp://evil.example/c, mail x@evil.example"
BREAK = "first line\n---\n# not a heading\n\n<!--more-->"


def digest() -> Digest:
    when = datetime(2026, 2, 25, 4, 0, tzinfo=UTC)
    bad = f"{SHORTCODES} {LINKS} {BREAK}"
    return Digest(
        topic="evil-topic",
        topic_name="Evil topic",
        date=date(2026, 2, 25),
        language="en-US",
        window_start=when,
        window_end=when,
        generated_at=when,
        summarizer="extractive",
        perspectives=[PerspectiveCount(id="a", name="Side A", count=1)],
        highlights=[Bullet(text=f"Claim {bad}", citations=[1])],
        perspective_highlights={"a": [Bullet(text=f"Side claim {bad}", citations=[1])]},
        vanished=[f"Gone {bad}"],
        articles=[
            Article(
                title=f"Title {bad}",
                url="https://news.example.org/a/1",
                outlet=f"Outlet {SHORTCODES}",
                domain="news.example.org",
                perspective="a",
                published=when,
                n=1,
            )
        ],
    )


def test_inert_site_text_escapes_only_what_hugo_and_linkify_read() -> None:
    assert inert_site_text("{{% x %}}") == r"\{\{% x %\}\}"
    assert inert_site_text("https://a.example www.b.example c@d.example") == (
        r"https\://a.example www\.b.example c\@d.example"
    )
    assert inert_site_text("a\nb\r\n\u2028c") == "a b c"
    assert inert_site_text("Japan and China talk: 3 points") == "Japan and China talk: 3 points"


def test_the_page_holds_no_shortcode_and_no_line_break_in_untrusted_text() -> None:
    page = render_markdown(digest())
    body = page.split("\n---\n", 1)[1]
    assert "{{" not in body and "}}" not in body  # (front matter is data, never read for shortcodes)
    assert "https://evil" not in body and "www.evil" not in body and "x@evil" not in body
    assert "\n---" not in body and "\n# not" not in body
    assert body.count("<!--more-->") == 1  # ours only; the untrusted one is escaped


def test_hugo_shows_shortcodes_and_urls_as_text(tmp_path: Path) -> None:
    require("hugo")
    content = tmp_path / "content"
    write_page(content, digest())
    public = tmp_path / "public"
    build = build_site(copy_site(tmp_path / "site"), content, public)
    assert build.warnings == []
    html = (public / "evil-topic/2026-02-25/index.html").read_text()
    page = Elements(html)
    text = " ".join("".join(page.text).split()).replace("“", '"').replace("”", '"')  # Hugo's typographer
    for shown in (f"Title {SHORTCODES}", f"Claim {SHORTCODES}", f"Outlet {SHORTCODES}", LINKS):
        assert shown in text
    hrefs = [a.get("href") or "" for a in page.named("a")]
    assert not [h for h in hrefs if "evil.example" in h]
    assert "https://news.example.org/a/1" in hrefs
    assert page.named("hr") == []
    assert [h for h in ("h1", "h2", "h3") for e in page.named(h) if "not a heading" in str(e)] == []
    assert "# not a heading" in text


@pytest.mark.parametrize("text", ["{{", "}}", "{{%", "{{<", "{{ x }}"])
def test_each_brace_form_is_escaped(text: str) -> None:
    assert "{{" not in inert_site_text(text) and "}}" not in inert_site_text(text)
