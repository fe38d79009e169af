"""Running Hugo over the site: its skeleton (config, layouts, CSS; shipped in the package as
`adapters/hugo_site/`, or the operator's own SITE_DIR) plus the Markdown pages in the content
directory. Hugo writes only into the content, output and cache folders given to it, never into the
skeleton, so the installed package can stay read-only."""

from __future__ import annotations

import shutil
import signal
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from digest_core.errors import HugoFailed, HugoNotInstalled, SiteError, Terminated

HUGO_CONFIG = "hugo.toml"
PACKAGED_SITE = Path(__file__).resolve().parent / "hugo_site"
INSTALL_HINT = "install it with `apt-get install hugo` (Debian/Ubuntu) or from https://gohugo.io"


@dataclass(frozen=True)
class SiteBuild:
    """A finished build: where it went and any warnings Hugo printed."""

    destination: Path
    warnings: list[str]
    output: str


def find_hugo(executable: str = "hugo") -> str:
    """The path of the Hugo executable, or `HugoNotInstalled`."""
    found = shutil.which(executable)
    if found is None:
        raise HugoNotInstalled(INSTALL_HINT)
    return found


def check_site(site_dir: Path) -> None:
    """`SiteError` unless `site_dir` holds a Hugo site (its `hugo.toml`)."""
    if not (site_dir / HUGO_CONFIG).is_file():
        raise SiteError(
            f"no Hugo site in {site_dir} ({HUGO_CONFIG} missing): set SITE_DIR to a Hugo site, "
            "or unset it for the one shipped with Digestbot"
        )


def _common_args(hugo: str, site_dir: Path, content_dir: Path) -> list[str]:
    # --noBuildLock: no `.hugo_build.lock` written into the site's folder (the installed package)
    return [hugo, "--source", str(site_dir.resolve()), "--contentDir", str(content_dir.resolve()), "--noBuildLock"]


def build_command(
    hugo: str, site_dir: Path, content_dir: Path, destination: Path, base_url: str | None = None
) -> list[str]:
    """The `hugo` command line that builds the site into `destination`."""
    args = [*_common_args(hugo, site_dir, content_dir), "--destination", str(destination.resolve())]
    if base_url:
        args += ["--baseURL", base_url]
    return [*args, "--printPathWarnings", "--printI18nWarnings"]


def serve_command(hugo: str, site_dir: Path, content_dir: Path, bind: str = "127.0.0.1", port: int = 1313) -> list[str]:
    """The `hugo server` command line for a local preview that rebuilds when pages change."""
    return [*_common_args(hugo, site_dir, content_dir), "server", "--bind", bind, "--port", str(port)]


def build_site(
    site_dir: Path,
    content_dir: Path,
    destination: Path,
    base_url: str | None = None,
    hugo: str | None = None,
    timeout: float = 300,
) -> SiteBuild:
    """Run Hugo once; `HugoFailed` on a failed build, else the build with Hugo's warnings."""
    check_site(site_dir)
    content_dir.mkdir(parents=True, exist_ok=True)
    command = build_command(hugo or find_hugo(), site_dir, content_dir, destination, base_url)
    proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise HugoFailed(proc.returncode, output)
    warnings = [line for line in output.splitlines() if line.startswith("WARN") or " WARN " in line]
    return SiteBuild(destination=destination, warnings=warnings, output=output)


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated  # SIGTERM arrived while `hugo server` ran


def serve_site(site_dir: Path, content_dir: Path, bind: str = "127.0.0.1", port: int = 1313) -> int:
    """Run `hugo server` in the foreground until it stops; its exit status, or 0 when Ctrl-C (SIGINT)
    or SIGTERM stopped us: Hugo is then ended too, never left running."""
    check_site(site_dir)
    content_dir.mkdir(parents=True, exist_ok=True)
    command = serve_command(find_hugo(), site_dir, content_dir, bind, port)
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if main else None
    proc = subprocess.Popen(command)  # noqa: S603
    try:
        return proc.wait()
    except (KeyboardInterrupt, Terminated):
        return 0
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def count_pages(content_dir: Path) -> int:
    """How many digest pages (TOPIC/DATE.md) the content directory holds."""
    return sum(1 for p in content_dir.glob("*/*.md") if p.name != "_index.md") if content_dir.is_dir() else 0
