"""Naming a campaign in words finds the one the marketer means, by one rule in every tool.

Names match case-insensitively, and among duplicates of one name the live campaign wins over a
draft rebuilt later. Before `tools/core/lookup.py` there were three copies: `campaign_report`
found "abandoned cart" while `pause_campaign` and `check_compliance` refused it, and "pause the
Cart sequence" paused the newest draft duplicate instead of the one sending.

Mutation tried: dropping `live_first` from the ordering in `find_campaign` fails
`test_a_live_campaign_wins_over_a_newer_draft_of_the_same_name`.
"""

from __future__ import annotations

import pytest

from tests.delivery_support import EVERYONE, add_contacts, approved_sequence, call
from tools.core.context import ToolError
from tools.core.db import session_scope
from tools.core.models import Campaign

WELCOME = [{"delay_hours": 0, "purpose": "welcome"}]


def status_of(engine, campaign_id: int) -> str:
    with session_scope(engine) as session:
        return session.get(Campaign, campaign_id).status


def test_a_live_campaign_wins_over_a_newer_draft_of_the_same_name(engine, settings):
    add_contacts(engine, 2)
    live = approved_sequence(engine, settings, WELCOME, name="Cart rescue")
    duplicate = call(engine, settings, "create_sequence",
                     {"name": "Cart rescue", "segment": EVERYONE, "steps": WELCOME}).campaign_id
    paused = call(engine, settings, "pause_campaign", {"campaign": "cart rescue"})
    assert paused.campaign_id == live
    assert (status_of(engine, live), status_of(engine, duplicate)) == ("paused", "awaiting_approval")


@pytest.mark.parametrize("tool", ["pause_campaign", "check_compliance", "preflight", "campaign_report"])
def test_every_tool_finds_a_campaign_by_its_name_in_any_case(engine, settings, tool):
    add_contacts(engine, 1)
    campaign_id = approved_sequence(engine, settings, WELCOME, name="Abandoned Cart")
    result = call(engine, settings, tool, {"campaign": "abandoned cart"})
    assert str(campaign_id) in result.model_dump_json() or "Abandoned Cart" in result.summary


@pytest.mark.parametrize("tool", ["pause_campaign", "check_compliance", "preflight", "campaign_report"])
def test_an_unknown_name_gets_one_error_that_lists_what_exists(engine, settings, tool):
    campaign_id = call(engine, settings, "create_sequence",
                       {"name": "Welcome", "segment": EVERYONE, "steps": WELCOME}).campaign_id
    with pytest.raises(ToolError, match=rf"no campaign 'Ghost'; known campaigns: {campaign_id} 'Welcome'"):
        call(engine, settings, tool, {"campaign": "Ghost"})
