"""Dates a marketer names after "since": retail days (computed here), public holidays (the
`holidays` package) and any other past date (`dateparser`), always the most recent one.

Mutation tried: `named_date` returning None after the month-day grammar (no holidays, no
dateparser) fails every case but Black Friday and the nonsense one.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.engine.planner.dates import named_date

TODAY = date(2026, 12, 2)  # a Wednesday


@pytest.mark.parametrize("words, expected", [
    ("black friday", date(2026, 11, 27)),
    ("memorial day", date(2026, 5, 25)),
    ("boxing day", date(2025, 12, 26)),
    ("labor day weekend", date(2026, 9, 7)),
    ("last tuesday", date(2026, 12, 1)),
    ("3 weeks ago", date(2026, 11, 11)),
    ("two weeks ago", date(2026, 11, 18)),
])
def test_the_most_recent_date_the_words_name(words, expected):
    assert named_date(words, TODAY)[0] == expected


@pytest.mark.parametrize("words", ["they bought", "the sale", "we launched"])
def test_words_that_name_no_date_are_not_guessed(words):
    assert named_date(words, TODAY) is None
