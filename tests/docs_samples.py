"""Every fenced block of README.md and docs/*.md, checked against the program.

A block is one of:

- an output sample, marked by `<!-- sample: NAME ARGS -->` right above its fence: the generator NAME
  (`GENERATORS`) produces it by running the real code offline (the fake Google News and publisher
  sites over TLS on loopback, as in `digestbot demo`; a fixed "now"), and `tests/test_docs_samples.py`
  fails when the block differs from what the generator gives now;
- a hand-written illustration (a diagram), marked `<!-- sample: none (reason) -->`;
- commands (```` ```sh ````): every `digestbot` line parses with the real CLI, and the commands that
  can run offline run (`commands_checked`); `make` targets, modules and paths exist;
- configuration (```` ```toml ````, ```` ```yaml ````, ```` ```env ````): loaded by the real topics
  loader, every setting name a field of `bot.settings.Settings`.

Any other block is a failure, so a new output sample cannot go unchecked. One command rewrites every
marked sample in place:

    python -m tests.docs_samples --write     # regenerate every sample of README.md and docs/
    python -m tests.docs_samples             # list the samples that drifted (exit 1 if any)
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WRITE_COMMAND = "python -m tests.docs_samples --write"
NOW = "2026-02-25T05:00:00Z"  # one hour after the 2026-02-25 fixture day's window closed
DAY = "2026-02-25"
SHELL_LANGS = ("sh", "shell", "bash")
CONFIG_LANGS = ("toml", "yaml", "env")
_FENCE = re.compile(r"^(?P<fence>```+)(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S)
_MARK = re.compile(r"<!-- sample: (?P<spec>.+?) -->\n\Z")


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@dataclass(frozen=True)
class Block:
    """A fenced block of a Markdown file: its language, body and the `sample:` mark above it."""

    path: Path
    line: int
    lang: str
    body: str
    spec: str | None
    start: int  # offsets of the body in the file's text
    end: int

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def generator(self) -> str | None:
        """The generator's name, or None for commands, configuration and illustrations."""
        if self.spec is None or self.spec.startswith("none"):
            return None
        return self.spec.split()[0]

    @property
    def args(self) -> list[str]:
        return shlex.split(self.spec or "")[1:]


def blocks(path: Path, text: str | None = None) -> list[Block]:
    text = path.read_text(encoding="utf-8") if text is None else text
    found = []
    for m in _FENCE.finditer(text):
        mark = _MARK.search(text, 0, m.start())
        found.append(
            Block(
                path=path,
                line=text.count("\n", 0, m.start()) + 1,
                lang=m.group("lang"),
                body=m.group("body"),
                spec=mark.group("spec") if mark else None,
                start=m.start("body"),
                end=m.end("body"),
            )
        )
    return found


def all_blocks() -> list[Block]:
    return [b for path in doc_files() for b in blocks(path)]


# ---------------------------------------------------------------------------------------------
# The offline world every generator runs in


class Unavailable(Exception):
    """A generator cannot run on this machine (e.g. no `unshare -n`); the test skips that sample."""


@dataclass
class CliResult:
    code: int
    output: str  # stdout and stderr as a terminal shows them, interleaved
    stdout: str
    stderr: str


class Session:
    """The fakes, served once (Google News and the publishers' sites over TLS for their production
    names), and one offline build of the fixture day, copied for each sample that needs it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._stack = contextlib.ExitStack()
        self._hosts_env: dict[str, str] | None = None
        self._built: Path | None = None
        self._runs = 0

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def env(self) -> dict[str, str | None]:
        """The settings of every command: the fakes, a fixed now, nothing from the caller's environment."""
        if self._hosts_env is None:
            from testkit.fakes.production_hosts import production_hosts

            (self.root / "ca").mkdir()
            self._hosts_env = self._stack.enter_context(production_hosts(self.root / "ca")).env()
        cleared = dict.fromkeys(
            ("GEMINI_API_KEY", "DATABASE_URL", "TOPICS_FILE", "TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "SITE_DIR")
        )
        fixed = {"NOW": NOW, "FETCH_BACKOFF": "0.01", "FETCH_TIMEOUT": "5", "COLUMNS": "1000", "DATA_DIR": None}
        return {**cleared, **self._hosts_env, **fixed}

    def workdir(self, fresh: bool = False) -> Path:
        """A new working directory: empty, or holding `data/` with the fixture day built and archived."""
        self._runs += 1
        work = self.root / f"run{self._runs}"
        if fresh:
            work.mkdir()
            return work
        if self._built is None:
            self._built = self.root / "built"
            self._built.mkdir()
            result = self.cli(["build", "china-japan", "--date", DAY], self._built)
            assert result.code == 0, result.output
        shutil.copytree(self._built, work)
        return work

    def cli(self, argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> CliResult:
        """`digestbot ARGV` in this process, through its real entry point (one-line errors included)."""
        import threading

        from typer.testing import CliRunner

        from bot.cli import main

        saved_argv, saved_cwd = sys.argv, Path.cwd()
        saved_hooks = sys.excepthook, threading.excepthook
        saved_signals = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        os.chdir(cwd)
        try:
            with CliRunner().isolation(env={**self.env(), **(env or {})}) as streams:
                sys.argv = ["digestbot", *argv]
                code = 0
                try:
                    main()
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
                finally:
                    sys.stdout.flush()
                    sys.stderr.flush()
                shown = [self.relative(s.getvalue().decode(), cwd) for s in (streams[2], streams[0], streams[1])]
        finally:  # main() sets these for a process of its own
            sys.argv = saved_argv
            os.chdir(saved_cwd)
            sys.excepthook, threading.excepthook = saved_hooks
            for number, handler in saved_signals.items():
                signal.signal(number, handler)
        return CliResult(code, *shown)

    def relative(self, text: str, cwd: Path) -> str:
        """Paths as the user sees them (relative to the working directory; else under /tmp), log times cut."""
        return _normalized_log(text.replace(f"{cwd}/", "").replace(str(self.root), "/tmp"))


# ---------------------------------------------------------------------------------------------
# Generators: NAME -> (session, args, the block as it is) -> the block as the code produces it

Generator = Callable[[Session, list[str], str], str]
GENERATORS: dict[str, Generator] = {}
# Samples whose generator another test runs anyway, and which that test compares with the docs
# (the docs check then skips them, rather than running the same slow command twice).
COMPARED_BY = {"demo-once": "tests/test_demo.py"}


def generator(name: str) -> Callable[[Generator], Generator]:
    def register(fn: Generator) -> Generator:
        GENERATORS[name] = fn
        return fn

    return register


@dataclass
class Step:
    """One `$ ...` line of a transcript: environment, `digestbot` arguments, and what to keep."""

    env: dict[str, str]
    argv: list[str]
    stdout_to: str | None
    grep: str | None


def parse_step(line: str) -> Step:
    """`[VAR=value ...] digestbot ARGS [> FILE] [| grep TEXT] [# comment]`."""
    words = shlex.split(line, comments=True)
    env = {}
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    grep = None
    if "|" in words:
        pipe = words.index("|")
        assert words[pipe + 1 : pipe + 2] == ["grep"] and len(words) == pipe + 3, f"only `| grep TEXT`: {line}"
        grep, words = words[pipe + 2], words[:pipe]
    stdout_to = None
    if ">" in words:
        redirect = words.index(">")
        stdout_to, words = words[redirect + 1], words[:redirect]
    assert words[:1] == ["digestbot"], f"a transcript runs `digestbot` commands only: {line}"
    return Step(env, words[1:], stdout_to, grep)


_LATENCY = re.compile(r"(?<![\d.])\d+ ms\b")  # differs from run to run: shown as `n ms`
_ELAPSED = re.compile(r"\b\d+:\d\d:\d\d$")  # the time a progress bar shows: as `h:mm:ss`


@generator("cli")
def transcript(session: Session, args: list[str], body: str) -> str:
    """A terminal transcript: each `$ digestbot ...` line is run (in a copy of the built archive,
    or `fresh`: an empty directory) and the lines after it become what it prints (latencies as
    `n ms`, a progress bar's time as `h:mm:ss`, trailing spaces cut). `head=N` keeps the first N
    lines of each command's output."""
    options = dict(a.split("=", 1) if "=" in a else (a, "") for a in args)
    work = session.workdir(fresh="fresh" in options)
    out = []
    for line in body.splitlines():
        if not line.startswith("$ "):
            continue
        step = parse_step(line[2:])
        result = session.cli(step.argv, work, step.env)
        shown = result.output
        if step.stdout_to is not None:  # `> FILE`: the terminal shows stderr only
            (work / step.stdout_to).write_text(result.stdout, encoding="utf-8")
            shown = result.stderr
        if step.grep is not None:
            shown = "".join(x for x in shown.splitlines(keepends=True) if step.grep in x)
        lines = [_LATENCY.sub(lambda m: "n ms".rjust(len(m.group(0))), x).rstrip() for x in shown.splitlines()]
        lines = [_ELAPSED.sub("h:mm:ss", x) if "━" in x else x for x in lines]  # a progress bar's time
        if "head" in options:
            lines = lines[: int(options["head"])]
        out.append(line)
        out.extend(lines)
    return "\n".join(out) + "\n"


_GOOGLE_LINK = re.compile(r"https://news\.google\.com/rss/articles/[^)\s\"]+")


def short_links(text: str) -> str:
    """Google News links (200-600 characters each) shown as `<link>`."""
    return _GOOGLE_LINK.sub("<link>", text)


@generator("platform")
def platform_example(session: Session, args: list[str], body: str) -> str:
    """`platform KIND DAY`: the fixture day's digest (offline summarizer) as the renderer of KIND
    (telegram, discord, console, page) gives it, with the page's link at digest.example.org."""
    from adapters.console import render_text
    from adapters.discord.embeds import render_digest as discord_render
    from adapters.markdown_site import render_markdown
    from adapters.telegram.render import html_to_text, utf16_len
    from adapters.telegram.render import render_digest as telegram_render
    from digest_core.topics import load_topics
    from tests.digests import fixture_digest

    kind, day = args
    digest = fixture_digest(load_topics().get("china-japan"), day)
    page_url = f"https://digest.example.org/china-japan/{day}/"
    if kind == "telegram":
        parts = [html_to_text(p) for p in telegram_render(digest, page_url)]
        size = sum(utf16_len(p) for p in parts)
        return "\n---- next message ----\n".join(parts) + f"\n\n[{len(parts)} message, {size} UTF-16 units]\n"
    if kind == "discord":
        lines = []
        messages = discord_render(digest, page_url)
        for embed in [e for m in messages for e in m]:
            if embed.author and embed.author.name:
                lines.append(f"[author] {embed.author.name}")
            if embed.title:
                lines.append(f"[title] {embed.title}")
            lines.append(embed.description or "")
            if embed.footer and embed.footer.text:
                lines.append(f"[footer] {embed.footer.text}")
            lines.append("")
        size = sum(len(e) for m in messages for e in m)
        embeds = sum(len(m) for m in messages)
        lines.append(f"[{len(messages)} message, {embeds} embeds, {size} characters with the full links]")
        return short_links("\n".join(lines)) + "\n"
    if kind == "console":
        return render_text(digest, page_url)
    assert kind == "page", kind
    page = render_markdown(digest).split("---\n", 2)[2]
    summary, sources = page.split("## Sources")
    first_sources = "\n".join(sources.strip().splitlines()[:4])
    return short_links(f"{summary}## Sources\n\n{first_sources}\n…\n")


@generator("page-section")
def page_section(session: Session, args: list[str], body: str) -> str:
    """`page-section DAY HEADING`: one section of the fixture day's page (the day before's digest as
    the previous one), publisher and Google links shown as `…`."""
    from adapters.markdown_site import render_markdown
    from digest_core.topics import load_topics
    from tests.digests import fixture_digest

    day, heading = args
    topic = load_topics().get("china-japan")
    page = render_markdown(fixture_digest(topic, day, fixture_digest(topic, PREVIOUS_DAY[day])))
    section = page.split(f"\n{heading}\n", 1)[1]
    level = heading.split(" ", 1)[0]
    section = re.split(rf"^{level} ", section, maxsplit=1, flags=re.M)[0]
    return re.sub(r"\]\(https?://[^)\s]+\)", "](…)", f"{heading}\n{section}".rstrip("\n") + "\n")


PREVIOUS_DAY = {"2026-02-25": "2026-01-07"}  # the fixture days


@generator("json")
def json_sample(session: Session, args: list[str], body: str) -> str:
    """`json ARGS...`: the JSON `digestbot ARGS` prints on the built archive, every list cut to its
    first item, a key per line (a list's objects: a field per line), `generated_at` to the minute."""

    def first_items(value: Any) -> Any:
        if isinstance(value, list):
            return [first_items(v) for v in value[:1]]
        if isinstance(value, dict):
            return {k: first_items(v) for k, v in value.items()}
        return value

    def compact(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    result = session.cli(args, session.workdir())
    assert result.code == 0, result.output
    document = first_items(json.loads(result.stdout))
    if "generated_at" in document:
        document["generated_at"] = re.sub(r":\d\d(\.\d+)?\+", ":00+", document["generated_at"])
    lines = []
    for key, value in document.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            fields = ",\n".join(f"     {compact(k)}: {compact(v)}" for k, v in value[0].items())
            lines.append(f"  {compact(key)}: [{{\n{fields}\n  }}]")
        else:
            lines.append(f"  {compact(key)}: {compact(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


@generator("python")
def python_session(session: Session, args: list[str], body: str) -> str:
    """`python MODULE`: each `>>> ` line run in MODULE's namespace; an expression is followed by its
    repr, an exception by `Name: message`."""
    import importlib

    namespace = dict(vars(importlib.import_module(args[0])))
    out = []
    for line in body.splitlines():
        if not line.startswith(">>> "):
            continue
        out.append(line)
        source = line[4:]
        try:
            try:
                code = compile(source, "<docs>", "eval")
            except SyntaxError:
                exec(compile(source, "<docs>", "exec"), namespace)
                continue
            out.append(repr(eval(code, namespace)))
        except Exception as exc:
            out.append(f"{type(exc).__name__}: {exc}")
    return "\n".join(out) + "\n"


@generator("explain")
def explain_lines(session: Session, args: list[str], body: str) -> str:
    """`explain DAY K D WORD`: the first K KEPT lines of `build --explain` for DAY, and the first D
    DROP lines that give WORD as the reason."""
    day, kept, dropped, word = args[0], int(args[1]), int(args[2]), args[3]
    result = session.cli(["build", "china-japan", "--date", day, "--explain"], session.workdir())
    assert result.code == 0, result.output
    lines = result.stderr.splitlines()
    chosen = [x for x in lines if x.startswith("KEPT ")][:kept]
    chosen += [x for x in lines if x.startswith("DROP ") and f" -- {word}" in x][:dropped]
    return "\n".join(chosen) + "\n"


@generator("publish-while-running")
def publish_while_running(session: Session, args: list[str], body: str) -> str:
    """`publish-while-running PLATFORM`: what `publish` says about PLATFORM while a running service
    (`host:4242`) holds its sender lock."""
    import asyncio

    from digest_core.delivery.sender_lock import FileSenderLock

    platform = args[0]
    work = session.workdir()
    destination = {"telegram": "-1001234567890", "discord": "123456789012345678", "console": "stdout"}[platform]
    assert session.cli(["subscribe", platform, destination, "china-japan"], work).code == 0
    service = FileSenderLock(work / "data" / f"digestbot.db.{platform}.sender.lock", platform, "host:4242")
    assert asyncio.run(service.acquire())
    try:
        result = session.cli(["publish", "china-japan", "--date", DAY], work)
    finally:
        asyncio.run(service.release())
    assert result.code == 0, result.output
    return "".join(x for x in result.stderr.splitlines(keepends=True) if x.startswith(f"{platform}: "))


def _normalized_log(text: str) -> str:
    return re.sub(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ", "", text, flags=re.M)


def unshare_works() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    probe = subprocess.run(["unshare", "-n", "sh", "-c", "ip link set lo up"], capture_output=True, check=False)
    return probe.returncode == 0


def offline(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """`command` with no network at all (a network namespace with loopback only), in its own group."""
    if not unshare_works():
        raise Unavailable("needs `unshare -n` (root or user namespaces) and `ip` to cut the network")
    script = "ip link set lo up; exec " + shlex.join(command)
    return subprocess.Popen(
        ["unshare", "-n", "sh", "-c", script],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def newcomer_env(**extra: str) -> dict[str, str]:
    """A newcomer's environment: no token, no key, no setting, only the process basics."""
    from tests.processes import SESSION_MARK  # the test session's mark, for its end-of-session check

    basics = ("PATH", "HOME", "LANG", "LC_ALL", "TERM", "TMPDIR", SESSION_MARK)
    keep = {k: v for k, v in os.environ.items() if k in basics}
    return {**keep, "PYTHONUNBUFFERED": "1", **extra}


DIGESTBOT = str(Path(sys.executable).with_name("digestbot"))


@generator("run-offline")
def run_offline(session: Session, args: list[str], body: str) -> str:
    """`run-offline NOW`: what `make run` prints on a machine without network, in an empty directory,
    at NOW, until its first start-up lines are out and Ctrl-C ends it (log times cut)."""
    from tests.processes import kill_group

    work = session.workdir(fresh=True)
    proc = offline([DIGESTBOT, "run"], work, newcomer_env(NOW=args[0]))
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl-C stops" in line:
                break
        os.killpg(proc.pid, signal.SIGINT)
        lines += proc.stdout.readlines()
        proc.wait(30)
    finally:
        kill_group(proc)
    return _normalized_log("".join(lines)).replace(f"{work}/", "")


@generator("demo-once")
def demo_once(session: Session, args: list[str], body: str) -> str:
    """What `digestbot demo --once --data-dir demo` prints in an empty directory with no network."""
    from tests.processes import kill_group

    if shutil.which("hugo") is None:
        raise Unavailable("the demo's output shows the website built by `hugo`, which is not installed")
    work = session.workdir(fresh=True)
    proc = offline([DIGESTBOT, "demo", "--once", "--data-dir", "demo"], work, newcomer_env())
    try:
        out, _ = proc.communicate(timeout=150)
    finally:
        kill_group(proc)
    assert proc.returncode == 0, out[-3000:]
    return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", out)


# ---------------------------------------------------------------------------------------------
# Commands and configuration shown in the docs

RUNNABLE = {"topics", "build", "sources", "feeds", "subscribe", "unsubscribe", "subscriptions", "status", "doctor"}
# Placeholders the docs write for a value, and a value of their kind to parse them with.
PLACEHOLDERS = {"TOPIC": "china-japan", "D": DAY, "DAY": DAY, "DATE": DAY, "N": "1", "PLATFORM": "telegram"}


def cli_command(argv: list[str]) -> list[str]:
    """The command path of `digestbot ARGV` (e.g. ["site", "build"]), after parsing every option
    with the real CLI (Typer's click); its usage error if it does not parse."""
    import typer.main

    from bot.cli import app

    command: Any = typer.main.get_command(app)
    path: list[str] = []
    parent = None
    args = list(argv)
    while True:
        ctx = command.make_context(path[-1] if path else "digestbot", args, parent=parent)
        if not hasattr(command, "resolve_command"):  # a command, not a group
            return path
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
        name, sub, args = command.resolve_command(ctx, rest)
        assert name is not None and sub is not None
        path.append(name)
        command, parent = sub, ctx


def shell_lines(body: str) -> list[str]:
    """The command lines of a shell block (comments and blank lines dropped)."""
    return [line for line in body.splitlines() if shlex.split(line, comments=True)]


def setting_names() -> set[str]:
    from bot.settings import Settings

    names = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names.add(alias.upper() if isinstance(alias, str) else name.upper())
    return names


def check_shell_line(line: str, session: Session | None) -> str | None:
    """None if the line's command is valid (and, given a session, when it can run offline, ran with
    exit 0); else why not."""
    import typer

    words = shlex.split(line, comments=True)
    if words[0] == "export":
        names = [w.split("=", 1)[0] for w in words[1:]]
        unknown = [n for n in names if n not in setting_names()]
        return f"not a setting: {unknown}" if unknown else None
    env = {}
    while re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
        if name not in setting_names() and name not in _test_variables():
            return f"{name} is neither a setting nor a variable the tests read"
    program, args = words[0], words[1:]
    if program == "digestbot":
        if args == ["..."]:
            return None  # "any command"
        synopsis = any("[" in a or "]" in a or a in PLACEHOLDERS or a == "..." for a in args)
        args = [PLACEHOLDERS.get(a.strip("[]"), a.strip("[]")) for a in args]
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # what --help prints
                path = cli_command(args)
        except typer.Exit:  # --help
            return None
        except Exception as exc:  # Typer's click's UsageError and BadParameter
            if not hasattr(exc, "format_message"):
                raise
            return f"does not parse: {exc.format_message()}"
        runnable = (
            " ".join(path) in RUNNABLE
            and not synopsis
            and "--rebuild" not in args  # the build the samples run already; parsed only, for speed
        )
        if runnable and session is not None:
            result = session.cli(args, session.workdir(), env)
            if result.code != 0:
                return f"exit {result.code}: {result.output[-500:]}"
        return None
    if program == "make":
        targets = set(re.findall(r"^([\w.-]+):", (ROOT / "Makefile").read_text(), flags=re.M))
        missing = [a for a in args if "=" not in a and a not in targets]
        return f"no make target {missing}" if missing else None
    if program.endswith("python") and args[:1] == ["-m"]:
        import importlib.util

        return None if importlib.util.find_spec(args[1]) else f"no module {args[1]}"
    if program.endswith("/pytest"):
        missing = [a for a in args if not a.startswith("-") and not (ROOT / a.split("::")[0]).exists()]
        return f"no such test file {missing}" if missing else None
    return f"a command the docs check does not know: {program}"


def _test_variables() -> set[str]:
    """Environment variables the tests read (e.g. SITE_SCREENSHOTS_DIR)."""
    found = set()
    for path in (ROOT / "tests").glob("*.py"):
        found |= set(re.findall(r"environ(?:\.get)?[\[(]\"([A-Z_]+)\"", path.read_text(encoding="utf-8")))
    return found


def check_config(block: Block) -> str | None:
    """None if the configuration block loads with the real code; else why not."""
    from digest_core.topics import Outlet, load_topics

    if block.lang == "env":
        lines = [line for line in block.body.splitlines() if line.strip() and not line.startswith("#")]
        unknown = [line.split("=", 1)[0] for line in lines if line.split("=", 1)[0] not in setting_names()]
        return f"not settings: {unknown}" if unknown else None
    if block.lang == "toml" and not re.search(r"^\[\[topics\]\]", block.body, re.M):
        import textwrap
        import tomllib

        data = tomllib.loads(textwrap.dedent(block.body))
        for outlet in data["topics"]["perspectives"]["outlets"]:
            Outlet.model_validate(outlet)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"topics.{block.lang}"
        path.write_text(block.body, encoding="utf-8")
        load_topics(path)
    return None


_INLINE = re.compile(r"(?<!`)`(digestbot [^`\n]+)`(?!`)")


def inline_commands() -> list[tuple[str, str]]:
    """Every `digestbot ...` in inline code outside fenced blocks: (where, command)."""
    found = []
    for path in doc_files():
        text = _FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), path.read_text(encoding="utf-8"))
        for m in _INLINE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            command = re.split(r" (?:&&|\||;) ", m.group(1))[0]  # the digestbot part of a pipeline
            found.append((f"{path.relative_to(ROOT)}:{line}", command))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--write", action="store_true", help="rewrite every drifted sample in place")
    args = parser.parse_args(argv)
    from tests.network_guard import network_blocked

    drifted = []
    with network_blocked(), tempfile.TemporaryDirectory() as tmp, Session(Path(tmp)) as session:
        for path in doc_files():
            text = path.read_text(encoding="utf-8")
            fresh = regenerated(text, path, session)
            if fresh != text:
                drifted.append(path.relative_to(ROOT).as_posix())
                if args.write:
                    path.write_text(fresh, encoding="utf-8")
    verb = "rewritten" if args.write else "drifted"
    print(f"{verb}: {', '.join(drifted)}" if drifted else "every sample is up to date")
    return 1 if drifted and not args.write else 0


def expected(block: Block, session: Session) -> str:
    """What the block's generator produces now."""
    assert block.generator is not None
    return GENERATORS[block.generator](session, block.args, block.body)


def regenerated(text: str, path: Path, session: Session) -> str:
    """The file's text with every marked sample produced again (unavailable generators left as they are)."""
    pieces, last = [], 0
    for block in blocks(path, text):
        if block.generator is None:
            continue
        try:
            body = expected(block, session)
        except Unavailable as exc:
            print(f"{block.where}: left as it is ({exc})", file=sys.stderr)
            continue
        pieces += [text[last : block.start], body]
        last = block.end
    return "".join(pieces) + text[last:]


if __name__ == "__main__":
    raise SystemExit(main())
