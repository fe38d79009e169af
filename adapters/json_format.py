"""The digest as JSON: the documented, stable shape for other programs (see README)."""

from __future__ import annotations

import json
from typing import Any

from digest_core.editorial.captions import translation_note
from digest_core.editorial.opinion import opinion_label
from digest_core.models import Article, Bullet, Digest


def _bullets(bullets: list[Bullet]) -> list[dict[str, Any]]:
    return [{"text": b.text, "citations": b.citations} for b in bullets]


def article_to_dict(a: Article, digest: Digest) -> dict[str, Any]:
    """One numbered source: its Google and publisher links, and what its page said (language, lead)."""
    note = translation_note(digest, a)
    row: dict[str, Any] = {
        "n": a.n,
        "title": a.title,
        "url": a.url,
        "publisher_url": a.publisher_url,
        "link": a.link,
        "outlet": a.outlet,
        "source_label": digest.source_labels.get(a.outlet),
        "opinion": a.opinion,
        "opinion_label": opinion_label(a),
        "domain": a.domain,
        "perspective": a.perspective,
        "published": a.published.isoformat(),
        "language": digest.language_of(a),
        "language_from_page": a.language is not None,
        "lead_read": bool(a.lead),
        "lead_missing": a.lead_missing,
    }
    if note:  # an article in another language than the digest's (docs/languages.md)
        row |= {"translated_title": a.translated_title, "translated_lead": a.translated_lead, "translation_note": note}
    return row


def sources_to_dict(digest: Digest) -> dict[str, Any]:
    """The numbered source list alone (`digestbot sources --json`)."""
    return {
        "topic": digest.topic,
        "date": digest.date.isoformat(),
        "language": digest.language,
        "articles": [article_to_dict(a, digest) for a in digest.articles],
        "failed_sources": [{"outlet": f.outlet, "error": f.error} for f in digest.failed_sources],
    }


def render_sources_json(digest: Digest) -> str:
    return json.dumps(sources_to_dict(digest), ensure_ascii=False, indent=2) + "\n"


def digest_to_dict(digest: Digest) -> dict[str, Any]:
    return {
        "topic": digest.topic,
        "topic_name": digest.topic_name,
        "date": digest.date.isoformat(),
        "language": digest.language,
        "generated_at": digest.generated_at.isoformat(),
        "window": {"start": digest.window_start.isoformat(), "end": digest.window_end.isoformat()},
        "summarizer": digest.summarizer,
        "model": digest.model,
        "usage": digest.usage.model_dump() if digest.usage else None,
        "grounding": digest.grounding.model_dump() if digest.grounding else None,
        "perspectives": [p.model_dump() for p in digest.perspectives],
        "highlights": _bullets(digest.highlights),
        "perspective_highlights": {k: _bullets(v) for k, v in digest.perspective_highlights.items()},
        "articles": [article_to_dict(a, digest) for a in digest.articles],
        "stories": [
            {
                "title": s.title,
                "articles": s.articles,
                "sides": digest.sides(s),
                "label": s.label,
                "status": s.status or None,
                "commentary": bool(s.articles) and all(digest.article(n).opinion for n in s.articles),
                "day": s.day,
                "framing": [
                    {"perspective": f.perspective, "text": f.text, "citations": f.citations, "quote": f.quote}
                    for f in s.framing
                ],
                "happened": _bullets(s.happened),
                "differences": _bullets(s.differences),
            }
            for s in digest.stories
        ],
        "blindspots": [
            {"title": s.title, "perspective": digest.sides(s)[0], "articles": len(s.articles)}
            for s in digest.blindspots
        ],
        "vanished": digest.vanished,
        "counts": {"in_window": digest.in_window, "on_topic": digest.on_topic},
        "failed_sources": [{"outlet": f.outlet, "error": f.error} for f in digest.failed_sources],
    }


def render_json(digest: Digest) -> str:
    return json.dumps(digest_to_dict(digest), ensure_ascii=False, indent=2) + "\n"
