"""The guards that keep test processes from outliving their tests."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from tests.processes import SESSION_MARK, kill_group, marked_processes, spawned

GRANDCHILD = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'import time; time.sleep(60)'])"
SLEEPER = [sys.executable, "-c", GRANDCHILD]


def test_spawned_ends_the_whole_process_group_even_when_the_test_fails() -> None:
    mark = uuid.uuid4().hex
    env = {**os.environ, SESSION_MARK: mark}

    def failing_test() -> None:
        with spawned(SLEEPER, env=env) as proc:
            while len(marked_processes(mark)) < 2:  # the parent and its own child
                assert proc.poll() is None
            raise RuntimeError("the test failed")

    with pytest.raises(RuntimeError):
        failing_test()
    assert marked_processes(mark) == []  # the grandchild went with its group


def test_the_session_check_finds_a_marked_process() -> None:
    mark = uuid.uuid4().hex
    proc = subprocess.Popen(SLEEPER, env={**os.environ, SESSION_MARK: mark}, start_new_session=True)
    try:
        while not marked_processes(mark):
            assert proc.poll() is None
        assert any(pid == proc.pid for pid, _ in marked_processes(mark))
    finally:
        kill_group(proc)
    assert marked_processes(mark) == []
