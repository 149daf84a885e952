"""The digest's picture: sends and conversions per day for two weeks, and revenue by campaign.

Drawn with matplotlib's Agg canvas on a private `Figure` (never pyplot's global state, so the
scheduler's threads can draw at once) and returned as PNG bytes together with the exact series
that were plotted, so callers and tests can check what the reader sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from io import BytesIO

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

SENDS_COLOUR = "#4C72B0"
CONVERSIONS_COLOUR = "#DD8452"
REVENUE_COLOUR = "#55A868"


@dataclass(frozen=True)
class ChartSeries:
    days: list[date]
    sends: list[int]
    conversions: list[int]
    revenue_by_campaign: dict[str, float]


@dataclass(frozen=True)
class Chart:
    png: bytes
    series: ChartSeries


def digest_chart(series: ChartSeries, title: str = "Nudge: the last 14 days") -> Chart:
    """Render `series` as a two-panel PNG: daily sends (bars) and conversions (line), revenue."""
    buffer = BytesIO()
    digest_figure(series, title).savefig(buffer, format="png")
    return Chart(buffer.getvalue(), series)


def digest_figure(series: ChartSeries, title: str = "Nudge: the last 14 days") -> Figure:
    """The chart as a matplotlib Figure on an Agg canvas (what `digest_chart` saves)."""
    if not len(series.days) == len(series.sends) == len(series.conversions):
        raise ValueError("days, sends and conversions must have one value per day")
    # A fixed layout: constrained layout looks the same here and costs more than the drawing.
    figure = Figure(figsize=(11, 4.6), dpi=100)
    figure.subplots_adjust(left=0.06, right=0.97, bottom=0.2, top=0.86, wspace=0.85)
    FigureCanvasAgg(figure)
    figure.suptitle(title, fontsize=13, fontweight="bold")
    daily, revenue = figure.subplots(1, 2, width_ratios=[3, 2])
    _draw_daily(daily, series)
    _draw_revenue(revenue, series.revenue_by_campaign)
    return figure


def _draw_daily(axes, series: ChartSeries) -> None:
    labels = [day.strftime("%d %b") for day in series.days]
    positions = list(range(len(labels)))
    bars = axes.bar(positions, series.sends, color=SENDS_COLOUR, label="Emails sent")
    axes.set_title("Sends and conversions per day")
    axes.set_xlabel("Day")
    axes.set_ylabel("Emails sent")
    axes.set_xticks(positions, labels, rotation=45, ha="right", fontsize=8)
    # Conversions are a small fraction of sends, so they get their own scale on the right.
    right = axes.twinx()
    (line,) = right.plot(positions, series.conversions, color=CONVERSIONS_COLOUR, marker="o",
                         linewidth=2, label="Conversions (orders)")
    right.set_ylabel("Conversions (orders)")
    right.yaxis.set_major_locator(MaxNLocator(integer=True))
    right.set_ylim(bottom=0, top=max([*series.conversions, 1]) * 1.2)
    axes.set_ylim(bottom=0, top=max([*series.sends, 1]) * 1.15)
    axes.legend(handles=[bars, line], loc="upper left", fontsize=8)


def _draw_revenue(axes, revenue_by_campaign: dict[str, float]) -> None:
    ranked = sorted(revenue_by_campaign.items(), key=lambda item: item[1])
    names = [_short(name) for name, _ in ranked] or ["(no campaigns)"]
    values = [value for _, value in ranked] or [0.0]
    bars = axes.barh(names, values, color=REVENUE_COLOUR, label="Attributed revenue")
    axes.bar_label(bars, labels=[f"{value:,.0f}" for value in values], padding=3, fontsize=8)
    axes.set_title("Revenue by campaign (14 days)")
    axes.set_xlabel("Attributed revenue")
    axes.set_ylabel("Campaign")
    axes.set_xlim(left=0, right=max([*values, 1.0]) * 1.25)
    axes.legend(loc="lower right", fontsize=8)


def _short(name: str, limit: int = 24) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
