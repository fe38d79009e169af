"""The process-global state that stays (the secrets registry, the root logger's handler) never
outlives whoever set it: a scope forgets what was registered in it, `setup_logging`'s undo takes
back its handler and its secrets, and one test's registrations never reach the next test."""

from __future__ import annotations

import logging

from bot.logs import setup_logging
from digest_core.redaction import redact, register_secrets, registered_secrets, secrets_scope

EARLIER = "earlier-secret-value"
INNER = "inner-secret-value"
LEFT_BY_A_TEST = "left-by-a-test-7f3a"


def test_a_scope_forgets_what_was_registered_in_it_and_keeps_what_was_before() -> None:
    with secrets_scope():
        register_secrets([EARLIER])
        with secrets_scope():
            register_secrets([INNER])
            assert redact(f"{EARLIER} {INNER}") == "*** ***"
        assert redact(f"{EARLIER} {INNER}") == f"*** {INNER}"
    assert redact(EARLIER) == EARLIER


def test_undoing_the_logging_setup_takes_back_its_handler_and_its_secrets() -> None:
    root = logging.getLogger()
    handlers = list(root.handlers)
    setup = setup_logging("DEBUG", [INNER])
    assert redact(INNER) == "***"
    assert setup.handler in root.handlers
    setup.undo()
    setup.undo()  # a second undo changes nothing
    assert redact(INNER) == INNER
    assert root.handlers == handlers


def test_a_test_registers_a_secret_and_leaves_it() -> None:
    register_secrets([LEFT_BY_A_TEST])  # no clean-up here: the autouse fixture's scope ends with the test
    assert redact(LEFT_BY_A_TEST) == "***"


def test_the_next_test_does_not_see_it() -> None:
    assert LEFT_BY_A_TEST not in registered_secrets()
    assert redact(LEFT_BY_A_TEST) == LEFT_BY_A_TEST
