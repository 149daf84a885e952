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


@pytest.fixture
def four_campaigns(engine, settings) -> dict[str, int]:
    """A cancelled "Abandoned cart", a live "Cart rescue", a paused "Autumn winback" and a
    "Win-back" still awaiting approval, created in that order (so "Win-back" is the newest)."""
    add_contacts(engine, 1)
    cart = [{"delay_hours": 1, "purpose": "cart_reminder"}]
    winback = [{"delay_hours": 0, "purpose": "winback"}]
    old = call(engine, settings, "create_sequence", {"name": "Abandoned cart", "segment": EVERYONE, "steps": cart})
    call(engine, settings, "discard_campaign", {"campaign": str(old.campaign_id)})
    ids = {"Abandoned cart": old.campaign_id,
           "Cart rescue": approved_sequence(engine, settings, cart + [
               {"delay_days": 2, "purpose": "cart_discount", "discount_percent": 10}], name="Cart rescue"),
           "Autumn winback": approved_sequence(engine, settings, winback, name="Autumn winback")}
    call(engine, settings, "pause_campaign", {"campaign": str(ids["Autumn winback"])})
    ids["Win-back"] = call(engine, settings, "create_sequence",
                           {"name": "Win-back", "segment": EVERYONE, "steps": winback}).campaign_id
    return ids


def reported(engine, settings, words: str) -> str:
    """The name of the campaign `campaign_report` reads for `words`."""
    (metrics,) = call(engine, settings, "campaign_report", {"campaign": words}).campaigns
    return metrics.name


@pytest.mark.parametrize(("words", "meant"), [
    ("cart rescue", "Cart rescue"),              # the exact name, in any case
    ("the autumn winback", "Autumn winback"),    # every significant word; "the" is filler
    ("our Autumn Winback campaign", "Autumn winback"),
    ("the autumn sequence", "Autumn winback"),   # "sequence" is filler too
    ("the autum winbak", "Autumn winback"),      # a close spelling
    ("the cart sequence", "Cart rescue"),        # "cart" names both; the cancelled one loses
    ("the winback", "Autumn winback"),           # a word of "Autumn winback" (not of "Win-back")
    ("win-back", "Win-back"),                    # exact beats the kind word
    ("the autumn win-back", "Autumn winback"),   # "win-back" and "winback" are one word (an outside tester's case)
    ("the checkout emails", "Cart rescue"),      # kind words: a campaign with a cart step
    ("the re-engage flow", "Autumn winback"),    # kind: win-back steps, live before the newer draft
    ("lapsed customers", "Autumn winback"),
    ("abandoned cart", "Cart rescue"),           # the cancelled exact name loses to a live cart campaign
    ("abandoned", "Abandoned cart"),             # only a cancelled campaign fits: it is found
])
def test_a_campaign_is_found_by_the_marketers_words(engine, settings, four_campaigns, words, meant):
    """Mutations tried: without the FILLER words "the autumn sequence" finds nothing; without the
    cancelled-last pools "abandoned cart" reads the cancelled "Abandoned cart"; a fuzzy score of
    95 misses "the autum winbak"; without the kind readings "the checkout emails" is an error."""
    assert reported(engine, settings, words) == meant


def test_pausing_by_loose_words_reaches_the_live_cart_campaign(engine, settings, four_campaigns):
    paused = call(engine, settings, "pause_campaign", {"campaign": "the cart sequence"})
    assert paused.campaign_id == four_campaigns["Cart rescue"]
    assert status_of(engine, four_campaigns["Abandoned cart"]) == "cancelled"


def test_a_cancelled_campaign_is_still_reached_by_its_id(engine, settings, four_campaigns):
    cancelled = four_campaigns["Abandoned cart"]
    assert reported(engine, settings, str(cancelled)) == "Abandoned cart"


@pytest.mark.parametrize("words", ["the welcome series", "browse abandoners", "spring sale"])
def test_words_that_fit_no_campaign_get_the_list_of_known_ones(engine, settings, four_campaigns, words):
    with pytest.raises(ToolError, match=rf"no campaign '{words}'; known campaigns: {four_campaigns['Win-back']} 'Win-back'"):
        call(engine, settings, "campaign_report", {"campaign": words})
