"""The Markdown site: digest pages in the seeds' exact format (Hugo front matter, sections, sources)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from adapters.site_text import inert_site_text
from digest_core.editorial.captions import shown_title, translation_note
from digest_core.editorial.opinion import opinion_label
from digest_core.editorial.outline import Line, Outline, SideGroup, page_outline
from digest_core.models import Article, Digest
from digest_core.plural import plural
from digest_core.text import headline, one_line

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def escape_markdown(text: str) -> str:
    """Backslash-escape what Markdown (and raw HTML) would read as markup in untrusted text, and
    make it inert for Hugo (`adapters.site_text`)."""
    return inert_site_text(_MD_SPECIAL.sub(r"\\\1", text))


def safe_url(url: str) -> str:
    """A URL that cannot end a Markdown link early: spaces, parentheses and angle brackets encoded."""
    return quote(url, safe=":/?#@!$&'*+,;=%-._~[]")


def _yaml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def page_timestamp(digest: Digest) -> datetime:
    """The page's `date`: the build time when built on schedule, else the end of the digest's window."""
    on_time = digest.window_end <= digest.generated_at < digest.window_end + timedelta(days=1)
    return digest.generated_at if on_time else digest.window_end


def _iso_z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _citations(citations: tuple[int, ...], digest: Digest) -> str:
    links = ", ".join(f"[{n}]({safe_url(digest.article(n).link)})" for n in citations)
    return f" ({links})" if links else ""


def _bullets(lines: tuple[Line, ...], digest: Digest, empty: str) -> list[str]:
    if not lines:
        return [f"- {escape_markdown(empty)}"]
    return [_bullet(line, digest) for line in lines]


def _bullet(line: Line, digest: Digest) -> str:
    """`- **China:** text ([1](url))`: the side in bold only when the line speaks for one side (a
    highlight, a story's "what happened" or its figures that differ speak for none)."""
    side = f"**{escape_markdown(line.side)}:** " if line.side else ""
    return f"- {side}{_said(line)}{_citations(line.citations, digest)}"


def _said(line: Line) -> str:
    return f"*{line.tag}:* {escape_markdown(line.text)}" if line.tag else escape_markdown(line.text)


def _source_line(article: Article, digest: Digest) -> str:
    day = article.published.date()
    language = escape_markdown(one_line(digest.language_of(article)))
    tag = opinion_label(article)
    note = translation_note(digest, article)
    return (
        f"{article.n}. [{language}] {f'*{tag}:* ' if tag else ''}"
        f"[{escape_markdown(headline(shown_title(article)))}]({safe_url(article.link)})"
        f" - {escape_markdown(one_line(digest.outlet_name(article.outlet)))} ({day.month}/{day.day}/{day.year})"
        + (f" ({escape_markdown(headline(note))})" if note else "")
    )


def render_markdown(digest: Digest) -> str:
    """The digest as a Hugo page, in the format of the seed pages."""
    front = [
        "---",
        f"title: {_yaml_string(f'{digest.topic_name} News - {digest.date.isoformat()}')}",
        f"date: {_iso_z(page_timestamp(digest))}",
        f"topic: {digest.topic}",
        f"topicName: {_yaml_string(digest.topic_name)}",
        f"sources: [{', '.join(_yaml_string(o) for o in digest.outlets)}]",
        f"articleCount: {len(digest.articles)}",
        "perspectives:",
    ]
    for p in digest.perspectives:
        front += [f"  - id: {_yaml_string(p.id)}", f"    name: {_yaml_string(p.name)}", f"    count: {p.count}"]
    front += [f"{p.id}Sources: {p.count}" for p in digest.perspectives]
    front += ["draft: false", "---", ""]

    outline = page_outline(digest)
    body = ["## Overall Highlights", ""]
    body += _bullets(outline.highlights, digest, "No highlights.")
    body += ["", "<!--more-->", ""]
    for section in outline.sections:
        name = escape_markdown(one_line(section.name))
        body += [f"## {name} Perspective ({name} Sources)", ""]
        body += _bullets(section.lines, digest, section.empty)
        body.append("")
    if outline.top_stories or outline.one_sided:
        body += side_by_side(outline, digest)
    articles = plural(len(digest.articles), "article")
    body += ["## Sources", "", f"This summary is based on {articles} from the following sources:", ""]
    body += [_source_line(a, digest) for a in digest.articles]
    if digest.failed_sources:
        failed = ", ".join(
            escape_markdown(f.outlet) + (" (one of its feeds)" if f.error.startswith("feed ") else "")
            for f in digest.failed_sources
        )
        body += ["", f"Not reached for this digest: {failed}."]
    return "\n".join(front + body) + "\n"


def _blindspots(group: SideGroup, digest: Digest) -> str:
    """`Japan only: Title ([9](url)); Other title ([6](url), [7](url))`."""
    named = [f"{_said(s)}{_citations(s.citations, digest)}" for s in group.stories]
    return f"{escape_markdown(group.name)} only: {'; '.join(named)}"


def side_by_side(outline: Outline, digest: Digest) -> list[str]:
    """The `## Side by Side` section: each story two or more sides covered, with each side's
    framing (text already shown is not repeated), then the one-sided stories once each,
    and the stories gone since the previous digest."""
    lines = ["## Side by Side", ""]
    for story in outline.top_stories:
        caption = escape_markdown(story.caption)
        if story.title:
            lines += [f"### {story.number}. {escape_markdown(story.title)}", "", f"*{caption}*", ""]
        else:
            lines += [f"### {story.number}. {caption}", ""]
        lines += [_bullet(line, digest) for line in story.told]
        lines.append("")
    if outline.one_sided:
        groups = ". ".join(_blindspots(g, digest) for g in outline.one_sided)
        lines += [f"**Blindspots:** {groups}.", ""]
    if outline.vanished:
        lines += [f"**No longer in the news:** {'; '.join(escape_markdown(t) for t in outline.vanished)}.", ""]
    return lines


def page_path(content_dir: Path, digest: Digest) -> Path:
    """Where the site keeps a digest's page: `CONTENT/TOPIC/DATE.md`."""
    return content_dir / digest.topic / f"{digest.date.isoformat()}.md"


def page_url(base_url: str, digest: Digest) -> str:
    """The digest's page on the Hugo site published at `base_url` (`SITE_BASE_URL`): BASE/TOPIC/DATE/."""
    return f"{base_url.rstrip('/')}/{quote(digest.topic)}/{digest.date.isoformat()}/"


def site_page_url(base_url: str | None, digest: Digest) -> str | None:
    """The digest's page when the site's address (`SITE_BASE_URL`) is set: the "Full digest" link of posts."""
    return page_url(base_url, digest) if base_url else None


def write_page(content_dir: Path, digest: Digest) -> Path:
    """Write (or replace) the digest's page atomically and return its path."""
    path = page_path(content_dir, digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(render_markdown(digest), encoding="utf-8")
    tmp.replace(path)
    return path
