"""The core stays platform-free: no module of digest_core imports a platform or CLI library."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "digest_core"
FORBIDDEN = {"telegram", "discord", "typer", "rich", "adapters", "bot", "matplotlib"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_digest_core_imports_no_platform_library() -> None:
    modules = sorted(CORE.rglob("*.py"))
    assert len(modules) > 20
    offenders = {str(p.relative_to(CORE)): imported_roots(p) & FORBIDDEN for p in modules}
    assert {k: v for k, v in offenders.items() if v} == {}


OURS = {"digest_core", "adapters", "bot", "tests", "bench"}


def private_imports(path: Path) -> list[str]:
    """Modules or names a file imports from a library's private part (`telegram._utils`, `from x import _y`)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] not in OURS and parts[0] != "__future__" and any(p.startswith("_") for p in parts[1:]):
                found.append(name)
    return found


def test_no_module_of_ours_imports_a_library_private_part() -> None:
    root = CORE.parent
    modules = [p for package in ("digest_core", "adapters", "bot") for p in (root / package).rglob("*.py")]
    assert len(modules) > 50
    offenders = {str(p.relative_to(root)): private_imports(p) for p in modules}
    assert {k: v for k, v in offenders.items() if v} == {}
    assert private_imports(root / "tests" / "test_telegram_aiohttp_request.py")  # the check finds one
