"""The thread resolves "the cart sequence" among the campaigns it has seen: the live one over an
unapproved duplicate, the campaign named over the newest one, and it says which it picked.

The state is fed the tools' own result models (as the engine does after each call), then the
planner reads the sentence. No database.

Mutations tried: ranking by newest id only (ignoring LIVENESS in `ThreadState.campaign_named`)
fails `test_pause_the_cart_sequence_picks_the_live_one`; checking `state.campaign_id` before
the kind words in `reading.campaign_reference` fails `test_the_report_names_the_campaign_asked_about`.
"""

from __future__ import annotations

from bot.engine.memory import ThreadState
from bot.engine.planner.choose import plan
from tools.campaigns.lifecycle import CampaignLine, CampaignResult, ListCampaignsResult


def _built(state: ThreadState, campaign_id: int, name: str, status: str = "awaiting_approval") -> None:
    state.absorb("create_sequence", {"name": name, "segment": {}, "steps": []},
                 CampaignResult(summary="", campaign_id=campaign_id, status=status))


def test_pause_the_cart_sequence_picks_the_live_one():
    state = ThreadState()
    _built(state, 3, "Abandoned cart")
    state.absorb("schedule_campaign", {"campaign": "3"}, CampaignResult(summary="", campaign_id=3, status="active"))
    _built(state, 5, "Abandoned cart")  # a duplicate, never approved, and the thread's newest
    result = plan("pause the cart sequence", state)
    assert [(c.name, c.arguments) for c in result.calls] == [("pause_campaign", {"campaign": "3"})]
    assert "'Abandoned cart', active; not campaign 5 (awaiting approval)" in result.reading
    assert plan("pause it", state).calls[0].arguments == {"campaign": "5"}, "'it' is still the latest"


def test_the_report_names_the_campaign_asked_about():
    state = ThreadState()
    _built(state, 1, "Abandoned cart", "active")
    _built(state, 2, "Browse abandonment")
    assert plan("how did the cart sequence do", state).calls[0].arguments["campaign"] == "1"
    assert plan("how did the browse flow do last week?", state).calls[0].arguments["campaign"] == "2"
    assert plan("how did the win-back do", state).calls[0].arguments["campaign"] == "win-back"  # for the tool's lookup


def test_listed_campaigns_join_the_thread():
    state = ThreadState()
    line = {"kind": "sequence", "steps": 3, "enrolled": 0, "sent": 0, "summary": ""}
    state.absorb("list_campaigns", {}, ListCampaignsResult(summary="", campaigns=[
        CampaignLine(campaign_id=7, name="Abandoned cart", status="paused", **line),
        CampaignLine(campaign_id=9, name="Abandoned cart", status="draft", **line)]))
    assert state.campaign_id is None
    assert plan("resume the abandoned cart flow", state).calls[0].arguments == {"campaign": "7"}
    restored = ThreadState.from_dict(state.to_dict())
    assert restored.campaign_named("cart")[0]["id"] == 7
