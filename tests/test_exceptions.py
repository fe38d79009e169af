"""One module of exceptions: no module of digest_core/, adapters/ or bot/ but digest_core/errors.py
defines an Exception (or BaseException) subclass, at any depth, except the few listed below with
the reason each must stay. Read from the source (AST); a base class is resolved through the file's
own classes, its imports and the builtins, importing only the library a base names."""

from __future__ import annotations

import ast
import builtins
import functools
import importlib
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("digest_core", "adapters", "bot")
ERRORS_MODULE = "digest_core/errors.py"

ALLOWED = {
    ("digest_core/fetch/outbound.py", "OutboundRefused"): (
        "an httpx.RequestError, so every caller handles a refused address as a failed request; "
        "digest_core/errors.py imports no library (`--help` must not load httpx)"
    ),
}


def _imports(tree: ast.Module) -> dict[str, str]:
    """Each name the file binds by an import, to the dotted path it stands for."""
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    bound[root] = root
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return bound


def _resolve(dotted: str) -> object:
    """The object at a dotted path (`httpx.RequestError`, `digest_core.errors.SiteError`), or None."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            with warnings.catch_warnings():  # a library's own deprecation warnings on import
                warnings.simplefilter("ignore")
                found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            found = getattr(found, attr, None)
        return found
    return None


def exception_classes(source: str) -> list[str]:
    """The names of the classes `source` defines (at any depth) that derive from BaseException."""
    tree = ast.parse(source)
    classes = {node.name: node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    imports = _imports(tree)

    def base_is_exception(base: ast.expr, seen: frozenset[str]) -> bool:
        dotted = ast.unparse(base)
        root, _, rest = dotted.partition(".")
        if not rest and root in classes and root not in seen:
            return class_is_exception(classes[root], seen | {root})
        if root in imports:
            target = _resolve(imports[root] + ("." + rest if rest else ""))
        else:
            target = getattr(builtins, dotted, None)
        return isinstance(target, type) and issubclass(target, BaseException)

    def class_is_exception(node: ast.ClassDef, seen: frozenset[str]) -> bool:
        return any(base_is_exception(base, seen) for base in node.bases)

    return [name for name, node in classes.items() if class_is_exception(node, frozenset({name}))]


@functools.cache
def defined_exceptions() -> dict[tuple[str, str], None]:
    found: dict[tuple[str, str], None] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            for name in exception_classes(path.read_text(encoding="utf-8")):
                found[(relative, name)] = None
    return found


def test_only_the_errors_module_defines_exceptions() -> None:
    outside = {key for key in defined_exceptions() if key[0] != ERRORS_MODULE}
    assert outside - ALLOWED.keys() == set(), "move these into digest_core/errors.py (or allow one, with why)"


def test_every_allowance_is_still_needed() -> None:
    assert ALLOWED.keys() <= defined_exceptions().keys()


def test_the_errors_module_is_seen() -> None:
    """The walk finds the errors module's own classes, through its inner bases and builtins."""
    names = {name for path, name in defined_exceptions() if path == ERRORS_MODULE}
    assert {"DigestbotError", "UserError", "NoDigestsInRange", "Terminated", "DatabaseFileError"} <= names


def test_the_check_finds_every_kind_of_definition() -> None:
    source = (
        "import httpx\nfrom digest_core.errors import SiteError as Base\n"
        "class Plain(ValueError): ...\n"
        "class Child(Plain): ...\n"
        "class Library(httpx.RequestError): ...\n"
        "class Imported(Base): ...\n"
        "class Signal(BaseException): ...\n"
        "class NotOne(dict): ...\n"
        "def f():\n    class Local(Exception): ...\n    return Local\n"
    )
    assert sorted(exception_classes(source)) == ["Child", "Imported", "Library", "Local", "Plain", "Signal"]
