"""What an article page says, read with trafilatura from each outlet's template: the lead (not the
navigation, cookie banner, byline or related links), canonical URL, date, language, opinion marker;
paywalls, bot walls, wrong charsets and non-HTML recognised; arbitrary bytes never raise."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.demo_articles import STORIES, StoryText
from bot.demo_publishers import CHALLENGE, COOKIE_BANNER, RELATED, TEMPLATES, page_url
from digest_core.fetch.article_text import (
    BOT_WALL,
    LEAD_CHARS,
    PAYWALL,
    cut_lead,
    decode_html,
    is_opinion,
    language_tag,
    read_page,
)

TODAY = date(2026, 3, 1)
FREE = [s for s in STORIES if s.site != "asia.nikkei.com"]
LANGUAGES = {
    "chinadaily.com.cn": "en",
    "cgtn.com": "en",
    "scmp.com": "en-GB",
    "japantimes.co.jp": "en-US",
    "english.kyodonews.net": "en",
    "globaltimes.cn": None,  # its pages name no language: unknown, not assumed
}


def render(story: StoryText, charset: str = "utf-8") -> tuple[bytes, str]:
    url = page_url(story)
    return TEMPLATES[story.site](story, url, charset).encode(charset), url


@pytest.mark.parametrize("story", FREE, ids=lambda s: f"{s.site}:{s.title[:30]}")
def test_each_outlet_template_gives_its_lead_and_metadata(story: StoryText) -> None:
    body, url = render(story)
    page = read_page(body, url + "?utm_source=google", "text/html; charset=utf-8", TODAY)
    assert page.problem is None
    assert page.lead == "\n\n".join(story.paragraphs)  # every paragraph, nothing else
    for noise in ("cookie", "Related stories", RELATED[0], "Copyright", "Subscribe", "By Global Times", "Editor:"):
        assert noise not in page.lead
    assert page.canonical_url == url  # the page's own canonical link, not the tracked URL asked for
    assert page.published == story.published.date()
    assert page.language == LANGUAGES[story.site]


def test_editorial_and_commentary_pages_are_opinion() -> None:
    opinions = {s.title: read_page(*render(s), "text/html", TODAY).opinion for s in FREE}
    marked = {t for t, o in opinions.items() if o}
    assert marked == {
        "Takaichi's polished performance can't disguise her ulterior motives: China Daily editorial",
        "China's export control on Japan justified against remilitarization",  # CGTN's Opinions section
    }


def test_opinion_markers_in_title_section_type_and_url() -> None:
    assert is_opinion("Opinion: Tokyo must change course")
    assert is_opinion("Tokyo's gamble | Editorial")
    assert is_opinion("Japan's export row: China Daily editorial")
    assert is_opinion("A plain headline", section="Commentary")
    assert is_opinion("A plain headline", types=frozenset({"opinionnewsarticle"}))
    assert is_opinion("A plain headline", url="https://www.japantimes.co.jp/opinion/2026/02/24/x/")
    assert not is_opinion("Column of tanks crosses the border")  # the word alone is no marker
    assert not is_opinion("China issues dual-use blacklist", url="https://www.japantimes.co.jp/news/2026/x/")


def test_nikkei_style_paywall_gives_no_lead_but_its_metadata() -> None:
    story = next(s for s in STORIES if s.site == "asia.nikkei.com")
    page = read_page(*render(story), "text/html", TODAY)
    assert page.problem == PAYWALL
    assert page.lead == ""
    assert page.canonical_url == page_url(story)
    assert page.language == "en"


def test_a_text_far_shorter_than_the_page_claims_is_a_paywall() -> None:
    story = FREE[0]
    body, url = render(story)
    claimed = body.replace(b'"isAccessibleForFree": true', b'"isAccessibleForFree": true, "wordCount": 1200')
    page = read_page(claimed, url, "text/html", TODAY)
    assert page.problem is not None and page.problem.startswith(PAYWALL)
    assert "of its 1200 words" in page.problem
    assert read_page(body, url, "text/html", TODAY).problem is None  # the same page without the claim is read


def test_challenge_page_is_a_bot_wall() -> None:
    page = read_page(CHALLENGE.encode(), "https://www.scmp.com/news/x", "text/html", TODAY)
    assert page.problem == BOT_WALL
    assert page.lead == ""


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("application/pdf", b"%PDF-1.7\n..."), (None, b"%PDF-1.4 binary"), ("image/jpeg", b"\xff\xd8\xff\xe0")],
)
def test_non_html_is_not_read(content_type: str | None, body: bytes) -> None:
    page = read_page(body, "https://www.chinadaily.com.cn/a/x.pdf", content_type, TODAY)
    assert page.problem is not None and page.problem.startswith("not HTML")
    assert page.lead == ""


@pytest.mark.parametrize(
    ("encoding", "words"),
    [
        ("gb2312", "商务部新闻发言人表示，此举旨在维护国家安全和利益，履行防扩散等国际义务，正常的民用贸易不受影响。"),
        (
            "shift_jis",
            "木原官房長官は火曜日の記者会見で、中国の措置は極めて遺憾であり、受け入れられないと述べ、撤回を求めた。",
        ),
        ("cp1252", "The minister’s “measured” response — as one café owner put it — was naïve."),
    ],
)
def test_a_page_served_in_another_charset_than_it_declares_is_decoded(encoding: str, words: str) -> None:
    story = replace(FREE[0], paragraphs=(*FREE[0].paragraphs, words))
    url = page_url(story)
    body = TEMPLATES[story.site](story, url, "utf-8").encode(encoding)  # declares utf-8, is not
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    page = read_page(body, url, "text/html; charset=utf-8", TODAY)
    assert page.lead.endswith(words)


def test_a_page_declaring_shift_jis_but_sent_as_utf8_is_read_as_utf8() -> None:
    story = replace(FREE[0], paragraphs=(f"{FREE[0].paragraphs[0]} 与那国島 was named.", *FREE[0].paragraphs[1:]))
    url = page_url(story)
    body = TEMPLATES[story.site](story, url, "shift_jis").encode("utf-8")
    assert "与那国島 was named" in read_page(body, url, "text/html; charset=Shift_JIS", TODAY).lead
    assert decode_html("東京".encode("shift_jis"), "text/html; charset=shift_jis") == "東京"


def test_lead_is_cut_at_a_sentence_end_within_the_limit() -> None:
    sentence = "Beijing and Tokyo traded accusations over export controls on Tuesday. "
    lead = cut_lead([sentence * 15, sentence * 15])
    assert len(lead) <= LEAD_CHARS
    assert lead.endswith("Tuesday.")
    assert len(lead) > LEAD_CHARS - len(sentence)
    unbroken = cut_lead(["word " * 600])
    assert len(unbroken) <= LEAD_CHARS and unbroken.endswith("…")
    assert cut_lead(["Short one.", "Short two."]) == "Short one.\n\nShort two."


def test_language_tags() -> None:
    assert language_tag("en_GB") == "en-GB"
    assert language_tag("ZH-hant-tw") == "zh-Hant-TW"
    assert language_tag("en, ja") == "en"
    assert language_tag("english please") is None
    assert language_tag("") is None


def test_cookie_banner_alone_is_no_lead() -> None:
    html = f"<html lang='en'><head><title>Home</title></head><body><nav><a href='/'>Home</a></nav>{COOKIE_BANNER}"
    page = read_page(html.encode(), "https://www.cgtn.com/", "text/html", TODAY)
    assert page.lead == ""
    assert page.problem == "no article text found"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.sampled_from([b"", b"<html>", b"<!DOCTYPE html><html lang='x'><body><p>", b"\xef\xbb\xbf<html><body>"]),
    raw=st.binary(max_size=3000),
    text=st.text(max_size=4000),
    content_type=st.sampled_from([None, "text/html", "text/html; charset=shift_jis", "text/html; charset=bogus"]),
)
def test_arbitrary_bytes_never_raise_and_the_lead_stays_capped(
    prefix: bytes, raw: bytes, text: str, content_type: str | None
) -> None:
    for body in (prefix + raw, prefix + f"<p>{text}</p>".encode("utf-8", "surrogatepass") * 3):
        page = read_page(body, "https://www.example.com/a/1.html", content_type, TODAY)
        assert len(page.lead) <= LEAD_CHARS
        assert page.lead or page.problem  # either a lead or the reason there is none


def test_zero_width_and_tag_characters_never_reach_the_lead_or_section() -> None:
    story = next(s for s in FREE if s.site == "japantimes.co.jp" and s.section)
    hidden = "\u200b\U000e0049\u2060"
    marked = replace(
        story,
        paragraphs=tuple(p.replace(" ", f" {hidden}", 3) for p in story.paragraphs),
        section=f"{story.section}{hidden}",
    )
    page = read_page(*render(marked), "text/html", TODAY)
    assert page.lead == "\n\n".join(story.paragraphs)
    assert page.section == story.section
    assert not any(c in page.lead for c in hidden)
