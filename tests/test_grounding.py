"""Grounded Gemini: every sentence's names and figures are in the articles it cites; an invented
figure is caught, repaired once in one more call, else replaced by the extractive sentence."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import Settings
from bot.wiring import make_summarizer
from digest_core.dates import digest_window
from digest_core.editorial.pipeline import build_digest
from digest_core.editorial.select import select_articles
from digest_core.gemini.summarizer import GeminiSummarizer
from digest_core.models import Grounding
from digest_core.summarize import Summarizer, SummaryRequest
from digest_core.summarize.base import validate_summary
from digest_core.summarize.grounding import failures, model_sentences, ungrounded
from digest_core.topics import Topic, load_topics
from testkit.fakes.gemini import INVENTED, GeminiFake
from tests.digests import FixtureSource
from tests.labels import article_at, day_articles

KEY = "test-key-grounding"
TOPIC = load_topics().get("china-japan")


@pytest.fixture
def request_(topic: Topic) -> SummaryRequest:
    selection = select_articles(day_articles(topic, "2026-01-07"), topic, digest_window(topic, date(2026, 1, 7)))
    return SummaryRequest(topic, selection.articles, selection.stories)


def summarizer(base: str, grounding_repair: bool = True) -> GeminiSummarizer:
    return GeminiSummarizer(
        api_key=KEY, model="gemini-2.5-flash-lite", backoff=0.01, base_url=base, grounding_repair=grounding_repair
    )


def texts(summary_sentences: list) -> str:
    return " ".join(s.text for s in summary_sentences)


def test_names_and_figures_must_be_in_the_cited_text(topic: Topic) -> None:
    lead = "China added 40 Japanese entities, including Mitsubishi Heavy Industries, to its export control list."
    article = article_at("China curbs exports to Japanese firms", "China Daily", "china", 1).model_copy(
        update={"lead": lead, "n": 1}
    )
    assert ungrounded("Beijing listed 40 Japanese entities, Mitsubishi Heavy among them.", [article], topic) == []
    assert ungrounded("China listed 45 entities.", [article], topic) == ["45"]
    assert ungrounded("China listed firms, Kawasaki among them.", [article], topic) == ["Kawasaki"]
    assert ungrounded("Xi Jinping approved the list.", [article], topic) == ["Xi", "Jinping"]
    assert ungrounded("The list names 40 firms.", [article], topic) == []  # "The" opens a sentence: no name
    assert ungrounded("China Daily says 40 entities were listed.", [article], topic) == []  # its own outlet
    assert ungrounded("Forty entities were listed.", [article], topic) == []
    seven = article.model_copy(update={"lead": "Beijing named seven firms."})
    assert ungrounded("China named 7 firms.", [seven], topic) == []  # a number word is the figure


@settings(max_examples=60, deadline=None)
@given(figure=st.integers(min_value=0, max_value=10**7).filter(lambda f: f != 40))
def test_any_figure_the_articles_do_not_give_is_caught(figure: int) -> None:
    article = article_at("China lists 40 Japanese entities", "Global Times", "china", 1).model_copy(update={"n": 1})
    assert str(figure) in ungrounded(f"China listed {figure:,} entities.", [article], TOPIC)


async def test_an_invented_figure_is_caught_and_repaired_in_one_more_call(
    gemini: tuple[GeminiFake, str], request_: SummaryRequest
) -> None:
    fake, base = gemini
    fake.script = ["invented"]
    summary = await summarizer(base).summarize(request_)
    assert len(fake.requests) == 2  # the answer, then one repair for every failing sentence together
    repair = fake.requests[1]["body"]["contents"]
    assert [c["role"] for c in repair] == ["user", "model", "user"]
    asked = repair[2]["parts"][0]["text"]
    assert "55" in asked and "Osaka" in asked
    assert INVENTED not in texts(model_sentences(summary, request_))
    assert summary.stories[0].title == "Outlets report the story"
    assert failures(summary, request_) == {}
    assert validate_summary(summary, request_) == []
    assert summary.grounding == Grounding(checked=len(model_sentences(summary, request_)), repaired=2, replaced=0)


async def test_a_sentence_still_invented_after_the_repair_is_replaced_by_the_extractive_one(
    gemini: tuple[GeminiFake, str], request_: SummaryRequest
) -> None:
    fake, base = gemini
    fake.script = ["invented", "unfixed"]
    summary = await summarizer(base).summarize(request_)
    assert len(fake.requests) == 2
    said = texts(model_sentences(summary, request_))
    assert "55" not in said and "Osaka" not in said
    assert summary.stories[0].title == ""  # the offline neutral title takes its place
    first = summary.highlights[0]
    assert first.text.rstrip(".") in {a.title.rstrip(".") for a in request_.articles}  # an extractive sentence
    assert summary.grounding is not None
    assert (summary.grounding.repaired, summary.grounding.replaced) == (0, 2)


async def test_without_a_spare_call_an_invented_sentence_is_replaced_at_once(
    gemini: tuple[GeminiFake, str], request_: SummaryRequest
) -> None:
    fake, base = gemini
    fake.script = ["invented"]
    summary = await summarizer(base, grounding_repair=False).summarize(request_)
    assert len(fake.requests) == 1
    assert "Osaka" not in texts(model_sentences(summary, request_))
    assert summary.grounding is not None
    assert (summary.grounding.repaired, summary.grounding.replaced) == (0, 2)


async def test_a_grounded_answer_is_counted_and_kept(gemini: tuple[GeminiFake, str], request_: SummaryRequest) -> None:
    fake, base = gemini
    summary = await summarizer(base).summarize(request_)
    assert len(fake.requests) == 1
    assert summary.grounding is not None
    assert summary.grounding.checked == len(model_sentences(summary, request_)) >= 5
    assert (summary.grounding.repaired, summary.grounding.replaced) == (0, 0)


async def test_the_digest_records_the_counts(gemini: tuple[GeminiFake, str], topic: Topic) -> None:
    fake, base = gemini
    fake.script = ["invented", "unfixed"]
    now = datetime(2026, 1, 7, 6, tzinfo=UTC)
    digest = await build_digest(topic, date(2026, 1, 7), FixtureSource("2026-01-07"), summarizer(base), now)
    assert digest.grounding is not None
    assert digest.grounding.replaced == 2
    assert digest.stories[0].title and "Osaka" not in digest.stories[0].title
    assert "Osaka" not in " ".join(b.text for b in digest.highlights)


def production(base: str, monkeypatch: pytest.MonkeyPatch) -> Summarizer:
    """The summarizer `bot.wiring` wires from the settings, pointed at the fake Gemini."""
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", base)
    return make_summarizer(Settings())


@pytest.mark.parametrize(
    ("script", "repaired", "replaced"),
    [(["invented"], 2, 0), (["invented", "unfixed"], 0, 2)],
    ids=["repaired", "replaced"],
)
async def test_production_repairs_an_invented_figure_once_else_replaces_it(
    gemini: tuple[GeminiFake, str],
    request_: SummaryRequest,
    monkeypatch: pytest.MonkeyPatch,
    script: list[str | int],
    repaired: int,
    replaced: int,
) -> None:
    fake, base = gemini
    fake.script = list(script)
    summary = await production(base, monkeypatch).summarize(request_)
    assert len(fake.requests) == 2  # the answer, then the grounding repair
    assert "FIX>>>" not in fake.requests[0]["body"]["contents"][-1]["parts"][0]["text"]
    assert "FIX>>>" in fake.requests[1]["body"]["contents"][-1]["parts"][0]["text"]
    said = texts(model_sentences(summary, request_))
    assert "55" not in said and "Osaka" not in said
    assert summary.grounding is not None
    assert (summary.grounding.repaired, summary.grounding.replaced) == (repaired, replaced)
    assert summary.grounding.checked >= len(model_sentences(summary, request_)) >= 7


async def test_production_makes_no_structural_repair_call(
    gemini: tuple[GeminiFake, str], request_: SummaryRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, base = gemini
    fake.script = ["invalid"]
    summary = await production(base, monkeypatch).summarize(request_)
    assert len(fake.requests) == 1  # an invalid answer falls back to the extractive summary
    assert summary.note and summary.note.startswith("gemini failed: invalid answer after one answer (no repair)")


@pytest.mark.parametrize(
    ("script", "repaired", "replaced"),
    [(["invented"], 2, 0), (["invented", "unfixed"], 0, 2)],
    ids=["repaired", "replaced"],
)
def test_the_cli_prints_the_counts_in_its_stats_and_explain(
    cli_env: Path,
    gemini: tuple[GeminiFake, str],
    monkeypatch: pytest.MonkeyPatch,
    script: list[str | int],
    repaired: int,
    replaced: int,
) -> None:
    fake, base = gemini
    fake.script = ["valid", "valid", *script]  # explain: the editor; build: the editor, the summary, its repair
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", base)
    result = CliRunner().invoke(app, ["build", "china-japan", "-d", "2026-01-07", "-f", "json", "--explain"])
    assert result.exit_code == 0, result.stderr
    assert len(fake.requests) == 4  # the explain step's editor call; the build's editor, summary and repair calls
    doc = json.loads(result.stdout)
    assert (doc["grounding"]["repaired"], doc["grounding"]["replaced"]) == (repaired, replaced)
    checked = doc["grounding"]["checked"]
    counts = f"{checked} sentences checked, {repaired} repaired, {replaced} replaced"
    assert f"summarizer gemini ({counts})" in result.stderr
    assert f"grounding: {counts}" in result.stderr
    assert "Osaka" not in result.stdout
