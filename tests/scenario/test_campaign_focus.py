"""A campaign named in words acts on that campaign, in a fresh thread or in one that built
another since: "reject the post-purchase review email" rejects that step's draft, not the
newest campaign's; "make the discount in the winback 20%" edits the win-back; a step the named
campaign does not have is said, never swapped for another step. On both databases, through the
conversation engine and the offline planner, checked in the stored drafts and steps.

Mutation tried: making `recall.focus` return the thread's state unchanged (the old behaviour)
fails every test here: the reject went to the welcome series' day 3 draft, and the discount edit
answered "no step with an offer". Leaving the audience's countries out of `campaigns_named` sends
"the german cart recovery" to the newer French flow; leaving out the number focus makes "how many
would campaign N reach?" in a fresh thread ask which audience.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.engine.conversation import Conversation
from tools.core.models import Campaign, CampaignStep, Draft
from tools.ingest.seed import seed_store

POST_PURCHASE = "post-purchase flow: thank you right away, review request a week later"
WINBACK = "win back people who haven't ordered in 90 days: we miss you on day 1, 15% off on day 4 with code MISSYOU15"
WELCOME = "set up a welcome series for new subscribers: welcome right away, bestsellers on day 3"


def _campaign(db, name: str) -> Campaign:
    db.expire_all()
    return db.scalars(select(Campaign).where(Campaign.name == name)).one()


def _drafts(db, campaign: Campaign) -> list[Draft]:
    db.expire_all()
    return list(db.scalars(select(Draft).join(CampaignStep, CampaignStep.draft_id == Draft.id)
                           .where(CampaignStep.campaign_id == campaign.id).order_by(CampaignStep.position)))


def _built(engine, settings) -> Conversation:
    seed_store(engine, contacts=80)
    talk = Conversation(engine, settings, use_agent=False)
    for request in (POST_PURCHASE, WINBACK, WELCOME):  # one thread; the welcome series is its newest
        assert not talk.handle(request, "UAPPROVER", "built").failed
    return talk


def test_a_step_named_by_its_campaigns_words_is_the_one_acted_on(engine, settings, db):
    talk = _built(engine, settings)
    review = _drafts(db, _campaign(db, "Post-purchase"))[1]
    welcome = _drafts(db, _campaign(db, "Welcome"))

    for thread in ("built", "fresh"):
        reply = talk.handle("reject the post-purchase review email, too pushy", "UAPPROVER", thread)
        assert [(c.name, c.arguments.get("draft_id")) for c in reply.calls] == [("reject_draft", review.id)], reply.text
        assert "Taken to mean campaign" in reply.text and "'Post-purchase'" in reply.text, reply.text
    db.expire_all()
    assert db.get(Draft, review.id).status == "rejected"
    assert {draft.status for draft in welcome} == {"pending"}, "the thread's newest campaign is untouched"


def test_an_edit_in_another_campaigns_words_changes_that_campaign(engine, settings, db):
    talk = _built(engine, settings)
    winback = _campaign(db, "Win-back")
    reply = talk.handle("change the discount in the winback to 20%", "UAPPROVER", "built")
    assert [c.name for c in reply.calls] == ["update_sequence"], reply.text
    offer = _drafts(db, winback)[1]
    assert offer.params.get("discount_percent") == 20, offer.params
    assert _drafts(db, winback)[0].params.get("discount_percent") is None
    follow = talk.handle("and move the discount email to day 5", "UAPPROVER", "built")  # the thread means the win-back now
    assert [c.arguments.get("campaign") for c in follow.calls] == [str(winback.id)], follow.text


def test_a_step_the_named_campaign_lacks_is_said_and_nothing_changes(engine, settings, db):
    talk = _built(engine, settings)
    talk.handle("pause the welcome series", "UAPPROVER", "elsewhere")  # noise: another thread
    reply = talk.handle("reject the third email of the winback", "UAPPROVER", "fresh")
    assert reply.calls == [], reply.text
    assert "has no email 3" in reply.text and "days 1, 4" in reply.text, reply.text
    assert {d.status for d in _drafts(db, _campaign(db, "Win-back"))} == {"pending"}


def test_a_count_of_the_newsletters_reach_is_its_preflight(engine, settings, db):
    talk = _built(engine, settings)
    assert not talk.handle("one-off newsletter about the winter collection to everyone opted in, send friday 9am",
                           "UAPPROVER", "news").failed
    reply = talk.handle("how many will the winter collection newsletter reach?", "UMEMBER", "fresh-2")
    newsletter = _campaign(db, "One-off: winter collection")
    assert [(c.name, c.arguments) for c in reply.calls] == [("preflight", {"campaign": str(newsletter.id)})], reply.text


def test_a_campaign_named_by_its_audience_place_or_number_is_the_one_counted(engine, settings, db):
    talk = _built(engine, settings)
    assert not talk.handle("cart recovery for germany: reminder after 4 hours, 10% off on day 2", "UAPPROVER", "de").failed
    german = _campaign(db, "Abandoned cart")
    assert not talk.handle("cart recovery for france: reminder after 2 hours", "UAPPROVER", "fr").failed  # newer, same kind
    reply = talk.handle("how many would the german cart recovery reach?", "UMEMBER", "fresh-3")
    assert [(c.name, c.arguments) for c in reply.calls] == [("preflight", {"campaign": str(german.id)})], reply.text
    assert f"Taken to mean campaign {german.id}" in reply.text, reply.text
    winback = _campaign(db, "Win-back")
    reply = talk.handle(f"how many would campaign {winback.id} reach?", "UMEMBER", "fresh-4")
    assert [(c.name, c.arguments) for c in reply.calls] == [("preflight", {"campaign": str(winback.id)})], reply.text
