"""What an article's page says: its lead, canonical URL, date, language, section and opinion marker.

Pure CPU, no I/O: `read_page` takes the bytes the page reader fetched and hands them to
trafilatura (htmldate finds the date); it never fetches and never raises. Paywalls and bot walls
are recognised here (JSON-LD `isAccessibleForFree: false`, a locked content tier, a text far
shorter than the page's own word count, challenge-page text) and give no lead, only the reason.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from digest_core.fetch.polite import describe_error
from digest_core.text import visible

LEAD_CHARS = 1500  # the lead is the page's first paragraphs, at most this long, cut at a sentence end
MIN_PARAGRAPH = 40  # shorter blocks are bylines, datelines, captions or buttons, not the story
SCAN_CHARS = 200_000  # how much of a page's HTML the marker checks look at
MAX_JSON_LD = 100_000  # a JSON-LD block longer than this is not read

PAYWALL = "paywall"
BOT_WALL = "bot wall"

_SENTENCE_END = re.compile(r"[.!?。！？](?:[\"'”’»)\]]*)(?=\s|$)|[。！？]")
_CREDIT = re.compile(
    r"^(by|written by|reporting by|reported by|text by|source|photo|file photo|updated|published|"
    r"editor|edited by|contact)\b[\s:]",
    re.IGNORECASE,
)
_BOILERPLATE = re.compile(
    r"\bcookies?\b.*\b(accept|consent|agree|settings|preferences)\b"
    r"|\ball rights reserved\b|©|\bjavascript\b.*\bbrowser\b",
    re.IGNORECASE,
)
_OPINION_WORDS = r"opinions?|editorials?|commentar(?:y|ies)|columns?|columnists?|op-?eds?|viewpoints?|comment"
_OPINION_SECTION = re.compile(rf"\b({_OPINION_WORDS})\b", re.IGNORECASE)
_OPINION_TITLE = re.compile(
    r"^\s*(opinion|editorial|commentary|op-?ed|column)\s*[:|]"
    r"|[:|–—]\s*(?:[\w.'’-]+\s+){0,4}(editorial|commentary|op-?ed|opinion|column)\s*$",
    re.IGNORECASE,
)
_OPINION_PATH = re.compile(rf"/({_OPINION_WORDS})(/|$|\.)", re.IGNORECASE)
_OPINION_TYPES = {"opinionnewsarticle", "editorial", "reviewnewsarticle"}
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_.:-]+)""", re.IGNORECASE)
_CHALLENGE = re.compile(
    r"just a moment\.\.\.|checking your browser|attention required! \| cloudflare|cf-chl-|challenge-platform"
    r"|enable javascript and cookies to continue|px-captcha|captcha-delivery|verify you are (a )?human"
    r"|access denied.{0,200}reference #|pardon our interruption",
    re.IGNORECASE | re.DOTALL,
)
_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class PageText:
    """What one page gave. `problem` says why there is no lead (paywall, bot wall, not HTML...)."""

    lead: str = ""
    canonical_url: str | None = None
    published: date | None = None
    language: str | None = None
    section: str | None = None
    opinion: bool = False
    problem: str | None = None


def is_html(content_type: str | None, body: bytes) -> bool:
    """Whether an answer is an HTML page (by its type, or by its first bytes when it names none)."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind:
        return kind in _HTML_TYPES
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<meta", b"<!--"))


def _charset_of(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """The page as text. Valid UTF-8 is UTF-8 whatever the page declares (other encodings of
    non-ASCII text almost never are); else the declared charset (header, then `<meta>`) when the
    bytes decode with it; else windows-1252 when only a few bytes are not ASCII (accents and curly
    quotes of a Western page, the browsers' legacy default); else the charset detected from the
    bytes (a CJK page); else UTF-8 with replacements."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    meta = _META_CHARSET.search(body[:4096])
    declared = [_codec(_charset_of(content_type)), _codec(meta.group(1).decode("ascii", "ignore") if meta else None)]
    for codec in dict.fromkeys(c for c in declared if c and c != "utf-8"):
        try:
            return body.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    sample = body[:SCAN_CHARS]
    if sum(1 for b in sample if b >= 0x80) <= len(sample) // 100:
        return body.decode("cp1252", errors="replace")  # a few accents and quotes: the browsers' legacy default
    from charset_normalizer import from_bytes  # lazy: trafilatura's own dependency

    best = from_bytes(sample).best()
    if best is not None and best.encoding:
        return body.decode(best.encoding, errors="replace")
    return body.decode("utf-8", errors="replace")


def language_tag(value: str | None) -> str | None:
    """A BCP 47 tag from a page's `lang`, `og:locale` or `Content-Language` ("en_GB" -> "en-GB"); None if invalid."""
    if not value:
        return None
    tag = value.split(",")[0].strip().replace("_", "-")
    if not _LANGUAGE.match(tag) or len(tag) > 35:
        return None
    parts = tag.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        out.append(part.upper() if len(part) == 2 else part.title() if len(part) == 4 else part.lower())
    return "-".join(out)


def cut_lead(paragraphs: list[str], limit: int = LEAD_CHARS) -> str:
    """The first paragraphs, at most `limit` characters, cut after the last sentence that fits
    (at a word, with an ellipsis, when no sentence ends early enough)."""
    text = ""
    for paragraph in paragraphs:
        text = f"{text}\n\n{paragraph}" if text else paragraph
        if len(text) > limit:
            break
    if len(text) <= limit:
        return text
    window = text[: limit + 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() <= limit]
    if ends and ends[-1] >= limit // 3:
        return window[: ends[-1]].rstrip()
    space = window.rfind(" ", 0, limit)
    cut = window[:space] if space >= limit // 3 else window[: limit - 1]
    return cut.rstrip(" ,;:") + "…"


def is_opinion(
    title: str, url: str | None = None, section: str | None = None, types: frozenset[str] = frozenset()
) -> bool:
    """An editorial, commentary, column or op-ed: by the page's section or type, a title marker
    ("Opinion: ...", "...: China Daily editorial") or the URL's section (`/opinion/`)."""
    if section and _OPINION_SECTION.search(section):
        return True
    if types & _OPINION_TYPES:
        return True
    if _OPINION_TITLE.search(title):
        return True
    path = urlsplit(url).path if url else ""
    return bool(_OPINION_PATH.search(path))


def _json_ld(tree: Any) -> list[dict[str, Any]]:
    """Every object in the page's JSON-LD blocks (through lists and `@graph`), unreadable blocks skipped."""
    found: list[dict[str, Any]] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        raw = script.text or ""
        if len(raw) > MAX_JSON_LD:
            continue
        try:
            data = json.loads(raw, strict=False)
        except (ValueError, RecursionError):
            continue
        stack: list[tuple[Any, int]] = [(data, 0)]
        while stack and len(found) < 200:
            item, depth = stack.pop()
            if depth > 8:
                continue
            if isinstance(item, list):
                stack.extend((x, depth + 1) for x in item)
            elif isinstance(item, dict):
                found.append(item)
                stack.extend((item[k], depth + 1) for k in ("@graph", "hasPart", "mainEntity") if k in item)
    return found


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        yield from (v for v in value if isinstance(v, str))


def _free(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _meta(tree: Any, *names: str) -> str | None:
    for name in names:
        for value in tree.xpath(f'//meta[@property="{name}" or @name="{name}" or @http-equiv="{name}"]/@content'):
            if str(value).strip():
                return str(value).strip()
    return None


@dataclass(frozen=True)
class _Markers:
    types: frozenset[str]
    locked: bool
    section: str | None
    language: str | None
    word_count: int | None


def _markers(tree: Any) -> _Markers:
    objects = _json_ld(tree)
    types = frozenset(t.lower() for o in objects for t in _strings(o.get("@type")))
    locked = any(_free(o.get("isAccessibleForFree")) is False for o in objects)
    tier = (_meta(tree, "article:content_tier") or "").lower()
    sections = [s for o in objects for s in _strings(o.get("articleSection"))]
    section = _meta(tree, "article:section") or (sections[0] if sections else None)
    languages = [s for o in objects for s in _strings(o.get("inLanguage"))]
    language = (
        language_tag(tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang"))
        or language_tag(_meta(tree, "content-language", "Content-Language"))
        or language_tag(_meta(tree, "og:locale"))
        or language_tag(languages[0] if languages else None)
    )
    counts = [o.get("wordCount") for o in objects]
    word_count = next((int(c) for c in counts if isinstance(c, int | str) and str(c).strip().isdigit()), None)
    return _Markers(types, locked or tier == "locked", section, language, word_count)


def _blocks(body: Any) -> Iterator[str]:
    """Each `<p>` of trafilatura's main text, split where it had line breaks (outlets that separate
    paragraphs with `<br><br>` give one `<p>` holding them all), whitespace collapsed."""
    for element in body.iter("p"):
        for br in element.iter("lb"):
            br.tail = "\n" + (br.tail or "")
        for line in visible("".join(element.itertext())).split("\n"):
            text = " ".join(line.split())
            if text:
                yield text


def _paragraphs(body: Any, title: str) -> list[str]:
    """The story's paragraphs from trafilatura's main text: no headline, byline, caption or banner."""
    out: list[str] = []
    seen: set[str] = set()
    skip = {title.casefold().strip()} if title else set()
    for text in _blocks(body):
        key = text.casefold()
        if len(text) < MIN_PARAGRAPH or key in skip or key in seen:
            continue
        if _CREDIT.match(text) or (len(text) < 300 and _BOILERPLATE.search(text)):
            continue
        seen.add(key)
        out.append(text)
    return out


def _clean(value: str | None, limit: int) -> str | None:
    text = " ".join(visible(value or "").split())[:limit]
    return text or None


def bot_wall(html: str) -> bool:
    """Whether a page is a challenge page (Cloudflare, PerimeterX, DataDome, Akamai) rather than an article."""
    return bool(_CHALLENGE.search(html[:SCAN_CHARS]))


def read_page(body: bytes, url: str, content_type: str | None = None, today: date | None = None) -> PageText:
    """What the page says (see `PageText`); never raises: an unreadable page is a `problem`."""
    try:
        return _read(body, url, content_type, today)
    except Exception as exc:  # lxml and trafilatura on hostile bytes: the lead is lost, nothing else
        return PageText(problem=f"unreadable page ({describe_error(exc)[:120]})")


def _read(body: bytes, url: str, content_type: str | None, today: date | None) -> PageText:
    # lazy: memory: page parsing loads on the first page read
    import trafilatura  # heavy (lxml, justext, htmldate): loaded on the first page read
    from trafilatura.utils import load_html

    if not is_html(content_type, body) or body[:5] == b"%PDF-":
        kind = (content_type or "unknown type").split(";")[0].strip()[:60]
        return PageText(problem=f"not HTML ({kind})")
    html = decode_html(body, content_type)
    tree = load_html(html)
    if tree is None:
        return PageText(problem="unreadable page (no HTML tree)")
    markers = _markers(tree)
    dates = {"original_date": True, "extensive_search": True}
    if today is not None:
        dates["max_date"] = today.isoformat()  # type: ignore[assignment]
    doc: Any = trafilatura.bare_extraction(
        tree,
        url=url,
        favor_precision=True,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        date_extraction_params=dates,
    )
    title: str = getattr(doc, "title", None) or ""  # doc is None when trafilatura finds no text at all
    section = _clean(markers.section or next(iter(getattr(doc, "categories", None) or []), None), 120)
    canonical: str | None = getattr(doc, "url", None)
    canonical = canonical if canonical and urlsplit(canonical).scheme in ("http", "https") else None
    language = markers.language or language_tag(getattr(doc, "language", None))
    published = _date(getattr(doc, "date", None))
    opinion = is_opinion(title, canonical or url, section, markers.types)
    found = PageText("", canonical, published, language, section, opinion)
    if markers.locked:
        return replace(found, problem=PAYWALL)
    main = getattr(doc, "body", None)
    paragraphs = _paragraphs(main, title) if main is not None else []
    if not paragraphs:
        return replace(found, problem=BOT_WALL if bot_wall(html) else "no article text found")
    words = sum(len(p.split()) for p in paragraphs)
    if (
        markers.word_count
        and markers.word_count >= 150
        and words * 3 < markers.word_count
        and words >= 2 * len(paragraphs)
    ):
        return replace(found, problem=f"{PAYWALL} (the page shows {words} of its {markers.word_count} words)")
    return replace(found, lead=cut_lead(paragraphs))


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None
