"""The Hugo site ships in the package: from a wheel built of the sources (not the editable install),
`digestbot build`, `site build` and `site serve` work in a working directory far from the
repository, with pages and HTML under DATA_DIR; Hugo writes nothing into the installed package."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.processes import spawned
from tests.test_site import require, tree

REPO = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "digest_core", "adapters", "bot")
CLI = "import sys; from bot.cli import main; sys.exit(main())"
WHERE = "import adapters, bot, digest_core; print(adapters.__file__, bot.__file__, digest_core.__file__)"


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    """The wheel of a copy of the sources, built offline and unpacked (what `pip install` puts in
    site-packages); the folder to put on PYTHONPATH."""
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(REPO / name, src / name)
    wheels = tmp_path / "wheels"
    build = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index", "-w"]
    done = subprocess.run([*build, str(wheels), str(src)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    (wheel,) = wheels.glob("digestbot-*.whl")
    target = tmp_path / "site-packages"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def site_files(folder: Path) -> dict[str, int]:
    """The installed files but Python's bytecode cache (written on import unless PYTHONDONTWRITEBYTECODE)."""
    return {name: mtime for name, mtime in tree(folder).items() if "__pycache__" not in name}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.timeout(300)
def test_site_commands_work_from_any_folder_after_install(installed: Path, cli_env: Path, tmp_path: Path) -> None:
    require("hugo")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(installed), "DATA_DIR": "data"}
    env.pop("SITE_DIR", None)
    env.pop("CONTENT_DIR", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", CLI, *args], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120
        )

    where = subprocess.run([sys.executable, "-c", WHERE], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert where.returncode == 0, where.stderr
    assert all(Path(p).is_relative_to(installed) for p in where.stdout.split()), where.stdout  # not the repository
    package = site_files(installed)
    assert "adapters/hugo_site/hugo.toml" in package
    assert "adapters/hugo_site/layouts/_default/single.html" in package
    assert "adapters/hugo_site/static/css/site.css" in package

    built = run("build", "china-japan", "--date", "2026-02-25")
    assert built.returncode == 0, built.stderr
    assert "site page: data/site/content/china-japan/2026-02-25.md" in built.stderr
    site = run("site", "build")
    assert site.returncode == 0, site.stderr
    assert site.stderr.splitlines()[-1] == "site built from 1 digest pages into data/site/public"
    page = elsewhere / "data/site/public/china-japan/2026-02-25/index.html"
    assert "<h1>China vs Japan News - 2026-02-25</h1>" in page.read_text()

    port = free_port()
    with spawned(
        [sys.executable, "-c", CLI, "site", "serve", "--port", str(port)],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    ) as proc:
        body = ""
        deadline = time.monotonic() + 60
        while not body and time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/china-japan/2026-02-25/", timeout=5) as r:
                    body = r.read().decode()
            except OSError:
                time.sleep(0.2)
        assert "<h1>China vs Japan News - 2026-02-25</h1>" in body, proc.returncode
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    assert site_files(installed) == package  # Hugo wrote nothing into the installed package
    assert sorted(p.name for p in elsewhere.iterdir()) == ["data"]
