"""Small pieces of plain English shared by every front end."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`1 article`, `2 articles`, `1 delivery`, `0 deliveries` (pass the plural when it is not +s)."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"
