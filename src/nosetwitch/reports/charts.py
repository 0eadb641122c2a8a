"""The report's charts as PNG bytes (matplotlib, no pyplot, no global state).

Each function takes plain numbers from `ReportContent` and returns a PNG at
print resolution; sizes are in inches so the PDF can place them at their
natural width. Colours are calm; grey-scale printing still reads (markers and
line styles differ, not only hues).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, DateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from nosetwitch.domain.models import Site

_DPI = 150
_BAR = "#5b8db8"
_LINE = "#c2571a"
_INK = "#333333"


def _dates(values: Sequence[dt.date | dt.datetime]) -> Any:
    """Dates or times as x values. matplotlib converts them through its date units; its
    type stubs list only numbers, so the type checker is told nothing about these."""
    return values


def _integer_ticks(ax: Axes) -> None:
    locator = ax.yaxis.get_major_locator()
    if isinstance(locator, MaxNLocator):  # the default AutoLocator is one
        locator.set_params(integer=True)


def _figure(width_in: float, height_in: float) -> Figure:
    fig = Figure(figsize=(width_in, height_in), dpi=_DPI, layout="constrained")
    return fig


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()


def _style(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=7, colors=_INK)
    ax.yaxis.label.set_fontsize(7)
    ax.xaxis.label.set_fontsize(7)


def _date_axis(ax: Axes, days: list[dt.date]) -> None:
    if len(days) <= 31:
        ax.set_xticks(_dates(days[:: max(1, len(days) // 14)]))
        ax.xaxis.set_major_formatter(DateFormatter("%d %b"))
    else:
        ax.xaxis.set_major_locator(AutoDateLocator(maxticks=10))
        ax.xaxis.set_major_formatter(DateFormatter("%b %Y" if len(days) > 120 else "%d %b"))
    for label in ax.get_xticklabels():
        label.set_rotation(0)
        label.set_horizontalalignment("center")


def daily_counts(days: list[dt.date], counts: list[int], rolling: list[float]) -> bytes:
    """Bars per day with the 7-day average as a line."""
    fig = _figure(7.2, 1.9)
    ax = fig.add_subplot()
    ax.bar(_dates(days), counts, width=0.8 if len(days) <= 60 else 1.0, color=_BAR, label="episodes that day")
    ax.plot(_dates(days), rolling, color=_LINE, linewidth=1.6, linestyle="--", label="7-day average")
    ax.set_ylabel("episodes")
    ax.set_ylim(0, max([*counts, *rolling, 1]) * 1.15)
    _integer_ticks(ax)
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    _date_axis(ax, days)
    _style(ax)
    return _png(fig)


def site_matrix(days: list[dt.date], matrix: dict[Site, list[int]]) -> bytes:
    """A site x day dot matrix: one row per site that occurred, dot size = episodes."""
    rows = [site for site, counts in matrix.items() if any(counts)] or [Site.NOSE]
    fig = _figure(7.2, 0.45 + 0.24 * len(rows))
    ax = fig.add_subplot()
    peak = max((max(matrix[site]) for site in rows), default=1) or 1
    scale = min(1.0, 30 / len(days))  # smaller dots when many days share the width
    for y, site in enumerate(rows):
        xs = [day for day, count in zip(days, matrix[site]) if count]
        sizes = [scale * (10 + 60 * count / peak) for count in matrix[site] if count]
        colour = _BAR if site is Site.NOSE else _LINE
        ax.scatter(_dates(xs), [y] * len(xs), s=sizes, color=colour, marker="o" if site is Site.NOSE else "s", linewidths=0)
    ax.set_yticks(range(len(rows)), [site.value for site in rows])
    ax.set_ylim(-0.6, len(rows) - 0.4)
    # Half a day of margin each side (date arithmetic would drop the fraction, so use datetimes).
    ax.set_xlim(_dates([dt.datetime.combine(days[0], dt.time(0)) - dt.timedelta(hours=12), dt.datetime.combine(days[-1], dt.time(12))]))
    ax.grid(axis="y", color="#dddddd", linewidth=0.5)
    _date_axis(ax, days)
    _style(ax)
    return _png(fig)


def duration_and_hours(durations_s: list[float], by_hour: list[int]) -> bytes:
    """Two small panels: how long episodes lasted, and at which hour they started."""
    fig = _figure(7.2, 1.7)
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.4])
    edges = [0, 5, 15, 30, 60, 120, 300, float("inf")]
    labels = ["<5s", "5-15s", "15-30s", "30-60s", "1-2min", "2-5min", ">5min"]
    counts = [sum(1 for d in durations_s if low <= d < high) for low, high in zip(edges, edges[1:])]
    left.bar(labels, counts, color=_BAR)
    left.set_title("duration", fontsize=8)
    left.tick_params(axis="x", labelrotation=30)
    right.bar(range(24), by_hour, color=_BAR)
    right.set_xticks(range(0, 24, 3), [f"{h:02d}h" for h in range(0, 24, 3)])
    right.set_title("hour of day it started (local time)", fontsize=8)
    for ax in (left, right):
        _integer_ticks(ax)
        _style(ax)
    return _png(fig)


def symptom_timeline(start: dt.date, end: dt.date, tz: dt.tzinfo, symptoms: list[dict[str, Any]]) -> bytes:
    """One row per symptom code; a bar from start to end (arrow when still going)."""
    codes = list(dict.fromkeys(s["code"] for s in symptoms))
    fig = _figure(7.2, 0.5 + 0.26 * len(codes))
    ax = fig.add_subplot()
    left = dt.datetime.combine(start, dt.time(0), tzinfo=tz)
    right = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    for symptom in symptoms:
        y = codes.index(symptom["code"])
        begin = max(symptom["start"].astimezone(tz), left)
        finish = min((symptom["end"] or right).astimezone(tz), right)
        width = max((finish - begin).total_seconds() / 86400, 0.15)
        colour = _LINE if symptom["onset"] == "sudden" else _BAR
        ax.barh(y, width, left=begin, height=0.5, color=colour)
        if symptom["end"] is None:  # still present: an arrow head at the right edge
            ax.plot(_dates([finish]), [y], marker=">", color=colour, markersize=6, clip_on=False)
    ax.set_yticks(range(len(codes)), [code.replace("_", " ") for code in codes])
    ax.set_xlim(_dates([left, right]))
    ax.set_ylim(-0.6, len(codes) - 0.4)
    days = [start + dt.timedelta(days=k) for k in range((end - start).days + 1)]
    _date_axis(ax, days)
    _style(ax)
    return _png(fig)
