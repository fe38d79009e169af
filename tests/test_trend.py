"""The coverage trend from the archive, its PNG chart (decoded and measured), and `digestbot trend`."""

from __future__ import annotations

import asyncio
import io
import struct
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.text import Text
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from adapters.chart import (
    DPI,
    FONT,
    LABEL_PX,
    MISSING_COLOR,
    SIDE_COLORS,
    render_trend_png,
    trend_figure,
    write_trend_png,
)
from adapters.site_pages import CHART_SIZE
from bot.cli import app
from digest_core.dates import latest_complete_date
from digest_core.editorial.trend import build_trend, coverage_trend, parse_days
from digest_core.errors import NoDigestsInRange, TrendError
from digest_core.models import Article, Digest
from digest_core.storage.db import create_engine, create_schema
from digest_core.storage.digests import DayCoverage, SqlDigestStore
from digest_core.topics import Topic
from tests.test_store import digest as one_article_digest

END = date(2026, 2, 25)


def archived(day: date, china: int, japan: int, in_window: int = 40, on_topic: int = 20) -> Digest:
    """A digest of `day` with `china` + `japan` articles and the window's counts."""
    base = one_article_digest(day)
    when = datetime(day.year, day.month, day.day, 4, tzinfo=UTC)
    articles = [
        Article(
            title=f"{side} {i}",
            url=f"https://example.com/{side}/{i}",
            outlet=side,
            domain="example.com",
            perspective=side,
            published=when,
            n=k,
        )
        for k, (side, i) in enumerate([("china", i) for i in range(china)] + [("japan", i) for i in range(japan)], 1)
    ]
    return base.model_copy(update={"articles": articles, "in_window": in_window, "on_topic": on_topic})


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def has_colour(pixels: np.ndarray, hex_colour: str, at_least: int = 500) -> bool:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    close = np.all(np.abs(pixels[:, :, :3] - rgb) < 0.02, axis=2)
    return int(close.sum()) >= at_least


async def test_the_archive_counts_articles_per_side_per_day(engine: AsyncEngine, topic: Topic) -> None:
    store = SqlDigestStore(engine)
    await store.save(archived(END, 3, 5, in_window=40, on_topic=10))
    await store.save(archived(END - timedelta(days=2), 0, 2, in_window=0, on_topic=0))
    await store.save(archived(END - timedelta(days=30), 9, 9))  # outside the window asked for
    rows = await store.coverage("china-japan", END - timedelta(days=6), END)
    assert rows == [
        DayCoverage(END - timedelta(days=2), {"japan": 2}, 0, 0),
        DayCoverage(END, {"china": 3, "japan": 5}, 40, 10),
    ]
    trend = await coverage_trend(store, topic, END, 7)
    assert trend.days == [END - timedelta(days=6 - i) for i in range(7)]
    china, japan = trend.sides
    assert (china.name, japan.name) == ("China", "Japan")
    assert china.counts == [None, None, None, None, 0, None, 3]  # 0: a digest without China; None: no digest
    assert japan.counts == [None, None, None, None, 2, None, 5]
    assert trend.share == [None, None, None, None, None, None, 0.25]  # no share without a window count
    assert trend.archived == 2


async def test_no_archived_day_in_the_range_is_an_error(engine: AsyncEngine, topic: Topic) -> None:
    store = SqlDigestStore(engine)
    with pytest.raises(TrendError, match=r"in the 14 days to 2026-02-25: build some first \(digestbot build"):
        await coverage_trend(store, topic, END, 14)
    await store.save(archived(END - timedelta(days=30), 1, 1))
    await store.save(archived(END - timedelta(days=20), 1, 1))
    with pytest.raises(NoDigestsInRange) as caught:
        await coverage_trend(store, topic, END, 14)
    assert str(caught.value) == (
        "no archived digests of china-japan in the 14 days to 2026-02-25; "
        "the latest is 2026-02-05: ask for the days ending then"
    )
    assert caught.value.latest == END - timedelta(days=20)


def test_cli_trend_names_the_latest_older_digest_and_how_to_see_it(
    cli_env: Path, tmp_path: Path, topic: Topic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOW", CLI_NOW.isoformat())
    seed_archive(cli_env, [20, 30], topic)  # 2026-02-09 and 2026-01-30; the default 14 days end 2026-03-01
    out = tmp_path / "c.png"
    result = CliRunner().invoke(app, ["trend", "china-japan", "--output", str(out)])
    assert result.exit_code == 1
    assert result.stderr.strip().endswith(
        "the latest is 2026-02-09: see them with `digestbot trend china-japan --date 2026-02-09`"
    ), result.stderr
    assert not out.exists()


@pytest.mark.parametrize(("text", "days"), [(None, 14), ("1", 1), ("90", 90)])
def test_days_argument(text: str | None, days: int) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize("text", ["0", "91", "-3", "ten", "1.5"])
def test_days_out_of_range_or_not_a_number(text: str) -> None:
    with pytest.raises(TrendError, match="between 1 and 90"):
        parse_days(text)


def test_chart_is_a_png_of_the_asked_size_with_each_sides_colour(topic: Topic, tmp_path: Path) -> None:
    rows = [
        DayCoverage(END - timedelta(days=k), {"china": 2 + k % 5, "japan": 6 - k % 4}, 50, 20 + k)
        for k in range(14)
        if k not in (3, 4)
    ]
    trend = build_trend(topic, END, 14, rows)
    data = render_trend_png(trend)
    assert png_size(data) == (1200, 900)
    path = write_trend_png(trend, tmp_path / "charts" / "china-japan.png", width=800, height=600)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png_size(path.read_bytes()) == (800, 600)
    assert [p.name for p in path.parent.iterdir()] == ["china-japan.png"]  # no temporary file left
    pixels = imread(path)
    assert pixels.shape[:2] == (600, 800)
    assert has_colour(pixels, SIDE_COLORS[0]) and has_colour(pixels, SIDE_COLORS[1])
    assert has_colour(pixels, MISSING_COLOR)  # the two days without a digest have their stubs


def test_a_side_with_no_articles_draws_no_bars(topic: Topic) -> None:
    rows = [DayCoverage(END - timedelta(days=k), {"japan": 4}, 10, 5) for k in range(5)]
    pixels = imread(io.BytesIO(render_trend_png(build_trend(topic, END, 5, rows))))
    assert has_colour(pixels, SIDE_COLORS[1])
    assert not has_colour(pixels, SIDE_COLORS[0], at_least=2000)  # only the legend's swatch
    assert not has_colour(pixels, MISSING_COLOR, at_least=1)  # every day archived: no stub, no legend entry


def drawn_texts(fig: Figure) -> list[Text]:
    """The figure's texts that show: titles, axis labels, legend, and the tick labels of ticks inside
    the axes' limits (matplotlib keeps, but does not draw, labels for ticks beyond them)."""
    tick_labels: list[Text] = []
    shown: list[Text] = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick, loc in zip(axis.get_major_ticks(), axis.get_majorticklocs(), strict=False):
                tick_labels += [tick.label1, tick.label2]
                if lo - 1e-9 <= loc <= hi + 1e-9:
                    shown += [label for label in (tick.label1, tick.label2) if label.get_visible()]
    others = [t for t in fig.findobj(Text) if t.get_visible() and all(t is not label for label in tick_labels)]
    return [t for t in shown + others if t.get_text().strip()]


def test_site_chart_reads_on_a_phone_with_one_day_in_thirty(topic: Topic) -> None:
    """The demo's case: one archived day in the topic page's 30. Its bars show; the 29 missing days
    are short stubs, not a grey block; no two texts overlap; the date labels fit side by side."""
    trend = build_trend(topic, END, 30, [DayCoverage(END, {"china": 3, "japan": 5}, 17, 8)])
    fig = trend_figure(trend, *CHART_SIZE, dpi=DPI)
    png = render_trend_png(trend, *CHART_SIZE, dpi=DPI)
    assert png_size(png) == CHART_SIZE
    pixels = imread(io.BytesIO(png))
    assert has_colour(pixels, SIDE_COLORS[0], at_least=1000) and has_colour(pixels, SIDE_COLORS[1], at_least=1000)
    rgb = np.array([int(MISSING_COLOR[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    grey = int(np.all(np.abs(pixels[:, :, :3] - rgb) < 0.02, axis=2).sum())
    assert 0 < grey < 0.05 * CHART_SIZE[0] * CHART_SIZE[1]  # stubs and a legend swatch, not 29 shaded days

    fig.canvas.draw()  # lays the figure out as saved
    renderer = fig.canvas.get_renderer()
    texts = drawn_texts(fig)
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    overlaps = [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1 :] if box_a.overlaps(box_b)]
    assert overlaps == []
    assert all(box.x0 >= 0 and box.x1 <= CHART_SIZE[0] and box.y0 >= 0 and box.y1 <= CHART_SIZE[1] for _, box in boxes)
    ax = fig.axes[0]
    dates = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert 3 <= len(dates) <= CHART_SIZE[0] // LABEL_PX and dates[-1] == "Feb 25"  # the latest day labelled
    assert "1 of 30 days archived · latest on-topic share 47%" in ax.get_title(loc="left")
    assert ax.get_xticklabels()[0].get_fontsize() == FONT - 2  # 27 px at 150 dpi: 12 CSS px on a 360 px phone


CLI_NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # "now" for the CLI (NOW setting) and for the seeded archive


def seed_archive(data_dir: Path, days_back: list[int], topic: Topic) -> None:
    """Digests ending at the latest complete date at `CLI_NOW` (what the CLI charts by default)."""
    end = latest_complete_date(topic, CLI_NOW)

    data_dir.mkdir(parents=True, exist_ok=True)

    async def save() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{data_dir / 'digestbot.db'}")
        await create_schema(engine)
        store = SqlDigestStore(engine)
        for k in days_back:
            await store.save(archived(end - timedelta(days=k), 2 + k, 3))
        await engine.dispose()

    asyncio.run(save())


def test_cli_writes_the_chart(cli_env: Path, tmp_path: Path, topic: Topic, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOW", CLI_NOW.isoformat())
    seed_archive(cli_env, [0, 1, 3], topic)
    out = tmp_path / "out" / "chart.png"
    result = CliRunner().invoke(app, ["trend", "china-japan", "--days", "7", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 of 7 days archived" in result.stderr
    assert png_size(out.read_bytes()) == (1200, 900)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["trend", "korea-japan"], 2, "Unknown topic 'korea-japan'"),
        (["trend", "china-japan", "--days", "0"], 2, "days must be between 1 and 90, not 0"),
        (["trend", "china-japan", "--days", "91"], 2, "days must be between 1 and 90, not 91"),
        (["trend", "china-japan"], 1, "no archived digests of china-japan in the 14 days to "),
        (["trend", "china-japan", "--date", "2026-02-30"], 2, "No such date '2026-02-30'"),
        (["trend", "china-japan", "--date", "2026-01-31"], 1, "in the 14 days to 2026-01-31"),
    ],
)
def test_cli_errors_are_one_line(cli_env: Path, tmp_path: Path, args: list[str], code: int, message: str) -> None:
    out = tmp_path / "chart.png"
    result = CliRunner().invoke(app, [*args, "--output", str(out)])
    assert result.exit_code == code
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert not out.exists()
