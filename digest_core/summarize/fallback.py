"""A summarizer that tries a primary (Gemini) and falls back to another (extractive) on any failure."""

from __future__ import annotations

import logging

from digest_core.errors import SummarizerError
from digest_core.models import Summary
from digest_core.summarize.base import Summarizer, SummaryRequest

log = logging.getLogger(__name__)


class FallbackSummarizer:
    def __init__(self, primary: Summarizer, fallback: Summarizer) -> None:
        self.primary = primary
        self.fallback = fallback
        self.name = primary.name

    async def summarize(self, request: SummaryRequest) -> Summary:
        try:
            return await self.primary.summarize(request)
        except SummarizerError as exc:
            log.warning("%s summarizer failed, using %s: %s", self.primary.name, self.fallback.name, exc)
            summary = await self.fallback.summarize(request)
            return summary.model_copy(update={"note": f"{self.primary.name} failed: {exc}"})
