"""docs/architecture.md's layout map names every package and its code map every module of the root
packages (digest_core/, adapters/, bot/), and every package or module they name exists."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"


def modules() -> set[str]:
    """Every Python module of the packages, except package markers and generated migrations."""
    found = set()
    for package in root_packages():
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
    assert "digest_core/usecases/usecases.py" in listed and "digest_core/usecases/nonexistent.py" not in listed
    assert modules() - (listed - {"bot/cli_io.py"}) == {"bot/cli_io.py"}


def root_packages() -> list[str]:
    """The project's root packages, as import-linter knows them (`pyproject.toml`): a rename there
    is the only change these checks need besides the maps."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["importlinter"]["root_packages"])


def package_dirs() -> set[str]:
    """Every package directory (one with an `__init__.py`) under the root packages, as `path/`."""
    found = set()
    for package in root_packages():
        for marker in (ROOT / package).rglob("__init__.py"):
            found.add(marker.parent.relative_to(ROOT).as_posix() + "/")
    return found


def layout_map(text: str | None = None) -> dict[str, str]:
    """The layout map's entries: a package directory and its one-line description."""
    text = DOC.read_text(encoding="utf-8") if text is None else text
    section = text.split("<!-- layout map -->", 1)[1].split("<!-- end layout map -->", 1)[0]
    return dict(re.findall(r"^- `([\w/]+/)` — (.+)$", section, flags=re.MULTILINE))


def test_the_layout_map_names_every_package_and_only_those() -> None:
    listed = layout_map()
    assert {"digest_core/", "digest_core/fetch/", "bot/"} <= listed.keys()
    assert sorted(package_dirs() - listed.keys()) == [], "packages missing from the layout map"
    assert sorted(listed.keys() - package_dirs()) == [], "layout map entries with no package"
    assert all(len(line) > 10 and "\n" not in line for line in listed.values())


def test_the_layout_check_sees_a_missing_and_a_stale_entry() -> None:
    text = DOC.read_text(encoding="utf-8")
    entry = next(line for line in text.splitlines() if line.startswith("- `digest_core/fetch/` — "))
    stale = text.replace(entry, entry.replace("digest_core/fetch/", "digest_core/sources/"))  # its old name
    listed = layout_map(stale)
    assert package_dirs() - listed.keys() == {"digest_core/fetch/"}
    assert listed.keys() - package_dirs() == {"digest_core/sources/"}
