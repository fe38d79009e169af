"""Heavy libraries load only where they are used: the CLI, `--help` and an idle service without
tokens never import matplotlib, google-genai, Alembic or a platform library, and `--help` not even
the database, model or feed libraries (checked in a fresh interpreter, by what ends up in
`sys.modules`, not by timing)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ["matplotlib", "google.genai", "telegram", "discord", "alembic"]
FOR_COMMANDS = ["sqlalchemy", "pydantic", "pydantic_settings", "httpx", "feedparser", "rapidfuzz", "aiohttp"]


def loaded_after(code: str, watched: list[str] = HEAVY) -> set[str]:
    """The `watched` modules present in `sys.modules` after running `code` in a new interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {watched!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", ["bot.cli", "bot.cli_service", "bot.runner", "bot.wiring", "adapters.site_pages"])
def test_importing_the_cli_and_service_loads_no_heavy_library(module: str) -> None:
    assert loaded_after(f"import {module}") == set()


def test_help_loads_no_heavy_library() -> None:
    code = (
        "import sys\nsys.argv = ['digestbot', '--help']\nfrom bot.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    assert loaded_after(code, HEAVY + FOR_COMMANDS) == set()


@pytest.mark.parametrize("module", ["bot.telegram_platform", "bot.discord_platform"])
def test_a_connected_platform_loads_no_chart_or_model_library(module: str) -> None:
    assert loaded_after(f"import {module}", ["matplotlib", "google.genai", "alembic"]) == set()


def test_the_probe_sees_a_heavy_import() -> None:
    """The check above can fail: drawing a chart does load matplotlib."""
    assert loaded_after("import adapters.chart") >= {"matplotlib"}


@pytest.mark.parametrize("module", ["bot.runner", "bot.telegram_platform", "bot.discord_platform"])
def test_the_service_loads_no_parsing_library_before_a_build(module: str) -> None:
    """Feed parsing and headline matching run in the build worker: an idle service never loads them."""
    assert loaded_after(f"import {module}", ["feedparser", "ftfy", "wcwidth", "rapidfuzz"]) == set()


def test_the_parsing_probe_sees_a_parse() -> None:
    """The check above can fail: parsing a feed loads feedparser and ftfy."""
    code = (
        "from digest_core.fetch.normalize import clean_text, parse_feed\n"
        "from digest_core.fetch.ports import FeedResult\n"
        "clean_text('caf\\u00c3\\u00a9')\n"
        "try:\n    parse_feed(FeedResult(None, None, 'u', body=b'<rss/>'), None)\nexcept Exception:\n    pass"
    )
    assert loaded_after(code, ["feedparser", "ftfy"]) == {"feedparser", "ftfy"}
