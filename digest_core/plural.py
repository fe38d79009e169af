"""Counted nouns for any front end's text: `1 article`, `2 articles`, `1 story`, `3 stories`."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`count` and the noun, singular for exactly 1; `nouns` when the plural is not noun + "s"."""
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"
