"""The digest's picture: sends and orders per day for two weeks, and revenue by campaign.

Whole-number axes for counts, revenue in the orders' currency, and the period named in the title,
so it can go into a deck as it is.

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
from matplotlib.ticker import FuncFormatter, MaxNLocator, StrMethodFormatter

SENDS_COLOUR = "#4C72B0"
CONVERSIONS_COLOUR = "#DD8452"
REVENUE_COLOUR = "#55A868"
GRID_COLOUR = "#E6E6E6"
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}


@dataclass(frozen=True)
class ChartSeries:
    days: list[date]
    sends: list[int]
    conversions: list[int]
    revenue_by_campaign: dict[str, float]
    currency: str = ""  # ISO 4217 code of the orders' currency; "" when they name none

    @property
    def period(self) -> str:
        """The days covered, in words: "6 Nov to 19 Nov 2026"."""
        if not self.days:
            return "no days"
        first, last = self.days[0], self.days[-1]
        start = f"{first.day} {first:%b}" + ("" if first.year == last.year else f" {first.year}")
        return f"{start} to {last.day} {last:%b %Y}"


@dataclass(frozen=True)
class Chart:
    png: bytes
    series: ChartSeries


def money_label(amount: float, currency: str, cents: bool = True) -> str:
    """"$1,200.50" for known symbols, "CHF 1,200.50" for other codes, "1,200.50" with no currency."""
    number = f"{amount:,.2f}" if cents else f"{amount:,.0f}"
    if currency in SYMBOLS:
        return f"{SYMBOLS[currency]}{number}"
    return f"{currency} {number}" if currency else number


def default_title(series: ChartSeries) -> str:
    return f"Nudge email performance, {series.period} ({len(series.days)} days)"


def digest_chart(series: ChartSeries, title: str | None = None) -> Chart:
    """Render `series` as a two-panel PNG: daily sends (bars) and orders (line), revenue."""
    buffer = BytesIO()
    digest_figure(series, title).savefig(buffer, format="png")
    return Chart(buffer.getvalue(), series)


def digest_figure(series: ChartSeries, title: str | None = None) -> Figure:
    """The chart as a matplotlib Figure on an Agg canvas (what `digest_chart` saves)."""
    if not len(series.days) == len(series.sends) == len(series.conversions):
        raise ValueError("days, sends and conversions must have one value per day")
    # A fixed layout: constrained layout looks the same here and costs more than the drawing.
    figure = Figure(figsize=(11, 4.6), dpi=100)
    figure.subplots_adjust(left=0.075, right=0.97, bottom=0.2, top=0.84, wspace=0.62)
    FigureCanvasAgg(figure)
    figure.suptitle(title or default_title(series), fontsize=13, fontweight="bold")
    daily, revenue = figure.subplots(1, 2, width_ratios=[3, 2])
    _draw_daily(daily, series)
    _draw_revenue(revenue, series)
    return figure


def _tidy(axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.set_axisbelow(True)


def _draw_daily(axes, series: ChartSeries) -> None:
    labels = [f"{day.day} {day:%b}" for day in series.days]
    positions = list(range(len(labels)))
    bars = axes.bar(positions, series.sends, color=SENDS_COLOUR, label="Emails sent")
    axes.set_title("Emails sent and orders per day", fontsize=11)
    axes.set_xlabel("Day")
    axes.set_ylabel("Emails sent")
    axes.set_xticks(positions, labels, rotation=45, ha="right", fontsize=8)
    # Counts of emails and orders are whole numbers: no 0.5 ticks on a quiet fortnight.
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axes.yaxis.grid(True, color=GRID_COLOUR)
    _tidy(axes)
    # Orders are a small fraction of sends, so they get their own scale on the right.
    right = axes.twinx()
    (line,) = right.plot(positions, series.conversions, color=CONVERSIONS_COLOUR, marker="o",
                         linewidth=2, label="Attributed orders")
    right.set_ylabel("Attributed orders")
    right.yaxis.set_major_locator(MaxNLocator(integer=True))
    right.spines["top"].set_visible(False)
    right.set_ylim(bottom=0, top=max([*series.conversions, 1]) * 1.2)
    axes.set_ylim(bottom=0, top=max([*series.sends, 1]) * 1.15)
    axes.legend(handles=[bars, line], loc="upper left", fontsize=8, frameon=False)


def _draw_revenue(axes, series: ChartSeries) -> None:
    ranked = sorted(series.revenue_by_campaign.items(), key=lambda item: item[1])
    names = [_short(name) for name, _ in ranked] or ["(no campaigns)"]
    values = [value for _, value in ranked] or [0.0]
    bars = axes.barh(names, values, color=REVENUE_COLOUR, label="Attributed revenue")
    axes.bar_label(bars, labels=[money_label(value, series.currency) for value in values], padding=3, fontsize=8)
    axes.set_title(f"Attributed revenue by campaign, {len(series.days)} days", fontsize=11)
    axes.set_xlabel(f"Attributed revenue ({series.currency})" if series.currency else "Attributed revenue")
    # The campaign names label the bars; an axis title there would collide with the orders axis.
    axes.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: money_label(value, series.currency, cents=False)))
    axes.xaxis.grid(True, color=GRID_COLOUR)
    _tidy(axes)
    axes.set_xlim(left=0, right=max([*values, 1.0]) * 1.3)


def _short(name: str, limit: int = 22) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
