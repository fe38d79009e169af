"""The editor step: a model judges relevance and groups stories, within limits we check.

The rules run first; then every in-window candidate from the topic's outlets (the ones the rules
rejected too) goes to an `Editor` with its outlet, side, description and the rules' verdict,
marked uncertain when the rules reached it by context alone (the outlet's side, a third party, a
sports or lifestyle subject): those borderline cases come first within the token budget. Its
answer is validated here: unknown ids are ignored, so nothing outside the window or the outlets
can be added; only an uncertain verdict can be overturned (a certain one stands, the model's
dissent noted as its reason); a candidate the answer leaves out keeps the rules' verdict. Any
failure (error, timeout, invalid answer) means the rules decide alone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from digest_core.editorial.detect_language import is_foreign
from digest_core.editorial.excerpts import estimate_tokens as estimate_tokens  # re-exported
from digest_core.editorial.relevance import RelevanceRule
from digest_core.editorial.sentences import body
from digest_core.errors import EditorError
from digest_core.models import Article, TokenUsage
from digest_core.text import cut
from digest_core.topics import Topic

PROMPT_TOKEN_BUDGET = 5_000  # estimated tokens for the editor's data; the summarizer gets the rest of 8k
DESCRIPTION_CHARS = 240
REASON_CHARS = 160


@dataclass(frozen=True)
class Candidate:
    """One article as the editor sees it: a small id, and the rules' verdict as context."""

    id: int
    article: Article
    rule_on_topic: bool
    rule_uncertain: bool = False  # the rules decided by context alone: a borderline case


@dataclass
class Judgement:
    """The editor's validated answer, by article URL: on-topic or not, why, and its story key."""

    on_topic: dict[str, bool] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    story: dict[str, int] = field(default_factory=dict)
    usage: TokenUsage = field(default_factory=TokenUsage)
    calls: int = 0
    model: str | None = None


class Editor(Protocol):
    """Judges candidates; raises `EditorError` when it cannot."""

    name: str

    async def judge(self, topic: Topic, candidates: list[Candidate]) -> Judgement: ...


def candidate_document(candidate: Candidate, digest_language: str = "en") -> dict[str, Any]:
    """What the editor reads of a candidate: its outlet, side, title, its detected language tag when
    that is another than the digest's (a title to be translated), the first words of its lead (or of
    its feed's description) and the rules' verdict."""
    a = candidate.article
    row: dict[str, Any] = {"id": candidate.id, "outlet": a.outlet, "side": a.perspective, "title": a.title}
    if is_foreign(a.language, digest_language):
        row["language"] = a.language
    if said := body(a):
        row["description"] = cut(said, DESCRIPTION_CHARS)
    row["rules"] = ("on-topic" if candidate.rule_on_topic else "off-topic") + (
        " (uncertain)" if candidate.rule_uncertain else ""
    )
    return row


def choose_candidates(articles: Sequence[Article], topic: Topic, budget: int = PROMPT_TOKEN_BUDGET) -> list[Candidate]:
    """The in-window articles from the topic's outlets, numbered, within the token budget: the rules'
    on-topic and uncertain ones first, then those naming any side or issue, then the rest (newest
    first)."""
    rule = RelevanceRule(topic)
    outlets = {o.name for _, o in topic.all_outlets}
    judged = [(a, rule.judge(a)) for a in articles if a.outlet in outlets]
    judged.sort(
        key=lambda x: (
            not (x[1].on_topic or x[1].uncertain),
            not (x[1].sides or x[1].issue),
            -x[0].published.timestamp(),
        )
    )
    chosen: list[Candidate] = []
    used = 0
    for article, verdict in judged:
        candidate = Candidate(len(chosen) + 1, article, verdict.on_topic, verdict.uncertain)
        cost = estimate_tokens(json.dumps(candidate_document(candidate, topic.language), ensure_ascii=False))
        if used + cost > budget:
            break
        chosen.append(candidate)
        used += cost
    return chosen


def validate_answer(rows: Sequence[dict[str, Any]], candidates: Sequence[Candidate]) -> Judgement:
    """The answer's rows for known ids only (the first row per id), overturning only the rules'
    uncertain verdicts; raises `EditorError` when no row names a known candidate."""
    by_id = {c.id: c for c in candidates}
    judgement = Judgement()
    for row in rows:
        candidate = by_id.get(row.get("id"))  # type: ignore[arg-type]
        if candidate is None or candidate.article.url in judgement.on_topic:
            continue
        url = candidate.article.url
        said = bool(row.get("on_topic"))
        reason = " ".join(str(row.get("reason") or "").split())[:REASON_CHARS] or "no reason given"
        if said != candidate.rule_on_topic and not candidate.rule_uncertain:
            said = candidate.rule_on_topic  # the rules were certain: the model's dissent is noted, not followed
            reason = f"{reason} (not followed: the rules' verdict is certain)"
        judgement.on_topic[url] = said
        judgement.reasons[url] = reason
        story = row.get("story")
        if isinstance(story, int) and judgement.on_topic[url]:
            judgement.story[url] = story
    if not judgement.on_topic:
        raise EditorError("the answer names none of the candidates")
    return judgement
