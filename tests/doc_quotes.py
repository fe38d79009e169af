"""Quotes of the program's words in the prose and tables of docs/, as patterns to find in what the
code prints: docs cannot drift from the messages an operator searches for.

A quote is a backticked span (``` `` ``` inside it stands for one backtick); a capitalised
placeholder of `PLACEHOLDERS` stands for any text."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"
PLACEHOLDERS = ("HOST", "CAUSE", "OUTLET", "TOPIC", "DATE", "N")


def quote(doc: str, start: str) -> str:
    """The backticked span of docs/`doc` that begins with `start` (line breaks inside it read as
    one space); an AssertionError when the doc has none."""
    text = re.sub(r"\s*\n\s*", " ", (DOCS / doc).read_text(encoding="utf-8"))
    found = re.search(r"(?<!`)`(" + re.escape(start) + r"(?:[^`]|``)*)`(?!`)", text)
    assert found is not None, f"docs/{doc} quotes no `{start}...`"
    return found.group(1).replace("``", "`")


def pattern(quoted: str) -> re.Pattern[str]:
    """The quote as a pattern: its words exactly, each placeholder any text."""
    words = "|".join(PLACEHOLDERS)
    pieces = re.split(rf"\b({words})\b", quoted)
    return re.compile("".join(".+?" if i % 2 else re.escape(p) for i, p in enumerate(pieces)))


def assert_quoted(doc: str, start: str, printed: str) -> None:
    """docs/`doc`'s quote beginning with `start` is found in `printed` (what the code printed)."""
    quoted = quote(doc, start)
    assert pattern(quoted).search(printed), f"docs/{doc} quotes `{quoted}`, the code printed:\n{printed}"
