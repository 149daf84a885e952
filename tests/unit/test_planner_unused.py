"""An audience word the chosen tool cannot use is named in the reply, never dropped silently.

Mutation tried: removing the FIXED_AUDIENCE_TOOLS branch in `choose._with_unused` fails
`test_an_export_with_a_fixed_audience_names_the_audience_words_it_ignored`.
"""

from __future__ import annotations

from bot.engine.memory import ThreadState
from bot.engine.planner.choose import plan


def test_an_export_with_a_fixed_audience_names_the_audience_words_it_ignored():
    planned = plan("export our vip buyers to google as an exclusion list", ThreadState.from_dict(None))
    assert [call.name for call in planned.calls] == ["export_buyer_suppression"]
    assert planned.unused == ["vip"]


def test_a_plain_export_has_nothing_unused():
    planned = plan("export a buyer suppression list for meta", ThreadState.from_dict(None))
    assert planned.calls and planned.unused == []
