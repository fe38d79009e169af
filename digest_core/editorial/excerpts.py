"""Leads as a model prompt quotes them: each article's capped, all of them within a token budget.

Tokens are estimated at four characters each (`estimate_tokens`). The summarizer's prompt gives
every read lead an equal share of `LEAD_TOKEN_BUDGET`, at most `LEAD_CHARS` characters each and
never less than `MIN_LEAD_CHARS` (when even that does not fit, the first articles in the digest's
order keep theirs and the rest go without). With the editor's 5,000 tokens
(`editor.PROMPT_TOKEN_BUDGET`) and the titles, the two calls stay near 8,000 prompt tokens a day.
Leads are untrusted page text: they are quoted as JSON strings inside the prompt's data block,
never as instructions.
"""

from __future__ import annotations

from collections.abc import Sequence

from digest_core.models import Article
from digest_core.text import cut

CHARS_PER_TOKEN = 4  # Gemini's rule of thumb for English news text
LEAD_CHARS = 600  # characters of one article's lead in the summarizer's prompt
MIN_LEAD_CHARS = 160  # a shorter excerpt says too little to be worth its tokens
LEAD_TOKEN_BUDGET = 2_500  # estimated tokens for all leads in the summarizer's prompt


def estimate_tokens(text: str) -> int:
    """About four characters per token for English news text (Gemini's own rule of thumb)."""
    return len(text) // CHARS_PER_TOKEN + 1


def lead_excerpts(
    articles: Sequence[Article], budget: int = LEAD_TOKEN_BUDGET, per_article: int = LEAD_CHARS
) -> dict[int, str]:
    """Each read article's lead (by source number), on one line and cut on a word, all of them
    together within about `budget` tokens."""
    read = [a for a in articles if a.lead.strip()]
    if not read:
        return {}
    room = budget * CHARS_PER_TOKEN
    share = max(MIN_LEAD_CHARS, min(per_article, room // len(read)))
    excerpts: dict[int, str] = {}
    used = 0
    for article in read:
        excerpt = cut(article.lead, share)
        if used + len(excerpt) > room:
            break
        excerpts[article.n] = excerpt
        used += len(excerpt)
    return excerpts
