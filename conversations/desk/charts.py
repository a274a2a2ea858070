"""Charts as PNG for a phone's screen: the data series first (what tests check), then drawing.

matplotlib is imported only when a chart is drawn, through its object API on the Agg canvas
(no pyplot state, no display), so the bot starts without it and draws from any thread.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from storage.repos.summaries import rate_of

FONT = "DejaVu Sans"  # ships with matplotlib and covers Vietnamese letters with diacritics
SIZE = (9.0, 7.0)  # inches at 100 dpi: 900 x 700 pixels, sharp on a phone
TEXT_PT = 16
LABEL_CHARS = 26  # a longer name is cut, so bars keep their width


@dataclass(frozen=True)
class Bars:
    """Bars with a reference line (the average or a target), all in percent."""

    title: str
    labels: list[str]
    values: list[float]
    line: float | None
    line_label: str


def short(name: str) -> str:
    return name if len(name) <= LABEL_CHARS else name[:LABEL_CHARS - 1] + "\u2026"


def top_and_rest(items: Sequence[tuple[str, int, int]], limit: int,
                 rest_label: str) -> tuple[list[str], list[float]]:
    """(label, relieved, members) to at most `limit` bars, highest rate first; the rest
    become one bar whose rate is their members' together (not an average of rates)."""
    ranked = sorted(items, key=lambda i: (-(rate_of(i[1], i[2]) or 0.0), i[0]))
    shown = ranked if len(ranked) <= limit else ranked[:limit - 1]
    rest = ranked[len(shown):]
    labels = [short(label) for label, _, _ in shown]
    values = [rate_of(relieved, members) or 0.0 for _, relieved, members in shown]
    if rest:
        labels.append(rest_label.format(count=len(rest)))
        values.append(rate_of(sum(r for _, r, _ in rest), sum(m for _, _, m in rest)) or 0.0)
    return labels, values


def draw_bars(bars: Bars, value_format: str = "{:.1f}%") -> bytes:
    """Horizontal bars (long names stay readable) and a dashed reference line."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE, dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(bars.values)))[::-1]  # the first item at the top
    axes.barh(positions, bars.values, color="#c0392b")
    axes.set_yticks(positions, bars.labels, fontsize=TEXT_PT, fontfamily=FONT)
    for y, value in zip(positions, bars.values, strict=True):
        axes.text(value, y, " " + value_format.format(value), va="center", fontsize=TEXT_PT,
                  fontfamily=FONT)
    if bars.line is not None:
        axes.axvline(bars.line, color="#1f4e79", linestyle="--", linewidth=3,
                     label=bars.line_label)
        axes.legend(fontsize=TEXT_PT, prop={"family": FONT, "size": TEXT_PT}, loc="lower right")
    top = max([*bars.values, bars.line or 0.0, 1.0])
    axes.set_xlim(0, top * 1.25)
    axes.tick_params(axis="x", labelsize=TEXT_PT - 2)
    axes.set_title(bars.title, fontsize=TEXT_PT + 4, fontfamily=FONT)
    figure.tight_layout()
    return _png(figure)


@dataclass(frozen=True)
class Months:
    """One value per month (attendance in percent), against a target."""

    title: str
    labels: list[str]
    values: list[float | None]
    target: float | None
    target_label: str


def draw_months(months: Months) -> bytes:
    """Columns per month; a month with no figure shows as a gap, not as zero."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE, dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(months.labels)))
    heights = [v if v is not None else 0.0 for v in months.values]
    colours = ["#c0392b" if v is not None and months.target is not None and v < months.target
               else "#2e7d32" for v in months.values]
    axes.bar(positions, heights, color=colours)
    axes.set_xticks(positions, months.labels, fontsize=TEXT_PT - 2, fontfamily=FONT)
    if months.target is not None:
        axes.axhline(months.target, color="#1f4e79", linestyle="--", linewidth=3,
                     label=months.target_label)
        axes.legend(prop={"family": FONT, "size": TEXT_PT}, loc="lower right")
    axes.set_ylim(0, 105)
    axes.tick_params(axis="y", labelsize=TEXT_PT - 2)
    axes.set_title(months.title, fontsize=TEXT_PT + 4, fontfamily=FONT)
    figure.tight_layout()
    return _png(figure)


def _png(figure: object) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png")  # type: ignore[attr-defined]
    return out.getvalue()
