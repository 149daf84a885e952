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


def test_a_word_where_an_audience_condition_goes_is_named_when_nothing_read_it():
    # Mutation tried: returning only the QUALIFIERS hits from `unused.unused_words` fails this.
    for text, word in [("how many loyal customers do we have in california", "loyal"),
                       ("how many active shoppers in germany", "active"),
                       ("how many people who returned an item", "returned"),
                       ("how many customers with a wishlist", "wishlist"),
                       ("how many customers in narnia", "narnia"),
                       ("how many people who havent bought shoes in 60 days", "shoes")]:
        built = plan(text)
        assert word in built.unused or f"'{word}" in (built.answer or ""), text  # named back, or asked about ("who counts as 'loyal customers'?")


def test_time_words_no_condition_took_are_named():
    # Nothing about "contacts in Germany" happens in a window: the window must not vanish.
    assert plan("how many contacts in germany in the last 30 days").unused == ["in the last 30 days"]
    assert plan("how many contacts in germany who ordered in the last 30 days").unused == []


def test_words_the_readers_took_are_not_named():
    for text in ["how many customers have 10 or more orders", "how many people signed up this month but haven't bought",
                 "how many shoppers from texas or new york spent over 300", "how many first-time buyers last month",
                 "how many subscribers in the eu signed up since black friday", "customers with at least 5 orders in germany",
                 "how many customers spent between 100 and 500 in the last 90 days"]:
        built = plan(text)
        assert built.calls and built.unused == [], (text, built.unused)


def test_a_one_off_to_a_group_the_shop_never_defined_asks_who_they_are():
    # Mutation tried: returning None from `broadcasts.one_off` for an unknown group (the old
    # behaviour) answers "I don't see a campaign in this thread to change".
    for text, group in [("one-off email to VIPs announcing holiday early access, 20% off with code EARLY20, send friday 9am", "vips"),
                        ("send one email to our loyal customers about the sale", "loyal customers")]:
        built = plan(text)
        assert built.calls == [] and f"who counts as '{group}'?" in (built.answer or "").lower(), (text, built.answer)
    assert plan("one-off email to everyone opted in announcing the sale, send friday 9am").unused == []


def test_a_count_or_flow_for_a_group_the_shop_never_defined_asks_and_the_answer_completes_it():
    """"how many VIPs abandoned a cart this week", "new customers in germany": whom the shop means is
    asked, never answered for everyone; the reply is read into the request. A thank-you's reason
    ("for being loyal customers") and a place ("new york") are no such group.
    Mutation tried: without the `undefined_group` check in `choose._with_unused` the counts ran
    for everyone with the group named unused; without `THANKS_FOR` the thank-you asked."""
    for text, group in [("how many VIPs abandoned a cart this week", "vips"), ("show me lapsed VIPs in france", "vips"),
                        ("how many superfans do we have in the uk", "superfans"), ("how many new customers in germany", "new customers"),
                        ("build a winback sequence for our big spenders in germany", "big spenders"),
                        ("how many orders from vip customers last week", "vip customers")]:
        built = plan(text)
        assert built.calls == [] and f"who counts as '{group}'?" in (built.answer or "").lower(), (text, built.answer)
        assert built.pending and built.pending["text"] == text
    asked = plan("how many VIPs abandoned a cart this week")
    answered = plan("people with 5+ orders", ThreadState(pending=asked.pending))
    assert answered.calls[0].name == "preview_segment" and "at least 5 times" in answered.reading, answered.reading
    assert "added to cart" in answered.reading, answered.reading
    for text in ["how many new york customers spent over $1,000 lifetime", "how many new customers signed up this month",
                 "send everyone who ordered 5+ times a thank you for being loyal customers with free shipping on friday noon"]:
        assert plan(text).calls, text
