"""README.md and docs/ cannot drift from the program: every output sample is what its generator
(`tests/docs_samples.py`) produces now, every command shown parses with the real CLI (and runs,
where it can offline), every configuration loads, and a block of none of these kinds fails."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docs_samples import (
    COMPARED_BY,
    CONFIG_LANGS,
    GENERATORS,
    ROOT,
    SHELL_LANGS,
    WRITE_COMMAND,
    Block,
    Session,
    Step,
    Unavailable,
    all_blocks,
    blocks,
    check_config,
    check_shell_line,
    expected,
    inline_commands,
    parse_step,
    regenerated,
    shell_lines,
)

BLOCKS = all_blocks()
SAMPLES = [b for b in BLOCKS if b.generator is not None]
COMMANDS = [(b.where, line) for b in BLOCKS if b.spec is None and b.lang in SHELL_LANGS for line in shell_lines(b.body)]


def first_of_each_command() -> set[str]:
    """The lines that run: the first line of each `digestbot` command (the others only parse, which
    keeps the check fast: `build` runs once, not once per option shown)."""
    first: dict[str, str] = {}
    for _, line in COMMANDS:
        words = [w for w in shlex.split(line, comments=True) if "=" not in w or w.startswith("-")]
        if words[:1] == ["digestbot"]:
            first.setdefault(words[1], line)
    return set(first.values())


RUN = first_of_each_command()
CONFIGS = [b for b in BLOCKS if b.spec is None and b.lang in CONFIG_LANGS]


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """One offline world for the module: the fakes served once, the fixture day built once."""
    with Session(tmp_path_factory.mktemp("docs")) as served:
        yield served


def kind_problems(found: list[Block]) -> list[str]:
    """The blocks that are neither a known sample, an illustration, commands nor configuration."""
    problems = []
    for b in found:
        if b.spec is not None and b.spec.startswith("none"):
            if not re.fullmatch(r"none \(.{10,}\)", b.spec):
                problems.append(f"{b.where}: `sample: none` needs its reason: `<!-- sample: none (why) -->`")
        elif b.generator is not None:
            if b.generator not in GENERATORS:
                problems.append(f"{b.where}: no generator {b.generator!r} in tests/docs_samples.py")
        elif b.lang not in SHELL_LANGS + CONFIG_LANGS:
            problems.append(
                f"{b.where}: an output sample with no generator: mark it `<!-- sample: NAME ARGS -->` "
                "(tests/docs_samples.py), or make it a ```sh, ```toml, ```yaml or ```env block"
            )
    return problems


def test_every_block_is_a_sample_commands_or_configuration() -> None:
    assert len(BLOCKS) > 30 and len(SAMPLES) > 10
    assert kind_problems(BLOCKS) == []


def test_an_unmarked_output_block_is_reported() -> None:
    text = "Intro\n\n```\n$ digestbot topics\nchina-japan\n```\n\n<!-- sample: none (a diagram) -->\n```\na -> b\n```\n"
    found = blocks(ROOT / "docs" / "new.md", text)
    assert [b.line for b in found] == [3, 9]
    problems = kind_problems(found)
    assert len(problems) == 2  # the unmarked block, and the illustration whose reason is too short
    assert problems[0].startswith("docs/new.md:3: an output sample with no generator")


def test_illustrations_without_a_generator_are_few() -> None:
    illustrations = [b.where for b in BLOCKS if b.spec is not None and b.spec.startswith("none")]
    assert len(illustrations) <= len(SAMPLES) // 2, illustrations


@pytest.mark.timeout(180)  # `run-offline` starts the service with no network, on a loaded machine too
@pytest.mark.parametrize("block", SAMPLES, ids=lambda b: b.where)
def test_sample_is_what_the_code_produces_now(block: Block, session: Session) -> None:
    if block.generator in COMPARED_BY:
        pytest.skip(f"compared by {COMPARED_BY[block.generator]}")
    try:
        fresh = expected(block, session)
    except Unavailable as exc:
        pytest.skip(str(exc))
    assert block.body == fresh, f"{block.where} drifted from `{block.spec}`: run `{WRITE_COMMAND}`"


def test_write_puts_back_a_drifted_sample(session: Session) -> None:
    path = ROOT / "docs" / "platforms.md"
    text = path.read_text(encoding="utf-8")
    sample = next(b for b in blocks(path, text) if b.spec == "platform console 2026-02-25")
    drifted = text[: sample.start] + "an old console rendering\n" + text[sample.end :]
    assert regenerated(drifted, path, session) == text


@pytest.mark.parametrize(("where", "line"), COMMANDS, ids=[f"{w} {c[:40]}" for w, c in COMMANDS])
def test_shown_command_is_valid(where: str, line: str, session: Session) -> None:
    assert check_shell_line(line, session if line in RUN else None) is None, where


@pytest.mark.parametrize(("where", "command"), inline_commands(), ids=[w for w, _ in inline_commands()])
def test_inline_command_parses(where: str, command: str) -> None:
    problem = check_shell_line(command, None)
    assert problem is None or "Missing argument" in problem, where  # `digestbot feeds` names the command


def test_the_command_check_sees_wrong_commands(session: Session) -> None:
    assert "does not parse" in (check_shell_line("digestbot sources china-japan 2026-02-25", None) or "")
    assert "does not parse" in (check_shell_line("digestbot build china-japan --colour red", None) or "")
    assert "neither a setting" in (check_shell_line("TELEGRAM_TOKEN=1 digestbot telegram", None) or "")
    assert "exit 2" in (check_shell_line("digestbot build korea-japan", session) or "")
    assert "no make target" in (check_shell_line("make deploy", None) or "")
    assert check_shell_line("digestbot publish china-japan [--date D]", None) is None


@pytest.mark.parametrize("block", CONFIGS, ids=lambda b: b.where)
def test_configuration_loads(block: Block) -> None:
    assert check_config(block) is None


def test_the_configuration_check_sees_wrong_settings_and_topics(tmp_path: Path) -> None:
    env = Block(tmp_path / "x.md", 1, "env", "FETCH_CONNECT_TO=:80:127.0.0.1:1\nFETCH_PROXY=x\n", None, 0, 0)
    assert check_config(env) == "not settings: ['FETCH_PROXY']"
    toml = Block(tmp_path / "x.md", 1, "toml", '[[topics]]\nid = "x"\n', None, 0, 0)
    with pytest.raises(Exception, match="name"):
        check_config(toml)


def test_a_transcript_line_is_read_as_a_shell_reads_it() -> None:
    step = parse_step('TELEGRAM_BOT_TOKEN="1:a b" digestbot doctor | grep telegram   # a comment')
    assert step == Step({"TELEGRAM_BOT_TOKEN": "1:a b"}, ["doctor"], None, "telegram")
    step = parse_step("digestbot build china-japan --date 2026-02-25 > page.md")
    assert step == Step({}, ["build", "china-japan", "--date", "2026-02-25"], "page.md", None)
    with pytest.raises(AssertionError, match="runs `digestbot` commands only"):
        parse_step("rm -rf data")
