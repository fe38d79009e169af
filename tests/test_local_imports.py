"""No function-local imports but those kept for start-up time or memory, each saying so: an import
inside a function (outside `if TYPE_CHECKING:`) needs a `# lazy: <why>` comment on its line, or on
the line above the run of imports it opens. The reasons are measured by bench/startup.py (time and
memory of `--help` and an idle service) and held by tests/test_lazy_imports.py."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("digest_core", "adapters", "bot")
MARK = "# lazy:"


def unexplained_local_imports(source: str) -> list[int]:
    """The line numbers of function-local imports in `source` without a `# lazy:` comment."""
    lines = source.splitlines()
    found: list[int] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for field in ("body", "orelse", "finalbody"):
            statements = getattr(node, field, None)
            if not isinstance(statements, list):
                continue
            covered = False  # a `# lazy:` comment above a run of imports covers the run
            for statement in statements:
                if not isinstance(statement, ast.Import | ast.ImportFrom):
                    covered = False
                    continue
                if not in_function:
                    continue
                above = lines[statement.lineno - 2].strip() if statement.lineno > 1 else ""
                if above.startswith(MARK):
                    covered = True
                if not covered and MARK not in lines[statement.lineno - 1]:
                    found.append(statement.lineno)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            visit(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    visit(ast.parse(source), False)
    return found


def test_every_function_local_import_says_why() -> None:
    unexplained = [
        f"{path.relative_to(ROOT)}:{line}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for line in unexplained_local_imports(path.read_text(encoding="utf-8"))
    ]
    assert unexplained == [], "move these to the top of the module, or say `# lazy: <why>`"


def test_the_check_sees_each_form() -> None:
    source = (
        "import os\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from x import Y\n"
        "def a():\n    import json\n"
        "def b():\n    import json  # lazy: start-up\n"
        "def c():\n    # lazy: start-up\n    import json\n    from x import y\n\n    z = 1\n    import csv\n"
        "class D:\n    def e(self):\n        if True:\n            import re\n"
        "async def f():\n    try:\n        import ssl\n    finally:\n        pass\n"
    )
    assert unexplained_local_imports(source) == [6, 15, 19, 22]
