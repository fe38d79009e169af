"""Help output without typer's type label on flags: `--rebuild`, not `--rebuild <bool>` (typer 0.29
labels every option with its type in the rich help panels, even `--help`)."""

from __future__ import annotations

from typing import Any

from typer.core import TyperOption

_display_type = TyperOption.display_type_rich


def _no_type_on_flags(self: TyperOption, ctx: Any) -> str | None:
    return None if self.is_flag else _display_type(self, ctx)


def hide_flag_types() -> None:
    """Show no type for flag options (they take no value) in every command's help."""
    TyperOption.display_type_rich = _no_type_on_flags  # type: ignore[method-assign]
