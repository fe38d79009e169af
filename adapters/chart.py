"""The coverage chart as a PNG, drawn offline with matplotlib's Agg backend (no display, no pyplot).

Made to be read on a phone: 1200x900 pixels by default, large type, labelled axes, one colour per
side (the site's palette) with a legend, and the on-topic share as a dashed line on its own axis,
its latest value written next to it. Days without an archived digest are shaded and labelled.
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
MISSING_COLOR = "#e7e5e0"
WIDTH = 1200
HEIGHT = 900
DPI = 150
FONT = 15  # points at 150 dpi: about 31 pixels, readable when the picture is shrunk to a phone's width


def _label_step(days: list[date]) -> int:
    """How many days between date labels, so that at most 8 show (the year is in the subtitle)."""
    return max(1, math.ceil(len(days) / 8))


def render_trend_png(trend: Trend, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """The chart as PNG bytes of exactly `width` x `height` pixels."""
    dpi = DPI * min(width / WIDTH, height / HEIGHT)  # type and lines scale with the picture
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    x = date2num(trend.days)
    n_sides = max(1, len(trend.sides))
    width_each = 0.8 / n_sides
    for i, side in enumerate(trend.sides):
        offsets = x - 0.4 + width_each * (i + 0.5)
        heights = [c if c is not None else 0 for c in side.counts]
        ax.bar(offsets, heights, width=width_each, color=SIDE_COLORS[i % len(SIDE_COLORS)], label=side.name, zorder=3)
    missing = [d for d, c in zip(x, trend.sides[0].counts, strict=True) if c is None] if trend.sides else []
    for d in missing:
        ax.axvspan(d - 0.5, d + 0.5, color=MISSING_COLOR, zorder=0, lw=0)

    ax.set_xlim(x[0] - 0.6, x[-1] + 0.6)
    ax.set_ylabel("Articles in the digest", fontsize=FONT)
    ax.set_xlabel("Digest date", fontsize=FONT)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max([c or 0 for s in trend.sides for c in s.counts] + [1]) * 1.15)
    ax.set_xticks(x[::-1][:: _label_step(trend.days)][::-1])  # the latest day always labelled
    ax.xaxis.set_major_formatter(DateFormatter("%b %d"))
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
        label="On-topic share (right axis)",
        zorder=4,
    )
    share_ax.set_ylim(0, 105)
    share_ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    share_ax.set_ylabel("On-topic share", fontsize=FONT)
    share_ax.tick_params(labelsize=FONT - 2)
    share_ax.spines[["top"]].set_visible(False)
    known = [(xi, s) for xi, s in zip(x, shares, strict=True) if not math.isnan(s)]
    if known:
        last_x, last = known[-1]
        share_ax.annotate(
            f"{last:.0f}% on-topic",
            (last_x, last),
            xytext=(0, 14),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=FONT - 1,
            fontweight="bold",
            color=SHARE_COLOR,
            zorder=5,
            bbox={"boxstyle": "round,pad=0.25", "facecolor": "white", "edgecolor": "none", "alpha": 0.9},
        )

    span = f"{trend.start:%b %d} – {trend.end:%b %d, %Y}"
    fig.suptitle(trend.topic_name, fontsize=FONT + 5, fontweight="bold", x=0.03, ha="left", y=0.975)
    fig.text(
        0.03,
        0.905,
        f"Articles per side per day · {span} · {trend.archived} of {len(trend.days)} days archived",
        fontsize=FONT - 3,
        color="#5b5b63",
        ha="left",
    )
    handles, labels = ax.get_legend_handles_labels()
    more_handles, more_labels = share_ax.get_legend_handles_labels()
    handles, labels = handles + more_handles, labels + more_labels
    if missing:
        handles.append(Patch(color=MISSING_COLOR))
        labels.append("No digest archived")
    fig.legend(
        handles, labels, loc="lower center", ncol=2, fontsize=FONT - 2, frameon=False, bbox_to_anchor=(0.5, 0.005)
    )
    rows = math.ceil(len(labels) / 2)
    fig.subplots_adjust(left=0.11, right=0.89, top=0.86, bottom=0.14 + 0.052 * rows)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


def write_trend_png(trend: Trend, path: Path, width: int = WIDTH, height: int = HEIGHT) -> Path:
    """Write the chart to `path` atomically (a temporary file, then a rename); returns `path`.
    `OutputPathError` if `path` is not (or cannot be) a regular file."""
    check_output_file(path)
    return write_file_atomically(path, render_trend_png(trend, width, height))
