"""Help text: every command's help lists its flags without a type label (`--rebuild`, not
`--rebuild <bool>`), and options that take a value keep theirs."""

from __future__ import annotations

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()


def _command_paths() -> list[list[str]]:
    root = get_command(app)
    paths: list[list[str]] = [[]]
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        paths.append([name])
        paths += [[name, sub] for sub in getattr(command, "commands", {})]
    return paths


@pytest.mark.parametrize("path", _command_paths(), ids=lambda p: " ".join(p) or "digestbot")
def test_help_has_no_type_on_flags(path: list[str]) -> None:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "Show this message and exit." in result.stdout
    assert "<bool>" not in result.stdout


def test_options_with_values_keep_their_type() -> None:
    out = runner.invoke(app, ["build", "--help"], env={"COLUMNS": "120"}).stdout
    assert "<str>" in out and "<markdown|json>" in out
    assert "--rebuild" in out
