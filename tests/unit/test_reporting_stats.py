"""The statistics behind lift and subject tests, against published and hand-worked values."""

import math

import pytest

from tools.reporting.stats import (
    lift_from_counts,
    newcombe_interval,
    split_test,
    two_proportion_z,
    wilson_interval,
)
from tools.reporting.tallies import Tally


def test_wilson_interval_matches_newcombe_1998_example():
    low, high = wilson_interval(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)


@pytest.mark.parametrize(
    "counts, expected",
    [((56, 70, 48, 80), (0.0524, 0.3339)), ((9, 10, 3, 10), (0.1705, 0.8090))],
)
def test_newcombe_interval_matches_his_published_method_10(counts, expected):
    low, high = newcombe_interval(*counts)
    assert (round(low, 4), round(high, 4)) == expected


def test_two_proportion_z_by_hand():
    # pooled p = 130/1000 = 0.13; se = sqrt(0.13 * 0.87 * (1/500 + 1/500)) = 0.021270
    z, p = two_proportion_z(80, 500, 50, 500)
    assert z == pytest.approx(0.06 / math.sqrt(0.13 * 0.87 * 0.004))
    assert round(z, 3) == 2.821 and round(p, 4) == 0.0048
    z, p = two_proportion_z(60, 500, 50, 500)
    assert round(z, 3) == 1.011 and p > 0.05


def test_two_proportion_z_with_nothing_to_compare():
    assert two_proportion_z(0, 0, 3, 10) == (0.0, 1.0)
    assert two_proportion_z(0, 10, 0, 10) == (0.0, 1.0)


def test_lift_is_significant_only_when_the_interval_excludes_zero():
    clear = lift_from_counts(56, 70, 48, 80)
    assert clear.significant and clear.lift == pytest.approx(0.2)
    assert "not significant" not in clear.words and "+20.0 pts" in clear.words
    unclear = lift_from_counts(6, 100, 4, 100)
    assert unclear.ci_low < 0 < unclear.ci_high and not unclear.significant
    assert unclear.words.endswith("not significant yet")


def test_lift_without_a_holdout_says_so():
    empty = lift_from_counts(5, 50, 0, 0)
    assert empty.lift is None and not empty.significant and "holdout" in empty.words


def test_split_test_names_a_winner_only_when_significant():
    a, b = Tally(sent=500, clicks=50), Tally(sent=500, clicks=80)
    won = split_test(1, "clicks", a, b, "Your cart", "Still thinking?")
    assert won.winner == "b" and "B wins on clicks" in won.words
    assert split_test(1, "clicks", b, a).winner == "a"
    close = split_test(1, "clicks", Tally(sent=500, clicks=50), Tally(sent=500, clicks=60))
    assert close.winner is None and "no winner" in close.words
    orders = split_test(2, "conversions", Tally(sent=500, conversions=5), Tally(sent=500, conversions=25))
    assert orders.winner == "b" and orders.metric == "conversions"
