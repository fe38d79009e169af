"""docs/architecture.md's code map names every module of digest_core/, adapters/ and bot/, and
every module it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
PACKAGES = ("digest_core", "adapters", "bot")


def modules() -> set[str]:
    """Every Python module of the packages, except package markers and generated migrations."""
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if path.name == "__init__.py" or "/migrations/versions/" in relative:
                continue
            found.add(relative)
    return found


def code_map() -> set[str]:
    """The modules the code map names: `path.py` at the start of a list item."""
    section = DOC.read_text(encoding="utf-8").split("## Code map", 1)[1]
    return set(re.findall(r"^- `([\w/]+\.py)`", section, flags=re.MULTILINE))


def test_every_module_named_in_the_code_map_exists() -> None:
    named = code_map()
    assert len(named) > 40
    assert sorted(m for m in named if not (ROOT / m).is_file()) == []


def test_every_module_is_named_in_the_code_map() -> None:
    assert sorted(modules() - code_map()) == []


def test_the_code_map_check_sees_a_missing_module() -> None:
    listed = code_map()
    assert "digest_core/app/usecases.py" in listed and "digest_core/app/nonexistent.py" not in listed
    assert modules() - (listed - {"bot/cli_io.py"}) == {"bot/cli_io.py"}
