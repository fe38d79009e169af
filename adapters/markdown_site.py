"""The Markdown site: digest pages in the seeds' exact format (Hugo front matter, sections, sources)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from adapters.site_text import inert_site_text
from digest_core.editorial.captions import blindspot_text, side_name, story_caption
from digest_core.models import Article, Bullet, Digest

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


def _citations(bullet: Bullet, digest: Digest) -> str:
    links = ", ".join(f"[{n}]({safe_url(digest.article(n).link)})" for n in bullet.citations)
    return f" ({links})" if links else ""


def _bullets(bullets: list[Bullet], digest: Digest, empty: str) -> list[str]:
    if not bullets:
        return [f"- {empty}"]
    return [f"- {escape_markdown(b.text)}{_citations(b, digest)}" for b in bullets]


def _source_line(article: Article, digest: Digest) -> str:
    day = article.published.date()
    return (
        f"{article.n}. [{digest.language}] [{escape_markdown(article.title)}]({safe_url(article.link)})"
        f" - {escape_markdown(article.outlet)} ({day.month}/{day.day}/{day.year})"
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

    body = ["## Overall Highlights", ""]
    body += _bullets(digest.highlights, digest, "No highlights.")
    body += ["", "<!--more-->", ""]
    for p in digest.perspectives:
        body += [f"## {escape_markdown(p.name)} Perspective ({escape_markdown(p.name)} Sources)", ""]
        body += _bullets(
            digest.perspective_highlights.get(p.id, []),
            digest,
            f"No {escape_markdown(p.name)} outlet covered this topic in this window.",
        )
        body.append("")
    if digest.side_by_side and digest.stories:
        body += side_by_side(digest)
    count = len(digest.articles)
    noun = "article" if count == 1 else "articles"
    body += ["## Sources", "", f"This summary is based on {count} {noun} from the following sources:", ""]
    body += [_source_line(a, digest) for a in digest.articles]
    if digest.failed_sources:
        failed = ", ".join(
            escape_markdown(f.outlet) + (" (one of its feeds)" if f.error.startswith("feed ") else "")
            for f in digest.failed_sources
        )
        body += ["", f"Not reached for this digest: {failed}."]
    return "\n".join(front + body) + "\n"


def side_by_side(digest: Digest) -> list[str]:
    """The `## Side by Side` section: each story with each side's framing, then blindspots and
    the stories gone since the previous digest."""
    lines = ["## Side by Side", ""]
    for k, story in enumerate(digest.stories, start=1):
        lines += [f"### {k}. {escape_markdown(story.title)}", "", f"*{story_caption(story)}*", ""]
        for f in story.framing:
            bullet = Bullet(text=f.text, citations=f.citations)
            name = escape_markdown(side_name(digest, f.perspective))
            lines.append(f"- **{name}:** {escape_markdown(f.text)}{_citations(bullet, digest)}")
        lines.append("")
    if digest.blindspots:
        spots = "; ".join(escape_markdown(blindspot_text(digest, s)) for s in digest.blindspots)
        lines += [f"**Blindspots:** {spots}.", ""]
    if digest.vanished:
        lines += [f"**No longer in the news:** {'; '.join(escape_markdown(t) for t in digest.vanished)}.", ""]
    return lines


def page_path(content_dir: Path, digest: Digest) -> Path:
    """Where the site keeps a digest's page: `CONTENT/TOPIC/DATE.md`."""
    return content_dir / digest.topic / f"{digest.date.isoformat()}.md"


def page_url(base_url: str, digest: Digest) -> str:
    """The digest's page on the Hugo site published at `base_url` (`SITE_BASE_URL`): BASE/TOPIC/DATE/."""
    return f"{base_url.rstrip('/')}/{quote(digest.topic)}/{digest.date.isoformat()}/"


def write_page(content_dir: Path, digest: Digest) -> Path:
    """Write (or replace) the digest's page atomically and return its path."""
    path = page_path(content_dir, digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(render_markdown(digest), encoding="utf-8")
    tmp.replace(path)
    return path
