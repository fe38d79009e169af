"""Property-based tests (hypothesis): hostile feed items (titles, links, dates, descriptions) and
command arguments through every parser and renderer. Nothing crashes, nothing escapes its format,
every limit holds. `pytest tests/test_properties.py --hypothesis-show-statistics` reports the cases."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, date, datetime
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from adapters.console import render_text
from adapters.discord import embeds as discord_render
from adapters.json_format import render_json
from adapters.markdown_site import render_markdown
from adapters.telegram import render as telegram_render
from digest_core.dates import parse_digest_date
from digest_core.errors import CommandError, DateInputError, FeedParseError
from digest_core.fetch.normalize import MAX_SUMMARY, MAX_TITLE, MAX_URL, parse_feed
from digest_core.fetch.ports import FeedResult
from digest_core.models import Article, Bullet, Digest, Framing, PerspectiveCount, Story, StoryNote, Summary
from digest_core.summarize.base import MAX_BULLET, MAX_BULLETS, bounded_summary
from digest_core.topics import Topic, load_topics
from digest_core.usecases.arguments import parse_digest_args
from testkit.fakes.telegram import parse_telegram_html

TOPICS = load_topics()
TOPIC: Topic = TOPICS.get("china-japan")
NOW = datetime(2026, 2, 25, 12, 0, tzinfo=UTC)
EXAMPLES = 100
CASES = settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow],
)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MENTION_BREAK = re.compile("@\u200b(everyone|here)", re.IGNORECASE)  # Discord's own defusal of mass mentions


def invisible(text: str) -> list[str]:
    """The format characters (Cf, the whole tag block included) in `text`."""
    return [f"U+{ord(c):04X}" for c in text if unicodedata.category(c) == "Cf" or 0xE0000 <= ord(c) <= 0xE007F]


def strings(value: object) -> list[str]:
    """Every string inside a JSON-like value (an embed's dict, the digest's JSON)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


FRAGMENTS = [
    "{{% nope %}}",
    "{{< param title >}}",
    "{{ .Site.Title }}",
    "<script>alert(1)</script>",
    "</a><b>",
    "&amp;",
    "&#0;",
    "\x1b[31m",
    "\x1b]8;;http://x\x07",
    "\r\n---\r\n",
    "\n# h\n",
    "https://evil.example/x",
    "www.evil.example",
    "a@evil.example",
    "@everyone",
    "<@&123>",
    "[x](javascript:alert(1))",
    "*_~`|>",
    "\u202e",
    "\u0000",
    "\ud7ff",
    "👍🏽",
    "𝕏",
    "javascript:",
    "data:text/html,x",
    "]]>",
    "<![CDATA[",
    "\\",
    "&#x200b;",
    "&amp;#xE0041;",
    "&#xAD;",
    "👨\u200d👩\u200d👧",
    "&#xD800;",
    "&#x110000;",
]
# Invisible format characters (Cf): any of them, plus hidden ASCII in the tag block
format_chars = st.one_of(
    st.characters(categories=["Cf"]),
    st.integers(0xE0000, 0xE007F).map(chr),
    st.sampled_from("\u00ad\u200b\u200c\u200d\u2060\u2066\u2069\u200e\u202e\ufeff\ufff9\U0001d173"),
)
# Chinese (Simplified and Traditional), Japanese kana and kanji, full-width punctuation and forms
cjk_text = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.characters(min_codepoint=0x3040, max_codepoint=0x30FF),
        st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),
        st.sampled_from("「」『』。、・〜（）【】《》：；！？ 　"),
    ),
    max_size=60,
)
hostile_text = st.one_of(
    st.text(max_size=80),
    cjk_text,
    st.lists(st.one_of(cjk_text, st.sampled_from(FRAGMENTS)), max_size=6).map("".join),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=10), format_chars), max_size=12).map("".join),
    st.tuples(st.sampled_from([*FRAGMENTS, "word "]), st.integers(1, 1500)).map(lambda t: t[0] * t[1]),
)
links = st.one_of(
    st.sampled_from(["https://www.chinadaily.com.cn/a/1.html", "https://news.google.com/rss/articles/x?oc=5"]),
    st.sampled_from(["javascript:alert(1)", "data:text/html,x", "mailto:a@b.c", "file:///etc/passwd", "//x"]),
    st.text(max_size=40).map(lambda s: "https://www.japantimes.co.jp/" + s),
    st.integers(1, 5000).map(lambda n: "https://nhk.or.jp/" + "a" * n),
    hostile_text,
)
dates = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)).map(
        lambda d: d.strftime("%a, %d %b %Y %H:%M:%S GMT") if d.year > 999 else d.isoformat()
    ),
    st.sampled_from(["9999-12-31T23:59:59-23:59", "0000-01-01", "Wed, 25 Feb 2026 01:00:00 GMT", "", "soon"]),
    st.text(max_size=30),
)
item = st.tuples(hostile_text, links, dates, hostile_text)


def feed_bytes(items: list[tuple[str, str, str, str]], raw: bool) -> bytes:
    """RSS with the items; `raw` puts the text in unescaped (broken XML on purpose)."""
    esc = (lambda s: s) if raw else escape
    body = "".join(
        f"<item><title>{esc(t)}</title><link>{esc(link)}</link><pubDate>{esc(d)}</pubDate>"
        f"<description>{esc(desc)}</description>"
        '<source url="https://www.chinadaily.com.cn">China Daily</source></item>'
        for t, link, d, desc in items
    )
    text = f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>T</title>{body}</channel></rss>'
    return text.encode("utf-8", "surrogatepass")


def parse(body: bytes) -> list[Article]:
    perspective, outlet = TOPIC.all_outlets[0]
    result = FeedResult(perspective, outlet, "https://news.google.com/rss/search?q=x", body=body)
    try:
        return parse_feed(result, TOPIC)
    except FeedParseError:
        return []


@CASES
@given(st.lists(item, max_size=6), st.booleans())
def test_feed_items_become_bounded_clean_articles(items: list[tuple[str, str, str, str]], raw: bool) -> None:
    for a in parse(feed_bytes(items, raw)):
        assert 0 < len(a.title) <= MAX_TITLE and not CONTROL.search(a.title) and "\n" not in a.title
        assert len(a.summary) <= MAX_SUMMARY and not CONTROL.search(a.summary)
        assert a.url.startswith(("http://", "https://")) and len(a.url) <= MAX_URL
        assert not CONTROL.search(a.url)
        assert a.published.tzinfo is not None
        assert invisible(a.title + a.summary + a.url + a.outlet + a.domain) == []


def digest_of(articles: list[Article], texts: list[str]) -> Digest:
    """A digest of the articles, with summary text from the (hostile) model, bounded as the pipeline does."""
    articles = [
        a.model_copy(update={"n": k, "perspective": "china" if k % 2 else "japan"})
        for k, a in enumerate(articles, start=1)
    ]
    # some in another language than the digest's: translated (by the hostile model), or not
    articles = [
        a.model_copy(update={"language": "ja-JP", "translated_title": texts[0] if texts and k % 2 else ""})
        if k % 3 == 0
        else a
        for k, a in enumerate(articles, start=1)
    ]
    every = [a.n for a in articles]
    bullets = [Bullet(text=t, citations=every[:3]) for t in texts] or [Bullet(text="x", citations=every[:1])]
    summary = bounded_summary(
        Summary(
            highlights=bullets * 3,
            perspective_highlights={"china": bullets, "japan": bullets},
            summarizer="gemini",
            stories=[
                StoryNote(story=1, label="dispute", framing=[Framing(perspective="china", text=t) for t in texts])
            ],
        )
    )
    framing = summary.stories[0].framing if summary.stories else []
    framing = [*framing, *(f.model_copy(update={"audience": "in Japanese for domestic readers"}) for f in framing)]
    when = datetime(2026, 2, 25, 4, 0, tzinfo=UTC)
    return Digest(
        topic="china-japan",
        topic_name="China vs Japan",
        date=date(2026, 2, 25),
        language="en-US",
        window_start=when,
        window_end=when,
        generated_at=when,
        summarizer="gemini",
        perspectives=[PerspectiveCount(id=p, name=p.title(), count=1) for p in ("china", "japan")],
        highlights=summary.highlights,
        perspective_highlights=summary.perspective_highlights,
        articles=articles,
        stories=[Story(title=articles[0].title, articles=every[:2], framing=framing, label="dispute")],
        vanished=[t[:300] for t in texts[:2]],
    )


article_lists = st.lists(item, min_size=1, max_size=5).map(lambda items: parse(feed_bytes(items, False)))


@CASES
@given(article_lists, st.lists(hostile_text, max_size=4))
def test_every_renderer_holds_its_format_and_limits(articles: list[Article], texts: list[str]) -> None:
    if not articles:
        articles = parse(
            feed_bytes(
                [("Japan and China", "https://www.chinadaily.com.cn/a/1.html", "Wed, 25 Feb 2026 01:00:00 GMT", "")],
                False,
            )
        )
    digest = digest_of(articles, texts)
    for section in [digest.highlights, *digest.perspective_highlights.values()]:
        assert len(section) <= MAX_BULLETS
        assert all(len(b.text) <= MAX_BULLET and "\n" not in b.text for b in section)

    for message in telegram_render.render_digest(digest, "https://news.example.org/china-japan/2026-02-25/"):
        assert telegram_render.utf16_len(telegram_render.html_to_text(message)) <= 4096
        parse_telegram_html(message)  # Telegram's HTML mode accepts it
        assert invisible(message) == []

    for embeds in discord_render.render_digest(digest):
        assert len(embeds) <= 10
        assert sum(len(e) for e in embeds) <= 6000
        for e in embeds:
            assert len(e.title or "") <= 256 and len(e.description or "") <= 4096 and len(e.fields) <= 25
            assert all(len(f.name or "") <= 256 and len(f.value or "") <= 1024 for f in e.fields)
            assert invisible(MENTION_BREAK.sub("", "\n".join(strings(e.to_dict())))) == []

    page = render_markdown(digest)
    assert invisible(page) == []
    body = page.split("\n---\n", 1)[1]
    assert "{{" not in body and "}}" not in body
    text_only = re.sub(r"\]\([^)\s]*\)", "]", body)  # our own link targets are not text
    assert not re.search(r"(?<!\\)(https?|ftp)://", text_only)  # no bare URL for linkify
    assert len(body.splitlines()) < 60 + 4 * len(digest.articles)  # no untrusted text adds a line

    text = render_text(digest)
    assert not CONTROL.search(text) and invisible(text) == []
    lines = text.splitlines()  # no untrusted text adds a line: each line is one item of the outline
    assert len(lines) <= 12 + 2 * len(digest.perspectives) + 3 * (len(digest.articles) + len(digest.stories)) + sum(
        len(b) for b in [digest.highlights, *digest.perspective_highlights.values()]
    )

    shown = json.loads(render_json(digest))
    assert shown["topic"] == "china-japan"
    # `vanished` is raw hostile text here (the real one holds yesterday's normalized headlines)
    assert invisible("\n".join(strings({k: v for k, v in shown.items() if k != "vanished"}))) == []


@CASES
@given(st.lists(hostile_text, max_size=4))
def test_command_arguments_give_a_request_or_a_short_error(args: list[str]) -> None:
    try:
        request = parse_digest_args(args, TOPICS, NOW, "/digest TOPIC [DATE]")
    except CommandError as exc:
        message = str(exc)
    else:
        assert request.topic.id in TOPICS.ids
        assert date(2000, 1, 1) <= request.day <= NOW.date()
        return
    assert len(message) < 400


@CASES
@given(st.one_of(hostile_text, st.dates().map(date.isoformat)))
def test_dates_parse_or_refuse(text: str) -> None:
    try:
        day = parse_digest_date(text, TOPIC, NOW)
    except DateInputError as exc:
        message = str(exc)
    else:
        assert date(2000, 1, 1) <= day <= NOW.date()
        return
    assert len(message) < 200


@CASES
@given(hostile_text)
def test_site_text_is_inert_for_hugo_and_linkify(text: str) -> None:
    from adapters.markdown_site import escape_markdown

    safe = escape_markdown(text)
    assert "{{" not in safe and "}}" not in safe and "\n" not in safe and "\r" not in safe
    assert not re.search(r"[a-z0-9+.-]://", safe, re.IGNORECASE)  # every scheme's ':' is escaped
    assert not re.search(r"(?i)www\.", safe) and not re.search(r"(?<!\\)@\w", safe)
