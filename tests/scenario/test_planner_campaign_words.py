"""A campaign built, edited, shown and approved in a marketer's words, through the conversation
engine and the offline planner, on both databases: each reply's calls really change the stored
campaign the way the words say (steps added and removed, a code switched, every draft approved),
and a campaign named loosely ("pause cart rescue") is the one that changes.

Mutations tried: planning "add another email on day 7" as a discount change (the old reading)
(no add_step intent) fails `test_steps_are_added_removed_and_recoded_in_place`; dropping the
marketer's words (`reading.campaign_words` returning nothing) fails
`test_a_campaign_is_found_by_its_own_name`. Sending the kind's default name ("Abandoned cart")
still passes: the tool's lookup prefers the live cart campaign to the cancelled namesake. Without
`recall.AD_FOR` "write linkedin copy for the winter sale" wrote an ad with no offer.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.engine.conversation import Conversation
from tools.core.models import Campaign, CampaignStep, Draft
from tools.ingest.seed import seed_store

BUILD = "build an abandoned cart sequence: a reminder on day 1, reviews on day 3 and 10% off with code SAVE10 on day 5"


def _steps(db, campaign_id: int) -> list[tuple[int, str]]:
    db.expire_all()
    rows = db.execute(select(CampaignStep.delay_minutes, Draft.purpose).join(Draft, Draft.id == CampaignStep.draft_id)
                      .where(CampaignStep.campaign_id == campaign_id).order_by(CampaignStep.delay_minutes)).all()
    return [(minutes // 1440, purpose) for minutes, purpose in rows]


def test_steps_are_added_removed_and_recoded_in_place(engine, settings, db):
    seed_store(engine, contacts=60)
    talk = Conversation(engine, settings, use_agent=False)
    built = talk.handle(BUILD, "UAPPROVER", "T1")
    assert "code SAVE10" in built.text.splitlines()[0], built.text
    campaign_id = db.scalar(select(Campaign.id))
    assert _steps(db, campaign_id) == [(1, "cart_reminder"), (3, "social_proof"), (5, "cart_discount")]

    added = talk.handle("add another email on day 7 saying it's their last chance", "UAPPROVER", "T1")
    assert [call.name for call in added.calls] == ["update_sequence"], added.text
    assert _steps(db, campaign_id)[-1] == (7, "cart_reminder")

    talk.handle("actually drop the day 7 one", "UAPPROVER", "T1")
    talk.handle("remove the second email", "UAPPROVER", "T1")
    assert _steps(db, campaign_id) == [(1, "cart_reminder"), (5, "cart_discount")]

    recoded = talk.handle("switch the code to WINTER20 and make it 20% off", "UAPPROVER", "T1")
    assert "WINTER20" in recoded.text.splitlines()[0], recoded.text
    db.expire_all()
    offer = db.scalars(select(Draft).join(CampaignStep, CampaignStep.draft_id == Draft.id)
                       .where(CampaignStep.campaign_id == campaign_id, Draft.purpose == "cart_discount")).one()
    assert "WINTER20" in str(offer.params) and "20" in str(offer.params), offer.params
    assert db.scalar(select(Campaign.id).where(Campaign.id != campaign_id)) is None  # nothing rebuilt

    approved = talk.handle("approve every step of this campaign", "UAPPROVER", "T1")
    assert [call.name for call in approved.calls] == ["approve_draft"], approved.text
    shown = talk.handle("show me the campaign", "UAPPROVER", "T1")
    assert [call.name for call in shown.calls] == ["preflight"], shown.text


def test_a_campaign_is_found_by_its_own_name(engine, settings, db):
    seed_store(engine, contacts=60)
    talk = Conversation(engine, settings, use_agent=False)
    talk.handle(BUILD, "UAPPROVER", "old")
    talk.handle("cancel it", "UAPPROVER", "old")
    talk.handle(BUILD.replace("abandoned cart sequence", "abandoned cart sequence called 'Cart rescue'"), "UAPPROVER", "new")
    db.expire_all()
    rescue = db.scalars(select(Campaign).order_by(Campaign.id.desc())).first()
    rescue.name, rescue.status = "Cart rescue", "active"
    db.commit()

    paused = talk.handle("pause cart rescue", "UMEMBER", "elsewhere")
    assert not paused.failed, paused.text
    db.expire_all()
    assert db.get(Campaign, rescue.id).status == "paused"
    report = talk.handle("how did the cart sequence do?", "UMEMBER", "elsewhere-2")
    assert "Cart rescue" in report.text, report.text


def test_a_new_audience_for_an_abandonment_flow_keeps_its_trigger(engine, settings, db):
    # Mutation tried: leaving the trigger parts out of `audience_edits.replace_audience` (the old
    # behaviour) stores the UK big spenders alone, so the cart flow would email people with no cart.
    from tools.core.models import Segment

    seed_store(engine, contacts=60)
    talk = Conversation(engine, settings, use_agent=False)
    assert not talk.handle("abandoned cart flow: reminder after 4 hours, 10% off on day 2", "UAPPROVER", "T1").failed
    cart = db.scalar(select(Campaign))
    old = db.get(Segment, cart.segment_id).spec
    changed = talk.handle("make it customers in the UK who spent over 100", "UAPPROVER", "T1")
    assert [call.name for call in changed.calls] == ["update_sequence", "preflight"], changed.text
    assert "still only those who added to cart or started checkout" in changed.text.splitlines()[0], changed.text
    db.expire_all()
    spec = db.get(Segment, db.get(Campaign, cart.id).segment_id).spec
    assert old in spec["all"] and {"attribute": "country", "op": "in", "value": ["GB"]} in spec["all"], spec
    staged = talk.handle("change the audience to people who viewed a product in the last 2 days", "UAPPROVER", "T1")
    db.expire_all()
    assert "still only" not in staged.text.splitlines()[0], staged.text  # a new stage replaces the trigger
    assert "Product Added" not in str(db.get(Segment, db.get(Campaign, cart.id).segment_id).spec), staged.text


def test_an_offer_moves_between_steps_and_a_holdout_is_set_in_words(engine, settings, db):
    # Mutations tried: without the MOVE_OFFER branch in `follow_ups.remove_offer` the offer only
    # came off day 2 ("put it on the last email" unused); without the set_holdout intent "add a
    # 10 percent holdout" was read as a report of every campaign.
    seed_store(engine, contacts=60)
    talk = Conversation(engine, settings, use_agent=False)
    assert not talk.handle("abandoned cart flow: reminder after 4 hours, 10% off on day 2 code SAVE10, last chance on day 4",
                           "UAPPROVER", "T1").failed
    campaign_id = db.scalar(select(Campaign.id))
    moved = talk.handle("take the discount off day 2 and put it on the last email instead", "UAPPROVER", "T1")
    assert "moves from day 2 to day 4" in moved.text.splitlines()[0], moved.text
    db.expire_all()
    offers = {minutes // 1440: (draft.params.get("discount_percent"), draft.params.get("discount_code"))
              for minutes, draft in db.execute(select(CampaignStep.delay_minutes, Draft).join(Draft, Draft.id == CampaignStep.draft_id)
                                               .where(CampaignStep.campaign_id == campaign_id))}
    assert offers[2] == (None, None) and offers[4] == (10, "SAVE10"), offers

    held = talk.handle("add a 10 percent holdout pls", "UAPPROVER", "T1")
    assert [call.name for call in held.calls] == ["update_sequence"], held.text
    db.expire_all()
    assert float(db.get(Campaign, campaign_id).holdout_percent) == 10.0
    assert "holdout 0% -> 10%" in held.text, held.text
    subject = talk.handle("subject on the 1st email -> 'psst... you left something behind'", "UAPPROVER", "T1")
    assert [call.name for call in subject.calls] == ["update_sequence"], subject.text


def test_every_live_campaign_is_paused_and_a_steps_kind_changes_in_words(engine, settings, db):
    # Mutations tried: without `recall.every_campaign` "pause everything thats live" asked which
    # campaign; without the change_kind intent "make the day 2 email a reminder instead of a
    # discount" drafted a stray custom email and the campaign kept its discount step.
    seed_store(engine, contacts=60)
    talk = Conversation(engine, settings, use_agent=False)
    assert not talk.handle("abandoned cart flow: reminder after 4 hours, 10% off on day 2 code SAVE10", "UAPPROVER", "T1").failed
    assert not talk.handle("winback for people who havent ordered in 90 days: email on day 1", "UAPPROVER", "T2").failed
    cart, winback = db.scalars(select(Campaign).order_by(Campaign.id)).all()
    changed = talk.handle("make the day 2 email a reminder instead of a discount", "UAPPROVER", "T1")
    assert "day 2 becomes a cart reminder email, without its offer" in changed.text.splitlines()[0], changed.text
    assert _steps(db, cart.id) == [(0, "cart_reminder"), (2, "cart_reminder")]
    db.expire_all()
    for campaign in (cart, winback):
        db.get(Campaign, campaign.id).status = "active"
    db.commit()
    # a reason after it is no campaign's name (Mutation tried: without the reason tail of
    # `recall.EVERY_CAMPAIGN` it paused a campaign named 'site outage', which does not exist)
    paused = talk.handle("pause everything thats live, we have a site outage", "UAPPROVER", "T3")
    assert [(c.name, c.arguments["campaign"]) for c in paused.calls] == [("pause_campaign", str(cart.id)), ("pause_campaign", str(winback.id))]
    assert "Taken to mean every active campaign" in paused.text, paused.text
    db.expire_all()
    assert {db.get(Campaign, c.id).status for c in (cart, winback)} == {"paused"}
    assert talk.handle("pause everything thats live", "UAPPROVER", "T3").text.startswith("No campaign is active right now")
    # "except the winback" leaves that one out (Mutation tried: without the `spared` part of
    # `recall.EVERY_CAMPAIGN` it resumed a campaign named 'except winback', which does not exist)
    resumed = talk.handle("ok false alarm, resume everything except the winback", "UAPPROVER", "T3")
    assert resumed.text.startswith(f"Read as: resume campaign {cart.id}\n"), resumed.text  # proposed, to confirm
    assert f"except {winback.id} 'Win-back'" in resumed.text, resumed.text


def test_ad_copy_for_a_campaign_named_without_a_campaign_noun_carries_its_offer(engine, settings, db):
    """"write linkedin copy for the winter sale" in a new thread: the stored one-off 'winter sale'
    is the campaign meant (said), and the ad says its 20% and its code; a name no campaign has
    ("the spring launch") stays an ad about those words, with no offer invented."""
    seed_store(engine, contacts=40)
    talk = Conversation(engine, settings, use_agent=False)
    assert not talk.handle("one email on saturday at 9am to everyone: our winter sale, 20% off with code WINTER20", "UAPPROVER", "W1").failed
    ad = talk.handle("write linkedin copy for the winter sale", "UAPPROVER", "W2")
    assert [call.name for call in ad.calls] == ["draft_ad_copy"], ad.text
    assert ad.calls[0].arguments.get("discount_code") == "WINTER20" and "Taken to mean campaign" in ad.text, ad.text
    assert "WINTER20" in ad.text.split("\n\n", 1)[1], ad.text
    other = talk.handle("write linkedin copy for the spring launch", "UAPPROVER", "W3")
    assert "discount_code" not in other.calls[0].arguments and "Taken to mean" not in other.text, other.text


def test_approve_it_and_schedule_after_one_step_was_edited_approves_the_campaign_and_schedules_it(engine, settings, db):
    """"ok approve it and schedule" when the thread last touched one step's draft: every step is
    approved and the campaign scheduled (it once recursed between the draft and the campaign
    readings until Python gave up), and "reject it, too salesy" keeps its reason."""
    seed_store(engine, contacts=40)
    talk = Conversation(engine, settings, use_agent=False)
    assert not talk.handle(BUILD, "UAPPROVER", "A1").failed
    assert not talk.handle("the day 3 email should say our reviews speak for themselves", "UAPPROVER", "A1").failed
    done = talk.handle("ok approve it and schedule", "UAPPROVER", "A1")
    assert [call.name for call in done.calls][:1] == ["approve_draft"] and "schedule" in done.text.splitlines()[0], done.text
    campaign = db.scalar(select(Campaign).order_by(Campaign.id.desc()))
    db.expire_all()
    drafts = db.scalars(select(Draft).join(CampaignStep, CampaignStep.draft_id == Draft.id).where(CampaignStep.campaign_id == campaign.id)).all()
    assert drafts and all(draft.status == "approved" for draft in drafts), [(d.id, d.status) for d in drafts]


def test_a_step_named_by_its_place_is_the_threads_campaigns_not_another_campaign_named_like_it(engine, settings, db):
    """"move the discount to the first email" in a checkout flow's thread moves that flow's offer;
    another thread's one-off 'cart discount' is not taken to be meant (the focus once moved there,
    and the next edit, a holdout, landed on the wrong campaign).
    Mutation tried: without `recall.STEP_OF_IT` the edit went to the one-off."""
    seed_store(engine, contacts=40)
    talk = Conversation(engine, settings, use_agent=False)
    assert not talk.handle("email everyone who started checkout in the last 48 hrs with 10% off code CART10", "UAPPROVER", "H1").failed
    assert not talk.handle("set up an abandoned checkout flow: reminder after 6 hours, 10% off on day 2 code UK10", "UAPPROVER", "H2").failed
    flow = db.scalar(select(Campaign).order_by(Campaign.id.desc()))
    moved = talk.handle("move the discount to the first email", "UAPPROVER", "H2")
    assert [call.arguments.get("campaign") for call in moved.calls if call.name == "update_sequence"] == [str(flow.id)], moved.text
    held = talk.handle("add a 15 percent holdout", "UAPPROVER", "H2")
    assert held.text.startswith(f"Read as: change campaign {flow.id} in place"), held.text
