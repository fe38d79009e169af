"""`make run`, `make build` and `make demo` print only the program's output: no recipe line echoed
before the newcomer's first log line (issue #27). The real `make` runs the real Makefile, with
VENV pointing at a set-up directory whose `digestbot` is a script that says what it was asked."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STAND_IN = """#!/bin/sh
echo "digestbot $*"
if [ "$1" = run ]; then
  trap 'echo "digestbot stopped"; exit 130' INT
  echo "digestbot running"
  while :; do sleep 0.1; done
fi
"""
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    """A VENV whose set-up is done (its `.installed` newer than pyproject.toml)."""
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "digestbot"
    script.write_text(STAND_IN)
    script.chmod(0o755)
    (bin_dir / ".installed").touch()
    later = (ROOT / "pyproject.toml").stat().st_mtime + 60
    os.utime(bin_dir / ".installed", (later, later))
    return tmp_path / "venv"


def make(venv: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    return subprocess.run(
        ["make", "-C", str(ROOT), "--no-print-directory", f"VENV={venv}", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_build_and_demo_print_only_the_program_output(venv: Path) -> None:
    result = make(venv, "build", "DATE=2026-02-25")
    expected = "digestbot build china-japan --date 2026-02-25\n"
    assert (result.returncode, result.stdout, result.stderr) == (0, expected, "")
    result = make(venv, "demo")
    assert (result.returncode, result.stdout, result.stderr) == (0, "digestbot demo\n", "")


def test_run_prints_only_the_program_output_until_ctrl_c(
    venv: Path, tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    out = tmp_path / "out"
    with out.open("wb") as sink:
        proc = subprocess.Popen(
            ["make", "-C", str(ROOT), "--no-print-directory", f"VENV={venv}", "run"],
            env={k: v for k, v in os.environ.items() if not k.startswith("MAKE")},  # not a sub-make of `make test`
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    processes.append(proc)
    deadline = time.monotonic() + 30  # a guard against hangs, not a timing assertion
    while "running" not in out.read_text() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert out.read_text() == "digestbot run\ndigestbot running\n"
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C goes to the terminal's whole foreground group
    proc.wait(timeout=30)
    lines = out.read_text().splitlines()
    assert lines[:3] == ["digestbot run", "digestbot running", "digestbot stopped"]
    # make, which gets the Ctrl-C too, adds its one word, not an error status
    assert all(re.fullmatch(r"make: \*\*\* \[Makefile:\d+: run\] Interrupt", line) for line in lines[3:]), lines
    assert len(lines) <= 4, lines


def test_setting_up_says_one_line(tmp_path: Path) -> None:
    """The set-up step echoes none of its commands (here it fails at once: no such Python)."""
    result = make(tmp_path / "none", "run", "PYTHON=/nonexistent/python3")
    assert result.stdout == f"setting up {tmp_path / 'none'} (once, a few minutes)...\n"
    assert "/nonexistent/python3 -m venv" not in result.stdout + result.stderr
