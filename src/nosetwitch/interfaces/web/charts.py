"""Server-rendered SVG charts: readable without colour, labelled for screen readers.

Each function returns one `<svg role="img">` string with a `<title>` and a
`<desc>` that says in words what the chart shows. Values are printed as text
(counts in the heat-map cells, numbers beside the forest plot and the remedy
bars), and meaning is carried by shape and pattern as well as colour.
Pure functions: data in, markup out.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from html import escape

from markupsafe import Markup

from nosetwitch.domain.vocabulary import factor_label, factor_unit, lag_words, per_text  # noqa: F401 (the words people read)
from nosetwitch.domain.vocabulary import number_text as _fmt


def _svg(width: int, height: int, title: str, desc: str, body: list[str], css_class: str, role: str = "img") -> Markup:
    """`role="group"` for a chart with links in it (an image's parts cannot be links)."""
    ident = f"c{abs(hash((title, desc, width, css_class))) % 10**8}"
    return Markup(
        f'<svg class="chart {css_class}" viewBox="0 0 {width} {height}" role="{role}" '
        f'aria-labelledby="{ident}t {ident}d" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{ident}t">{escape(title)}</title><desc id="{ident}d">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


# --- calendar heat map ----------------------------------------------------------

HEAT_LEVELS = (0, 1, 3, 6)
"""Lower bounds of the four shades: none, 1-2, 3-5, 6 or more a day."""


def _heat_level(count: int) -> int:
    return max(i for i, bound in enumerate(HEAT_LEVELS) if count >= bound)


def calendar_heatmap(
    counts: Mapping[dt.date, int],
    end: dt.date,
    *,
    weeks: int = 17,
    first_day: dt.date | None = None,
    day_link: str | None = None,
) -> Markup:
    """Weeks as columns (Monday at the top), each day a cell with its count written in it.

    Days before `first_day` (the diary's first record) are outlined and labelled
    "no diary yet", not drawn as days without twitching (an empty diary: pass the day
    after `end`; None: every day counts). `day_link`, a format
    string with `{date}`, makes each day with twitching a link (to that day's records).
    """
    cell, gap, left, top = 26, 3, 34, 22
    first_monday = end - dt.timedelta(days=end.weekday()) - dt.timedelta(weeks=weeks - 1)
    right_labels = left + weeks * (cell + gap) + 4
    width = right_labels + 34  # weekday names on both sides
    height = top + 7 * (cell + gap) + 64
    body = []
    for row, name in enumerate(("Mon", "", "Wed", "", "Fri", "", "Sun")):
        if name:
            label_y = f"{top + row * (cell + gap) + cell * 0.7:.0f}"
            body.append(f'<text class="axis" x="{left - 6}" y="{label_y}" text-anchor="end">{name}</text>')
            body.append(f'<text class="axis" x="{right_labels}" y="{label_y}">{name}</text>')
    shown_months: set[tuple[int, int]] = set()
    total = 0
    busiest: tuple[int, dt.date | None] = (0, None)
    for week in range(weeks):
        monday = first_monday + dt.timedelta(weeks=week)
        x = left + week * (cell + gap)
        if (monday.year, monday.month) not in shown_months and monday.day <= 7 or week == 0:
            shown_months.add((monday.year, monday.month))
            body.append(f'<text class="axis" x="{x}" y="{top - 8}">{monday.strftime("%b")}</text>')
        for row in range(7):
            day = monday + dt.timedelta(days=row)
            if day > end:
                continue
            y = top + row * (cell + gap)
            name = f"{day.strftime('%a')} {day.day} {day.strftime('%b %Y')}"
            if first_day is not None and day < first_day:
                body.append(
                    f'<g><title>{escape(name)}: no diary yet</title>'
                    f'<rect class="heat heatnone" x="{x + 0.5}" y="{y + 0.5}" width="{cell - 1}" height="{cell - 1}" rx="3"/></g>'
                )
                continue
            count = counts.get(day, 0)
            total += count
            if count > busiest[0]:
                busiest = (count, day)
            level = _heat_level(count)
            label = f"{name}: {count} twitch episode{'s' if count != 1 else ''}"
            link = day_link.format(date=day.isoformat()) if day_link and count else None
            body.append(f'<a href="{escape(link)}" aria-label="{escape(label)}, show the records">' if link else f"<g><title>{escape(label)}</title>")
            body.append(f'<rect class="heat heat{level}" x="{x}" y="{y}" width="{cell}" height="{cell}" rx="3"/>')
            if count:
                body.append(f'<text class="cellnum heatnum{level}" x="{x + cell / 2:.1f}" y="{y + cell * 0.68:.1f}" text-anchor="middle">{count}</text>')
            if day == end:
                body.append(f'<rect class="today" x="{x - 1}" y="{y - 1}" width="{cell + 2}" height="{cell + 2}" rx="4"/>')
            body.append("</a>" if link else "</g>")
    legend_y = top + 7 * (cell + gap) + 14
    body.append(f'<text class="axis" x="{left}" y="{legend_y + 12}">Episodes a day:</text>')
    for i, (words, css_level) in enumerate([("none", "0"), ("1–2", "1"), ("3–5", "2"), ("6+", "3")]):
        lx = left + 110 + i * 62
        body.append(f'<rect class="heat heat{css_level}" x="{lx}" y="{legend_y}" width="16" height="16" rx="3"/>')
        body.append(f'<text class="axis" x="{lx + 21}" y="{legend_y + 12}">{words}</text>')
    body.append(f'<rect class="heat heatnone" x="{left + 110.5}" y="{legend_y + 24.5}" width="15" height="15" rx="3"/>')
    body.append(f'<text class="axis" x="{left + 131}" y="{legend_y + 36}">no diary yet</text>')
    days = (end - first_monday).days + 1
    if first_day is not None and first_day > end:
        desc = f"No diary yet in the {days} days up to {end.isoformat()}."
    else:
        since = max(first_day or first_monday, first_monday)
        desc = f"{total} twitch episodes over the {(end - since).days + 1} days up to {end.isoformat()}."
        if since > first_monday:
            desc += f" The diary began on {since.isoformat()}; the days before are marked 'no diary yet'."
    if busiest[1] is not None:
        desc += f" Busiest day: {busiest[1].isoformat()} with {busiest[0]}."
    return _svg(width, height, "Calendar of daily twitch counts", desc, body, f"heatmap heatmap-{weeks}w", role="group" if day_link else "img")


# --- daily counts with a factor overlay ------------------------------------------


def daily_counts_chart(
    counts: Mapping[dt.date, int],
    start: dt.date,
    end: dt.date,
    *,
    factor: str | None = None,
    factor_values: Mapping[dt.date, float] | None = None,
    width: int = 760,
) -> Markup:
    """Bars of episodes per day; the chosen factor as a dashed line with square markers.

    `width` below 500 (a phone's version): the factor's legend goes on a line of its own."""
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    narrow = width < 500
    height = 316 if narrow else 300
    left, right, top, bottom = 44, 58 if factor else 16, 20, 66 if narrow else 48
    plot_w, plot_h = width - left - right, height - top - bottom
    top_count = max([counts.get(d, 0) for d in days] + [1])
    y_max = max(2, math.ceil(top_count * 1.1))
    step = plot_w / max(len(days), 1)
    body = [f'<line class="axisline" x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}"/>']
    for tick in _ticks(0, y_max, 4):
        y = top + plot_h - tick / y_max * plot_h
        body.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}"/>')
        body.append(f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(tick)}</text>')
    body.append(f'<text class="axis" x="12" y="{top + plot_h / 2:.0f}" transform="rotate(-90 12 {top + plot_h / 2:.0f})" text-anchor="middle">episodes</text>')
    for i, day in enumerate(days):
        count = counts.get(day, 0)
        x = left + i * step
        if count:
            h = count / y_max * plot_h
            body.append(
                f'<rect class="bar" x="{x + step * 0.12:.1f}" y="{top + plot_h - h:.1f}" width="{max(step * 0.76, 1):.1f}" height="{h:.1f}">'
                f"<title>{day.isoformat()}: {count} episode{'s' if count != 1 else ''}</title></rect>"
            )
        # month starts, and the first day unless a month starts within the week after it
        if day.day == 1 or (i == 0 and day.day < 25):
            body.append(f'<text class="axis" x="{x:.1f}" y="{top + plot_h + 16}">{day.strftime("%d %b")}</text>')
            body.append(f'<line class="tick" x1="{x:.1f}" y1="{top + plot_h}" x2="{x:.1f}" y2="{top + plot_h + 4}"/>')
    desc = f"Episodes per day from {start.isoformat()} to {end.isoformat()}: {sum(counts.get(d, 0) for d in days)} in all, at most {top_count} on one day."
    # the legend: one line, or two on a narrow chart (the factor's under the bars')
    bars_y = height - 12 - (18 if narrow else 0)
    legend = [f'<rect class="bar" x="{left}" y="{bars_y - 6}" width="14" height="12"/><text class="axis" x="{left + 19}" y="{bars_y + 4}">episodes per day (bars, left scale)</text>']
    if factor and factor_values:
        values = [(i, factor_values[d]) for i, d in enumerate(days) if d in factor_values]
        if values:
            f_max = max(v for _, v in values) or 1.0
            f_max = f_max * 1.1
            points = [(left + i * step + step / 2, top + plot_h - v / f_max * plot_h) for i, v in values]
            body.append('<polyline class="overlay" points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + '"/>')
            unit = factor_unit(factor)
            for (x, y), (i, v) in zip(points, values):
                body.append(f'<rect class="overlaymark" x="{x - 2.5:.1f}" y="{y - 2.5:.1f}" width="5" height="5"><title>{days[i].isoformat()}: {escape(factor_label(factor))} {_fmt(v)} {escape(unit)}</title></rect>')
            for tick in _ticks(0, f_max, 4):
                y = top + plot_h - tick / f_max * plot_h
                body.append(f'<text class="axis overlayaxis" x="{left + plot_w + 6}" y="{y + 4:.1f}">{_fmt(round(tick, 1))}</text>')
            name = f"{factor_label(factor)} ({unit})" if unit else factor_label(factor)
            lx, ly = (left, height - 12) if narrow else (left + 300, height - 12)
            legend.append(
                f'<line class="overlay" x1="{lx}" y1="{ly}" x2="{lx + 30}" y2="{ly}"/>'
                f'<rect class="overlaymark" x="{lx + 12.5}" y="{ly - 2.5}" width="5" height="5"/>'
                f'<text class="axis" x="{lx + 36}" y="{ly + 4}">{escape(name)} (dashed line, right scale)</text>'
            )
            desc += f" {factor_label(factor)} is drawn as a dashed line on {len(values)} days with a check-in."
    body.extend(legend)
    title = "Twitch episodes per day" + (f" with {factor_label(factor).lower()}" if factor else "")
    return _svg(width, height, title, desc, body, "daily")


def _ticks(low: float, high: float, count: int) -> list[float]:
    span = high - low
    if span <= 0:
        return [low]
    raw = span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks, value = [], math.ceil(low / step) * step
    while value <= high + 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


# --- forest plot of associations -------------------------------------------------


_lag_words = lag_words


def forest_plot(associations: Sequence[Mapping]) -> Markup:
    """One row per factor and lag: the rate ratio as a marker, its 95 % interval as a line.

    A filled diamond marks a finding that held up after correcting for the
    number of factors tested; a hollow circle one that did not. The numbers
    are printed at the right of each row.
    """
    rows = [a for a in associations if a.get("rate_ratio") is not None and a.get("ci95")]
    row_h, top, left, right = 30, 30, 200, 190
    width = 760
    height = top + max(len(rows), 1) * row_h + 66
    plot_w = width - left - right
    lows = [max(r["ci95"][0], 1e-3) for r in rows] + [0.5]
    highs = [r["ci95"][1] for r in rows] + [2.0]
    x_lo, x_hi = math.log(min(lows)), math.log(max(highs))
    pad = (x_hi - x_lo) * 0.05
    x_lo, x_hi = x_lo - pad, x_hi + pad

    def x_of(value: float) -> float:
        return left + (math.log(max(value, 1e-3)) - x_lo) / (x_hi - x_lo) * plot_w

    body = [
        '<text class="axis strong" x="8" y="18">Factor (when)</text>',
        f'<text class="axis strong" x="{width - right + 10}" y="18">times as much (likely range)</text>',
    ]
    one = x_of(1.0)
    body.append(f'<line class="refline" x1="{one:.1f}" y1="{top - 6}" x2="{one:.1f}" y2="{top + len(rows) * row_h}"/>')
    for tick in (0.25, 0.5, 0.67, 1.0, 1.5, 2.0, 4.0):
        if math.log(tick) < x_lo or math.log(tick) > x_hi:
            continue
        x = x_of(tick)
        body.append(f'<text class="axis" x="{x:.1f}" y="{top + len(rows) * row_h + 16}" text-anchor="middle">{_fmt(tick)}×</text>')
    base_y = top + len(rows) * row_h + 34
    body.append(f'<text class="axis" x="{left}" y="{base_y}">← less twitching</text>')
    body.append(f'<text class="axis" x="{left + plot_w}" y="{base_y}" text-anchor="end">more twitching →</text>')
    body.append(
        f'<path class="mark sig" d="M{left} {base_y + 12} l5 5 l-5 5 l-5 -5z"/><text class="axis" x="{left + 10}" y="{base_y + 21}">held up after testing many factors</text>'
        f'<circle class="mark nonsig" cx="{left + 265}" cy="{base_y + 17}" r="4.5"/><text class="axis" x="{left + 275}" y="{base_y + 21}">could be chance</text>'
    )
    described = []
    for i, row in enumerate(rows):
        y = top + i * row_h + row_h / 2
        low, high, ratio = row["ci95"][0], row["ci95"][1], row["rate_ratio"]
        label = f"{factor_label(row['factor'])}, {_lag_words(int(row.get('lag_days', 0)))}"
        per = per_text(row["factor"], row.get("per"))
        significant = bool(row.get("significant"))
        if i % 2 == 0:
            body.append(f'<rect class="stripe" x="0" y="{y - row_h / 2:.1f}" width="{width}" height="{row_h}"/>')
        body.append(f'<text class="axis" x="8" y="{y - 1:.1f}">{escape(label)}</text>')
        if per:
            body.append(f'<text class="axis small" x="8" y="{y + 11:.1f}">{escape(per)}</text>')
        body.append(f'<line class="ci {"sig" if significant else "nonsig"}" x1="{x_of(low):.1f}" y1="{y:.1f}" x2="{x_of(high):.1f}" y2="{y:.1f}"/>')
        cx = x_of(ratio)
        text = f"{ratio:.2f} ({low:.2f}–{high:.2f})"
        tip = f"{label}: twitching {text} times as much {per}; {'held up once chance was allowed for' if significant else 'could be chance'}"
        if significant:
            body.append(f'<path class="mark sig" d="M{cx:.1f} {y - 6:.1f} l6 6 l-6 6 l-6 -6z"><title>{escape(tip)}</title></path>')
        else:
            body.append(f'<circle class="mark nonsig" cx="{cx:.1f}" cy="{y:.1f}" r="5"><title>{escape(tip)}</title></circle>')
        body.append(f'<text class="axis" x="{width - right + 10}" y="{y + 4:.1f}">{text}{" *" if significant else ""}</text>')
        described.append(tip)
    if not rows:
        body.append(f'<text class="axis" x="8" y="{top + 18}">Not enough check-ins yet to estimate any association.</text>')
    desc = "Associations between day factors and the daily twitch rate. " + ("; ".join(described) if described else "None estimated yet.")
    return _svg(width, height, "How day factors went with twitching (forest plot)", desc, body, "forest")


# --- remedy effectiveness ------------------------------------------------------------


def remedy_chart(remedies: Sequence[Mapping], names: Mapping[str, str] | None = None) -> Markup:
    """Horizontal bars: share of tries after which the twitching settled, with its interval."""
    names = names or {}
    rows = [r for r in remedies if r.get("tried")]
    row_h, top, left, right = 30, 28, 150, 200
    width = 760
    height = top + max(len(rows), 1) * row_h + 30
    plot_w = width - left - right
    body = []
    for pct in (0, 25, 50, 75, 100):
        x = left + pct / 100 * plot_w
        body.append(f'<line class="grid" x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{top + len(rows) * row_h}"/>')
        body.append(f'<text class="axis" x="{x:.1f}" y="{top - 10}" text-anchor="middle">{pct}%</text>')
    described = []
    for i, row in enumerate(rows):
        y = top + i * row_h
        name = names.get(row["code"], row["code"].replace("_", " ").capitalize())
        rate = row.get("helped_rate")
        helped, tried = row.get("helped", 0), row.get("tried", 0)
        body.append(f'<text class="axis" x="{left - 8}" y="{y + row_h / 2 + 4:.1f}" text-anchor="end">{escape(name)}</text>')
        text = f"{helped} of {tried} helped"
        label = text
        if rate is not None:
            w = rate * plot_w
            body.append(f'<rect class="rbar" x="{left}" y="{y + 6}" width="{w:.1f}" height="{row_h - 12}"><title>{escape(name)}: {text} ({rate:.0%})</title></rect>')
            ci = row.get("ci95")
            if ci:
                x1, x2 = left + ci[0] * plot_w, left + ci[1] * plot_w
                body.append(f'<line class="whisker" x1="{x1:.1f}" y1="{y + row_h / 2:.1f}" x2="{x2:.1f}" y2="{y + row_h / 2:.1f}"/>')
                for xe in (x1, x2):
                    body.append(f'<line class="whisker" x1="{xe:.1f}" y1="{y + 8}" x2="{xe:.1f}" y2="{y + row_h - 8}"/>')
                text += f" ({rate:.0%}, likely between {ci[0]:.0%} and {ci[1]:.0%})"
        # beside the bar the short form; the full one is in the title and the description
        body.append(f'<text class="axis" x="{left + plot_w + 8}" y="{y + row_h / 2 - 2:.1f}">{escape(label)}</text>')
        if rate is not None and row.get("ci95"):
            body.append(f'<text class="axis small" x="{left + plot_w + 8}" y="{y + row_h / 2 + 10:.1f}">{rate:.0%} ({row["ci95"][0]:.0%}–{row["ci95"][1]:.0%})</text>')
        described.append(f"{name}: {text}")
    if not rows:
        body.append(f'<text class="axis" x="8" y="{top + 18}">No remedies logged yet.</text>')
    desc = "How often the twitching settled after each remedy. " + ("; ".join(described) if described else "")
    return _svg(width, height, "Remedies: how often the twitching settled afterwards", desc, body, "remedies")
