"""What both CLI modules share: the Typer app, error output, exit codes, settings and topics loading."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from bot.failures import with_demo_hint
from bot.logs import setup_logging
from digest_core.errors import CommandError, NoArticlesError, SourcesUnreachable, TopicsFileError, UserError
from digest_core.redaction import redact

if TYPE_CHECKING:  # imported where used, so that `--help` and start-up load only what they need
    from bot.settings import Settings
    from digest_core.topics import Topics

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Multi-perspective daily news digests.")
err = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_BAD_INPUT = 2
EXIT_NOTHING = 1


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    err.print(f"[red]error:[/red] {escape(redact(message))}")
    raise typer.Exit(code)


def fail_user_error(exc: UserError) -> NoReturn:
    """A use case's user error: bad input exits 2; nothing to show (no articles, no trend) exits 1.
    The message is the one every front end gives; a detail for operators follows on its own line."""
    if isinstance(exc, SourcesUnreachable):
        fail(with_demo_hint(exc.detail), EXIT_NOTHING)  # the operator's cause: none of the sources answered
    if isinstance(exc, NoArticlesError) and exc.detail:
        err.print(f"[red]error:[/red] {escape(str(exc))}\n{escape(exc.detail)}")
        raise typer.Exit(EXIT_NOTHING)
    fail(str(exc), EXIT_BAD_INPUT if isinstance(exc, CommandError) else EXIT_NOTHING)


def load_settings() -> Settings:
    # lazy: start-up (bench/startup.py)
    from pydantic import ValidationError

    from bot.settings import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"invalid setting {'.'.join(map(str, first['loc'])).upper()}: {first['msg']}")
    setup_logging(settings.log_level, settings.secrets())
    for warning in settings.whitespace_warnings():
        logging.getLogger("digestbot.settings").warning(warning)
    return settings


def load_topics_or_fail(settings: Settings) -> Topics:
    # lazy: start-up (bench/startup.py)
    from bot.wiring import load_configured_topics

    try:
        return load_configured_topics(settings)
    except TopicsFileError as exc:
        fail(str(exc))
