"""The service's logging set up and undone: a test's logging ends with the test, so no test
depends on what another one left behind."""

from __future__ import annotations

import logging

import pytest

from bot.logs import setup_logging


def test_setup_then_undo_leaves_the_process_logging_as_it_was() -> None:
    root = logging.getLogger()
    before = (root.handlers[:], root.level, logging.getLogger("httpx").level, logging.raiseExceptions)
    setup = setup_logging("DEBUG", [])
    assert root.level == logging.DEBUG and setup.handler in root.handlers
    assert logging.getLogger("httpx").level == logging.WARNING and logging.raiseExceptions is False
    setup.undo()
    assert (root.handlers[:], root.level, logging.getLogger("httpx").level, logging.raiseExceptions) == before


def test_a_second_setup_replaces_the_first_and_its_undo_brings_the_first_back() -> None:
    root = logging.getLogger()
    first = setup_logging("INFO", [])
    second = setup_logging("WARNING", [])
    try:
        assert first.handler not in root.handlers and second.handler in root.handlers
        assert root.level == logging.WARNING
        second.undo()
        assert first.handler in root.handlers and second.handler not in root.handlers
        assert root.level == logging.INFO
    finally:
        first.undo()
    assert first.handler not in root.handlers


def test_the_fixture_ends_a_cli_commands_logging_with_the_test(production_logging: object) -> None:
    from bot import cli_io

    setup = cli_io.setup_logging("DEBUG", [])  # as `load_settings` calls it in the test process
    assert setup.handler in logging.getLogger().handlers  # undone by the fixture after this test


@pytest.mark.parametrize("run", [1, 2])
def test_no_digestbot_handler_is_left_from_an_earlier_test(run: int) -> None:
    assert not [h for h in logging.getLogger().handlers if h.get_name() == "digestbot"]
