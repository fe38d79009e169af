"""The coverage chart as a PNG, drawn offline with matplotlib's Agg backend (no display, no pyplot).

Made to be read on a phone: 1200x900 pixels by default (the site's is smaller with the same type,
`site_pages.CHART_SIZE`), large type, labelled axes, one colour per side (the site's palette) with
a legend, and the on-topic share as a dashed line on its own axis, its latest value in the
subtitle. A day without an archived digest is a short grey stub on the baseline, in the legend.
"""

from __future__ import annotations

import io
import math
from datetime import date
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from adapters.output_files import check_output_file, write_file_atomically
from digest_core.editorial.trend import Trend

SIDE_COLORS = ("#c2410c", "#1d4ed8", "#047857", "#7c3aed", "#b45309", "#be185d")  # site.css --p1.. and more
SHARE_COLOR = "#1d1d1f"
MISSING_COLOR = "#b9b5ad"  # the short stub of a day without an archived digest
MUTED = "#5b5b63"
WIDTH = 1200
HEIGHT = 900
DPI = 150
FONT = 15  # points at 150 dpi: about 31 pixels, readable when the picture is shrunk to a phone's width
STUB = 0.035  # height of a missing day's stub, as a share of the axis
LABEL_PX = 170  # pixels of width per date label ("Feb 25" and room around it): fewer labels on narrow charts


def _label_step(days: list[date], width: int) -> int:
    """How many days between date labels, so that they fit side by side (the year is in the subtitle)."""
    return max(1, math.ceil(len(days) / max(2, width // LABEL_PX)))


def trend_figure(trend: Trend, width: int = WIDTH, height: int = HEIGHT, dpi: float | None = None) -> Figure:
    """The chart as a matplotlib figure of `width` x `height` pixels. Type is sized by `dpi` (by
    default scaled with the picture); matplotlib's constrained layout keeps titles, labels and the
    legend from overlapping."""
    dpi = dpi or DPI * min(width / WIDTH, height / HEIGHT)
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, facecolor="white", layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    x = date2num(trend.days)
    n_sides = max(1, len(trend.sides))
    width_each = 0.84 / n_sides
    top = max([c or 0 for s in trend.sides for c in s.counts] + [1]) * 1.12
    for i, side in enumerate(trend.sides):
        offsets = x - 0.42 + width_each * (i + 0.5)
        heights = [c if c is not None else 0 for c in side.counts]
        ax.bar(offsets, heights, width=width_each, color=SIDE_COLORS[i % len(SIDE_COLORS)], label=side.name, zorder=3)
    missing = [d for d, c in zip(x, trend.sides[0].counts, strict=True) if c is None] if trend.sides else []
    if missing:  # a short grey stub on the baseline: the day is there, its digest is not
        ax.bar(missing, [top * STUB] * len(missing), width=0.84, color=MISSING_COLOR, zorder=2, lw=0)

    ax.set_xlim(x[0] - 0.6, x[-1] + 0.6)
    ax.set_ylabel("Articles per day", fontsize=FONT)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.set_ylim(0, top)
    ticks = x[::-1][:: _label_step(trend.days, width)][::-1]  # the latest day always labelled
    ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(DateFormatter("%b %-d"))
    for tick, label in zip(ticks, ax.get_xticklabels(), strict=True):  # the ends' labels stay inside the axes,
        if tick == x[-1]:  # clear of the percentages at the right and the counts at the left
            label.set_horizontalalignment("right")
        elif tick == x[0]:
            label.set_horizontalalignment("left")
    ax.tick_params(labelsize=FONT - 2)
    ax.grid(axis="y", color="#dcd9d2", zorder=0)
    ax.spines[["top"]].set_visible(False)

    share_ax = ax.twinx()
    shares = [s * 100 if s is not None else math.nan for s in trend.share]
    share_ax.plot(
        x,
        shares,
        color=SHARE_COLOR,
        linestyle="--",
        linewidth=2.5,
        marker="o" if len(x) <= 31 else None,
        markeredgecolor="white",
        markersize=8,
        label="On-topic share (right)",
        zorder=4,
    )
    share_ax.set_ylim(0, 105)
    share_ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    share_ax.set_ylabel("On-topic share", fontsize=FONT)
    share_ax.tick_params(labelsize=FONT - 2)
    share_ax.spines[["top"]].set_visible(False)

    known = [s for s in shares if not math.isnan(s)]
    latest = f" · latest on-topic share {known[-1]:.0f}%" if known else ""
    span = f"{trend.start:%b %-d} – {trend.end:%b %-d, %Y}"
    fig.suptitle(trend.topic_name, fontsize=FONT + 5, fontweight="bold", x=0.02, ha="left")
    ax.set_title(
        f"Articles per side per day, {span}\n{trend.archived} of {len(trend.days)} days archived{latest}",
        fontsize=FONT - 3,
        color=MUTED,
        loc="left",
    )
    handles, labels = ax.get_legend_handles_labels()
    more_handles, more_labels = share_ax.get_legend_handles_labels()
    handles, labels = handles + more_handles, labels + more_labels
    if missing:
        handles.append(Patch(color=MISSING_COLOR))
        labels.append("No digest archived")
    fig.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=FONT - 2, frameon=False)
    return fig


def render_trend_png(trend: Trend, width: int = WIDTH, height: int = HEIGHT, dpi: float | None = None) -> bytes:
    """The chart as PNG bytes of exactly `width` x `height` pixels (`trend_figure`)."""
    fig = trend_figure(trend, width, height, dpi)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, facecolor="white")
    return buffer.getvalue()


def write_trend_png(
    trend: Trend, path: Path, width: int = WIDTH, height: int = HEIGHT, dpi: float | None = None
) -> Path:
    """Write the chart to `path` atomically (a temporary file, then a rename); returns `path`.
    `OutputPathError` if `path` is not (or cannot be) a regular file."""
    check_output_file(path)
    return write_file_atomically(path, render_trend_png(trend, width, height, dpi))
