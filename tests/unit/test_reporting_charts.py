"""The digest chart: a real PNG, with titles, axis labels, legends and exactly the given series."""

import struct
from datetime import date, timedelta

import pytest

from tools.reporting.charts import ChartSeries, digest_chart, digest_figure

DAYS = [date(2026, 11, 6) + timedelta(days=n) for n in range(14)]
SERIES = ChartSeries(DAYS, sends=list(range(100, 1500, 100)), conversions=[n % 4 for n in range(14)],
                     revenue_by_campaign={"Abandoned cart": 1200.0, "Winter sale": 300.5}, currency="EUR")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_chart_is_a_png_of_the_expected_size():
    chart = digest_chart(SERIES)
    assert png_size(chart.png) == (1100, 460)
    assert len(chart.png) > 10_000 and chart.png.endswith(b"IEND\xaeB`\x82")
    assert chart.series == SERIES


def test_figure_plots_exactly_the_series_with_titles_labels_and_legends():
    figure = digest_figure(SERIES)
    daily, revenue, conversions = figure.axes
    assert figure._suptitle.get_text() == "Nudge email performance, 6 Nov to 19 Nov 2026 (14 days)"
    assert daily.get_title() == "Emails sent and orders per day"
    assert (daily.get_xlabel(), daily.get_ylabel()) == ("Day", "Emails sent")
    assert [bar.get_height() for bar in daily.patches] == SERIES.sends
    assert list(conversions.lines[0].get_ydata()) == SERIES.conversions
    assert conversions.get_ylabel() == "Attributed orders"
    assert [t.get_text() for t in daily.get_legend().get_texts()] == ["Emails sent", "Attributed orders"]
    assert [label.get_text() for label in daily.get_xticklabels()][0] == "6 Nov"
    assert revenue.get_title() == "Attributed revenue by campaign, 14 days"
    assert revenue.get_xlabel() == "Attributed revenue (EUR)"
    assert [t.get_text() for t in revenue.texts] == ["€300.50", "€1,200.00"]
    assert [bar.get_width() for bar in revenue.patches] == [300.5, 1200.0]
    assert [t.get_text() for t in revenue.get_yticklabels()] == ["Winter sale", "Abandoned cart"]


def test_an_empty_fortnight_still_draws():
    empty = ChartSeries(DAYS, [0] * 14, [0] * 14, {})
    assert png_size(digest_chart(empty).png) == (1100, 460)


def test_series_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="one value per day"):
        digest_chart(ChartSeries(DAYS, [1, 2], [0] * 14, {}))


def test_counts_have_whole_number_ticks_and_money_its_currency():
    """A quiet fortnight (0 to 3 emails a day) must not show 0.5-email ticks."""
    quiet = ChartSeries(DAYS, [n % 4 for n in range(14)], [n % 2 for n in range(14)], {"Cart": 59.0}, "USD")
    figure = digest_figure(quiet)
    figure.canvas.draw()
    daily, revenue, conversions = figure.axes
    for axes in (daily, conversions):
        ticks = [tick for tick in axes.get_yticks() if axes.get_ylim()[0] <= tick <= axes.get_ylim()[1]]
        assert ticks and all(float(tick).is_integer() for tick in ticks), ticks
    assert [t.get_text() for t in revenue.get_xticklabels()][:2] == ["$0", "$20"]
    assert [t.get_text() for t in revenue.texts] == ["$59.00"]
    assert digest_figure(ChartSeries(DAYS, [0] * 14, [0] * 14, {})).axes[1].get_xlabel() == "Attributed revenue"
