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
