"""Summarizers: Gemini (google-genai) and an offline extractive one, behind one interface."""

from digest_core.summarize.base import Summarizer, SummaryRequest, validate_summary
from digest_core.summarize.extractive import ExtractiveSummarizer
from digest_core.summarize.fallback import FallbackSummarizer

__all__ = [
    "ExtractiveSummarizer",
    "FallbackSummarizer",
    "Summarizer",
    "SummaryRequest",
    "validate_summary",
]
